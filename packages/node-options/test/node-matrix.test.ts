// The matrix installer's lookups (the installs themselves need the registry: `.ci/run` does them).
import { describe, expect, it } from 'vitest';
import { installedNode, isCi, nodeBinary } from '../scripts/install-node-matrix.mjs';

describe('install-node-matrix', () => {
  it('reads CI as CI services set it', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({})).toBe(false);
    expect(isCi({ CI: '' })).toBe(false);
    expect(isCi({ CI: 'false' })).toBe(false);
  });

  it('says how to install a version that is not there', () => {
    expect(installedNode('7')).toEqual({
      reason: expect.stringMatching(
        new RegExp(
          String.raw`^node@7 is not installed in .*heapwise-node/7: ` +
            String.raw`run \`node packages/node-options/scripts/install-node-matrix\.mjs\`$`,
        ),
      ),
    });
    expect(nodeBinary('22')).toMatch(/node_modules\/\.cache\/heapwise-node\/22\/node_modules\/node\/bin\/node$/);
  });
});
