export { default as js } from '@eslint/js';
export { default as prettier } from 'eslint-config-prettier/flat';
export { default as globals } from 'globals';
export { default as tseslint } from 'typescript-eslint';
