// Scripts for the differential test of `heapwise init`'s script rewriting. `realWorld` entries
// were collected from public monorepos' package.json files and setup guides (typed here, one line
// each); `cases` are shapes a rewrite must not break. `outcome` is what init must do with each:
// rewrite it (same commands, same arguments) or leave it untouched and say why.

export interface CorpusEntry {
  /** A task name (package script, or a root script named like a task), or a root script's name. */
  readonly task: string;
  readonly script: string;
  readonly root?: boolean;
  readonly outcome: 'rewritten' | 'left' | 'unchanged';
}

export const realWorld: readonly CorpusEntry[] = [
  {
    task: 'build',
    script: 'cross-env NODE_OPTIONS="--no-deprecation --max-old-space-size=3072" next build --webpack',
    outcome: 'rewritten',
  },
  { task: 'build', script: 'cross-env NODE_OPTIONS="--max-old-space-size=8000" next build', outcome: 'rewritten' },
  { task: 'dev', script: 'cross-env NODE_OPTIONS=--no-deprecation next dev', outcome: 'rewritten' },
  {
    task: 'build',
    script: 'cross-env NODE_OPTIONS=--openssl-legacy-provider ng build --configuration production',
    outcome: 'rewritten',
  },
  {
    task: 'build',
    script: 'cross-env NODE_OPTIONS=--max-old-space-size=4096 GENERATE_SOURCEMAP=false react-app-rewired build',
    outcome: 'rewritten',
  },
  {
    task: 'build',
    script: 'NODE_OPTIONS=--max-old-space-size=4096 GENERATE_SOURCEMAP=false react-app-rewired build',
    outcome: 'rewritten',
  },
  { task: 'build', script: "cross-env NODE_OPTIONS='--no-deprecation' next build --webpack", outcome: 'rewritten' },
  { task: 'build', script: 'cross-env NODE_OPTIONS=--max-old-space-size=10240 vite build', outcome: 'rewritten' },
  {
    task: 'build',
    script:
      'cross-env NODE_OPTIONS=--max-old-space-size=2048 npm run typecheck && cross-env NODE_OPTIONS=--max-old-space-size=2048 next build',
    outcome: 'rewritten',
  },
  {
    task: 'typecheck',
    script: 'node --max-old-space-size=2048 ./node_modules/typescript/bin/tsc --noEmit',
    outcome: 'rewritten',
  },
  {
    task: 'build',
    script:
      'rimraf .next && prisma generate && cross-env NODE_ENV=production NODE_OPTIONS=--max-old-space-size=8192 next build --webpack',
    outcome: 'rewritten',
  },
  { task: 'build', script: 'NODE_OPTIONS=--max-old-space-size=8192 next build --webpack', outcome: 'rewritten' },
  { task: 'test', script: 'vitest run && playwright test', outcome: 'rewritten' },
  { task: 'test', script: 'vitest run && tsc && jsr publish --dry-run --allow-dirty', outcome: 'rewritten' },
  { task: 'test', script: 'vitest run && npm run test --workspace server', outcome: 'rewritten' },
  { task: 'build', script: 'tsc --noEmit && electron-vite build', outcome: 'rewritten' },
  { task: 'test', script: 'vitest run && vitest run -c vitest.workers.config.ts', outcome: 'rewritten' },
  { task: 'test', script: 'vitest run && node --test scripts/gate/*.test.mjs', outcome: 'rewritten' },
  { task: 'dev', script: 'tsx watch src/index.ts', outcome: 'rewritten' },
  { task: 'build', script: 'tsc -p tsconfig.build.json', outcome: 'rewritten' },
  { task: 'build', script: 'VITE_MODE=canned vite build --base=/demo/', outcome: 'rewritten' },
  { task: 'test', script: 'jest --forceExit --detectOpenHandles', outcome: 'rewritten' },
  { task: 'test', script: 'jest --watchAll=false', outcome: 'rewritten' },
  { task: 'test', script: 'jest --config=jest.config.test.js', outcome: 'rewritten' },
  { task: 'test', script: 'jest --coverage --reporters=default --reporters=jest-junit', outcome: 'rewritten' },
  { task: 'dev', script: 'NODE_ENV=development nodemon --exec babel-node src/server.js', outcome: 'rewritten' },
  { task: 'build', script: 'rimraf dist && tsc', outcome: 'rewritten' },
  { task: 'dev', script: 'NODE_ENV=development ts-node -r tsconfig-paths/register src/index.ts', outcome: 'rewritten' },
  { task: 'build', script: 'rimraf dist && tsc -p tsconfig-build.json', outcome: 'rewritten' },
  { task: 'build', script: 'rimraf dist && tsc && tsc-alias', outcome: 'rewritten' },
  { task: 'build', script: 'node --max-old-space-size=4096 node_modules/.bin/akfun build', outcome: 'rewritten' },
  {
    task: 'dev',
    script: 'node --max-old-space-size=4096 node_modules/next/dist/bin/next dev --turbopack',
    outcome: 'rewritten',
  },
  {
    task: 'build',
    script: 'npx rimraf dist && node --max-old-space-size=4096 node_modules/typescript/bin/tsc',
    outcome: 'rewritten',
  },
  { task: 'test', script: 'node --max-old-space-size=4096 node_modules/.bin/jest', outcome: 'rewritten' },
  { task: 'dev', script: 'next dev --turbopack', outcome: 'rewritten' },
  { task: 'test', script: 'jest --runInBand', outcome: 'rewritten' },
  { task: 'dev', script: 'turbo run dev --filter=@xstudio/builder', root: true, outcome: 'rewritten' },
  { task: 'clean', script: 'turbo run clean && rm -rf node_modules', root: true, outcome: 'rewritten' },
  { task: 'build', script: 'dotenv -- turbo run build', root: true, outcome: 'rewritten' },
  { task: 'dev', script: 'dotenv -- turbo dev', root: true, outcome: 'rewritten' },
  { task: 'lint:fix', script: 'turbo lint -- --fix', root: true, outcome: 'rewritten' },
  { task: 'start', script: 'dotenv -- pnpm --filter=@dorkos/server run start', root: true, outcome: 'unchanged' },
  {
    task: 'dev',
    script: 'turbo run dev --filter=shell --filter=mfe-products --filter=mfe-cart --filter=api',
    root: true,
    outcome: 'rewritten',
  },
  { task: 'db:generate', script: 'dotenv -- turbo db:generate --filter=api', root: true, outcome: 'rewritten' },
  { task: 'test:unit', script: 'turbo run test:unit', root: true, outcome: 'rewritten' },
  { task: 'content:audio', script: 'pnpm --filter @sl/content-pipeline gen-audio', root: true, outcome: 'unchanged' },
  { task: 'build', script: 'turbo run build --filter=./apps/* --concurrency=4', root: true, outcome: 'rewritten' },
  { task: 'ci', script: 'turbo run lint typecheck test --continue', root: true, outcome: 'rewritten' },
  { task: 'build:force', script: 'turbo run build --force', root: true, outcome: 'rewritten' },
  { task: 'dev:remix', script: 'turbo run dev --filter=@documenso/remix', root: true, outcome: 'rewritten' },
];

