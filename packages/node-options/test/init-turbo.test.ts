import { describe, expect, it } from 'vitest';
import { InitError } from '../src/init/errors.js';
import { PASS_THROUGH_ENV, passHeapwiseEnv } from '../src/init/turbo-json.js';
import { parse } from 'jsonc-parser';

describe('passHeapwiseEnv (turbo.json)', () => {
  it('appends the missing names to an existing list, keeping comments and trailing commas', () => {
    const before = '{\n  // shared\n  "globalPassThroughEnv": ["CI", "NODE_OPTIONS",],\n  "tasks": {},\n}\n';
    const after = passHeapwiseEnv('turbo.json', before);
    expect(parse(after).globalPassThroughEnv).toEqual(['CI', 'NODE_OPTIONS', 'GOMEMLIMIT', 'HEAPWISE_*']);
    expect(after).toContain('// shared');
    expect(after).toContain('  "tasks": {},\n}\n');
  });

  it('adds the list before "tasks" when there is none', () => {
    const after = passHeapwiseEnv(
      'turbo.json',
      '{\n  "$schema": "https://turborepo.com/schema.json",\n  "tasks": {}\n}\n',
    );
    const names = PASS_THROUGH_ENV.map((name) => `    "${name}"`).join(',\n');
    expect(after).toBe(
      '{\n  "$schema": "https://turborepo.com/schema.json",\n' +
        `  "globalPassThroughEnv": [\n${names}\n  ],\n` +
        '  "tasks": {}\n}\n',
    );
    expect(passHeapwiseEnv('turbo.json', after)).toBe(after);
  });

  it('refuses a globalPassThroughEnv that is not an array, naming the file', () => {
    expect(() => passHeapwiseEnv('turbo.json', '{ "globalPassThroughEnv": "NODE_OPTIONS" }')).toThrow(InitError);
    expect(() => passHeapwiseEnv('turbo.json', '{ "globalPassThroughEnv": "NODE_OPTIONS" }')).toThrow(
      /^turbo\.json: "globalPassThroughEnv" must be an array/,
    );
  });
});
