export * from './node-options-file.js';
export * from './memory.js';
export * from './budget.js';
export * from './resolve.js';
export * from './size.js';
export * from './runtime.js';
export * from './process-tree.js';
