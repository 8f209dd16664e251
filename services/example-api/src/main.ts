console.log('example-api placeholder');
