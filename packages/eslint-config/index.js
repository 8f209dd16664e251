// ESLint building blocks for the root eslint.config.js. They are reached through this package
// because typescript-eslint type-checks with TypeScript's JavaScript compiler API, which the root's
// TypeScript 7 (a native compiler) does not ship: this package depends on typescript 6.0, so npm
// installs typescript-eslint and that TypeScript next to it, and the repository keeps compiling with 7.
export { default as js } from '@eslint/js';
export { default as prettier } from 'eslint-config-prettier/flat';
export { default as globals } from 'globals';
export { default as tseslint } from 'typescript-eslint';
