// Scripts for the differential test of `heapwise init`'s script rewriting. `realWorld` entries
// were collected from public monorepos' package.json files and setup guides (typed here, one row
// each); `cases` are shapes a rewrite must not break. `outcome` is what init must do with each:
// rewrite it (same commands, same arguments) or leave it untouched and say why.

export interface CorpusEntry {
  /** A task name (package script, or a root script named like a task), or a root script's name. */
  readonly task: string;
  readonly script: string;
  readonly root?: boolean;
  readonly outcome: 'rewritten' | 'left' | 'unchanged';
}

/** One table row: the task (or root script name) and its script. */
type Row = readonly [task: string, script: string];

function packageScripts(outcome: CorpusEntry['outcome'], rows: readonly Row[]): CorpusEntry[] {
  return rows.map(([task, script]) => ({ task, script, outcome }));
}

function rootScripts(outcome: CorpusEntry['outcome'], rows: readonly Row[]): CorpusEntry[] {
  return rows.map(([task, script]) => ({ task, script, root: true, outcome }));
}

export const realWorld: readonly CorpusEntry[] = [
  ...packageScripts('rewritten', [
    ['build', 'cross-env NODE_OPTIONS="--no-deprecation --max-old-space-size=3072" next build --webpack'],
    ['build', 'cross-env NODE_OPTIONS="--max-old-space-size=8000" next build'],
    ['dev', 'cross-env NODE_OPTIONS=--no-deprecation next dev'],
    ['build', 'cross-env NODE_OPTIONS=--openssl-legacy-provider ng build --configuration production'],
    ['build', 'cross-env NODE_OPTIONS=--max-old-space-size=4096 GENERATE_SOURCEMAP=false react-app-rewired build'],
    ['build', 'NODE_OPTIONS=--max-old-space-size=4096 GENERATE_SOURCEMAP=false react-app-rewired build'],
    ['build', "cross-env NODE_OPTIONS='--no-deprecation' next build --webpack"],
    ['build', 'cross-env NODE_OPTIONS=--max-old-space-size=10240 vite build'],
    [
      'build',
      'cross-env NODE_OPTIONS=--max-old-space-size=2048 npm run typecheck && ' +
        'cross-env NODE_OPTIONS=--max-old-space-size=2048 next build',
    ],
    ['typecheck', 'node --max-old-space-size=2048 ./node_modules/typescript/bin/tsc --noEmit'],
    [
      'build',
      'rimraf .next && ' +
        'prisma generate && cross-env NODE_ENV=production NODE_OPTIONS=--max-old-space-size=8192 next build --webpack',
    ],
    ['build', 'NODE_OPTIONS=--max-old-space-size=8192 next build --webpack'],
    ['test', 'vitest run && playwright test'],
    ['test', 'vitest run && tsc && jsr publish --dry-run --allow-dirty'],
    ['test', 'vitest run && npm run test --workspace server'],
    ['build', 'tsc --noEmit && electron-vite build'],
    ['test', 'vitest run && vitest run -c vitest.workers.config.ts'],
    ['test', 'vitest run && node --test scripts/gate/*.test.mjs'],
    ['dev', 'tsx watch src/index.ts'],
    ['build', 'tsc -p tsconfig.build.json'],
    ['build', 'VITE_MODE=canned vite build --base=/demo/'],
    ['test', 'jest --forceExit --detectOpenHandles'],
    ['test', 'jest --watchAll=false'],
    ['test', 'jest --config=jest.config.test.js'],
    ['test', 'jest --coverage --reporters=default --reporters=jest-junit'],
    ['dev', 'NODE_ENV=development nodemon --exec babel-node src/server.js'],
    ['build', 'rimraf dist && tsc'],
    ['dev', 'NODE_ENV=development ts-node -r tsconfig-paths/register src/index.ts'],
    ['build', 'rimraf dist && tsc -p tsconfig-build.json'],
    ['build', 'rimraf dist && tsc && tsc-alias'],
    ['build', 'node --max-old-space-size=4096 node_modules/.bin/akfun build'],
    ['dev', 'node --max-old-space-size=4096 node_modules/next/dist/bin/next dev --turbopack'],
    ['build', 'npx rimraf dist && node --max-old-space-size=4096 node_modules/typescript/bin/tsc'],
    ['test', 'node --max-old-space-size=4096 node_modules/.bin/jest'],
    ['dev', 'next dev --turbopack'],
    ['test', 'jest --runInBand'],
  ]),
  ...rootScripts('rewritten', [
    ['dev', 'turbo run dev --filter=@xstudio/builder'],
    ['clean', 'turbo run clean && rm -rf node_modules'],
    ['build', 'dotenv -- turbo run build'],
    ['dev', 'dotenv -- turbo dev'],
    ['lint:fix', 'turbo lint -- --fix'],
    ['dev', 'turbo run dev --filter=shell --filter=mfe-products --filter=mfe-cart --filter=api'],
    ['db:generate', 'dotenv -- turbo db:generate --filter=api'],
    ['test:unit', 'turbo run test:unit'],
    ['build', 'turbo run build --filter=./apps/* --concurrency=4'],
    ['ci', 'turbo run lint typecheck test --continue'],
    ['build:force', 'turbo run build --force'],
    ['dev:remix', 'turbo run dev --filter=@documenso/remix'],
  ]),
  ...rootScripts('unchanged', [
    ['start', 'dotenv -- pnpm --filter=@dorkos/server run start'],
    ['content:audio', 'pnpm --filter @sl/content-pipeline gen-audio'],
  ]),
];