export const cases: readonly CorpusEntry[] = [
  { task: 'build', script: 'FOO=$(git rev-parse HEAD) node x.js', outcome: 'rewritten' },
  { task: 'build', script: 'FOO=a\\ b node x', outcome: 'rewritten' },
  { task: 'build', script: 'cd dist && node server.js', outcome: 'rewritten' },
  { task: 'build', script: 'export X=1 && node y.js "$X"', outcome: 'rewritten' },
  { task: 'build', script: 'tsc -b; exit 3', outcome: 'rewritten' },
  { task: 'build', script: 'exec node x.js', outcome: 'rewritten' },
  { task: 'build', script: 'time node x.js', outcome: 'rewritten' },
  { task: 'test', script: '! vitest run', outcome: 'rewritten' },
  { task: 'build', script: '{ tsc; node x.js; }', outcome: 'rewritten' },
  { task: 'build', script: 'if [ -d dist ]; then node a.js; else node b.js; fi', outcome: 'rewritten' },
  { task: 'build', script: 'for f in a b; do node "$f.js"; done', outcome: 'rewritten' },
  { task: 'build', script: 'case "$CI" in true) node ci.js;; *) node local.js;; esac', outcome: 'rewritten' },
  { task: 'build', script: 'x=1; node y.js "$x"', outcome: 'rewritten' },
  { task: 'build', script: 'node x "$(echo "a;b")"', outcome: 'rewritten' },
  { task: 'build', script: 'cat <&3', outcome: 'rewritten' },
  {
    task: 'test',
    script: 'cross-env-shell NODE_OPTIONS=--max-old-space-size=4096 "tsc && node x"',
    outcome: 'rewritten',
  },
  { task: 'build', script: 'tsc -b | tee build.log', outcome: 'rewritten' },
  { task: 'build', script: 'tsc -b\nnode post.js', outcome: 'rewritten' },
  { task: 'test', script: 'cross-env NODE_OPTIONS="--max-old-space-size=4096 --inspect" vitest', outcome: 'rewritten' },
  { task: 'test', script: 'cross-env NODE_OPTIONS=--inspect vitest run', outcome: 'rewritten' },
  { task: 'typecheck', script: 'export NODE_OPTIONS=--max-old-space-size=4096 && tsc', outcome: 'left' },
  { task: 'build', script: 'NODE_OPTIONS=--max-old-space-size=8192 next build', root: true, outcome: 'rewritten' },
  { task: 'build:web', script: 'NODE_OPTIONS=--max-old-space-size=8192 next build', root: true, outcome: 'left' },
  { task: 'test', script: 'NODE_OPTIONS=--inspect vitest', outcome: 'left' },
  { task: 'build', script: 'node --max-old-space-size=4.096e+23 x.js', outcome: 'left' },
  { task: 'build', script: 'node x.js --max-old-space-size=4096', outcome: 'left' },
  { task: 'build', script: 'eval "node x.js"', outcome: 'left' },
  { task: 'build', script: '$BUILDER x.js', outcome: 'left' },
  { task: 'test', script: 'NODE_OPTIONS="$NODE_OPTIONS --max-old-space-size=3072" vitest run', outcome: 'rewritten' },
  {
    task: 'test',
    script: 'NODE_OPTIONS="--max-old-space-size=3072 --trace-warnings" vitest run',
    outcome: 'rewritten',
  },
  {
    task: 'build',
    script: 'node -r ./setup.cjs --max-old-space-size=2048 build.js --max-old-space-size',
    outcome: 'rewritten',
  },
  { task: 'build', script: 'heapwise run build -- tsc -b', outcome: 'unchanged' },
  { task: 'build', script: 'turbo run --filter=web build', root: true, outcome: 'rewritten' },
  { task: 'dev', script: 'turbo watch dev', root: true, outcome: 'left' },
  { task: 'prune', script: 'turbo prune web --docker', root: true, outcome: 'unchanged' },
  { task: 'build', script: 'npx turbo run build', root: true, outcome: 'rewritten' },
  { task: 'build', script: 'echo "building" && tsc -b 2>&1 >/dev/null; echo $?', outcome: 'rewritten' },
];