export const cases: readonly CorpusEntry[] = [
  ...packageScripts('rewritten', [
    ['build', 'FOO=$(git rev-parse HEAD) node x.js'],
    ['build', 'FOO=a\\ b node x'],
    ['build', 'cd dist && node server.js'],
    ['build', 'export X=1 && node y.js "$X"'],
    ['build', 'tsc -b; exit 3'],
    ['build', 'exec node x.js'],
    ['build', 'time node x.js'],
    ['test', '! vitest run'],
    ['build', '{ tsc; node x.js; }'],
    ['build', 'if [ -d dist ]; then node a.js; else node b.js; fi'],
    ['build', 'for f in a b; do node "$f.js"; done'],
    ['build', 'case "$CI" in true) node ci.js;; *) node local.js;; esac'],
    ['build', 'x=1; node y.js "$x"'],
    ['build', 'node x "$(echo "a;b")"'],
    ['build', 'cat <&3'],
    ['test', 'cross-env-shell NODE_OPTIONS=--max-old-space-size=4096 "tsc && node x"'],
    ['build', 'tsc -b | tee build.log'],
    ['build', 'tsc -b\nnode post.js'],
    ['test', 'cross-env NODE_OPTIONS="--max-old-space-size=4096 --inspect" vitest'],
    ['test', 'cross-env NODE_OPTIONS=--inspect vitest run'],
    ['test', 'NODE_OPTIONS="$NODE_OPTIONS --max-old-space-size=3072" vitest run'],
    ['test', 'NODE_OPTIONS="--max-old-space-size=3072 --trace-warnings" vitest run'],
    ['build', 'node -r ./setup.cjs --max-old-space-size=2048 build.js --max-old-space-size'],
    ['build', 'echo "building" && tsc -b 2>&1 >/dev/null; echo $?'],
  ]),
  ...packageScripts('unchanged', [['build', 'heapwise run build -- tsc -b']]),
  ...packageScripts('left', [
    ['typecheck', 'export NODE_OPTIONS=--max-old-space-size=4096 && tsc'],
    ['test', 'NODE_OPTIONS=--inspect vitest'],
    ['build', 'node --max-old-space-size=4.096e+23 x.js'],
    ['build', 'node x.js --max-old-space-size=4096'],
    ['build', 'eval "node x.js"'],
    ['build', '$BUILDER x.js'],
  ]),
  ...rootScripts('rewritten', [
    ['build', 'NODE_OPTIONS=--max-old-space-size=8192 next build'],
    ['build', 'turbo run --filter=web build'],
    ['build', 'npx turbo run build'],
  ]),
  ...rootScripts('unchanged', [['prune', 'turbo prune web --docker']]),
  ...rootScripts('left', [
    ['build:web', 'NODE_OPTIONS=--max-old-space-size=8192 next build'],
    ['dev', 'turbo watch dev'],
  ]),
];
