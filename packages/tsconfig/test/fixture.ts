// Shared helpers for the preset tests: the three compilers, and throwaway fixture
// projects under os.tmpdir() whose node_modules link back to this repository, so a
// fixture resolves `@heapwise/tsconfig/*.json` by package name exactly as a user's
// project does.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Longest a single compiler run may take before the test fails (2 shared cores). */
export const compilerTimeoutMs = 120_000;

/** Generous per-test timeout: a test runs up to three builds, concurrently, on a busy machine. */
export const testTimeoutMs = 300_000;

export interface Compiler {
  /** Short label used in test names: `7`, `6.0`, `5.9`. */
  readonly label: string;
  /** Major version, to assert behaviour that differs between compilers. */
  readonly major: number;
  /** The package's `bin/tsc` script, run with this Node. */
  readonly binPath: string;
}

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** TypeScript 7 (native, through its Node launcher) and the JavaScript compilers 6.0 and 5.9. */
export const compilers: readonly Compiler[] = [
  { label: '7', major: 7, binPath: join(packageDir('typescript'), 'bin', 'tsc') },
  { label: '6.0', major: 6, binPath: join(packageDir('typescript-6.0'), 'bin', 'tsc') },
  { label: '5.9', major: 5, binPath: join(packageDir('typescript-5.9'), 'bin', 'tsc') },
];

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tsc <args>` of one compiler in `cwd`; never rejects on a non-zero exit. */
export function runTsc(compiler: Compiler, args: readonly string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [compiler.binPath, ...args],
      // NODE_OPTIONS of the test profile (--expose-gc, a 2 GB heap) is fine for tsc too.
      { cwd, timeout: compilerTimeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`could not run ${compiler.binPath}: ${error.message}`, { cause: error }));
          return;
        }
        resolve({ exitCode: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** `tsc --showConfig -p <dir>` parsed; fails the test with the compiler's output otherwise. */
export async function showConfig(compiler: Compiler, projectDir: string): Promise<ShownConfig> {
  const result = await runTsc(compiler, ['--showConfig', '-p', '.'], projectDir);
  if (result.exitCode !== 0) {
    throw new Error(`tsc ${compiler.label} --showConfig exited ${result.exitCode}: ${result.stdout}${result.stderr}`);
  }
  return JSON.parse(result.stdout) as ShownConfig;
}

export interface ShownConfig {
  readonly compilerOptions: Record<string, unknown>;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

/** A temporary directory that can hold several fixture projects. */
export interface FixtureRoot {
  readonly dir: string;
  /** Writes `files` (path relative to the root → contents) and returns the root. */
  write(files: Record<string, string>): string;
  remove(): void;
}

/**
 * Creates a fixture root whose node_modules links @heapwise/tsconfig (this package),
 * @tsconfig/* and @types/* back to the repository's installed copies.
 */
export function createFixtureRoot(name: string): FixtureRoot {
  const dir = mkdtempSync(join(tmpdir(), `heapwise-tsconfig-${name}-`));
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@heapwise'), { recursive: true });
  symlinkSync(presetPackageDir, join(modules, '@heapwise', 'tsconfig'), 'dir');
  symlinkSync(dirname(packageDir('@tsconfig/node20')), join(modules, '@tsconfig'), 'dir');
  symlinkSync(dirname(packageDir('@types/node')), join(modules, '@types'), 'dir');
  return {
    dir,
    write(files) {
      for (const [relativePath, contents] of Object.entries(files)) {
        const filePath = join(dir, relativePath);
        mkdirSync(dirname(filePath), { recursive: true });
        writeFileSync(filePath, contents);
      }
      return dir;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The directory of this package (the presets), resolved from the test file. */
export const presetPackageDir = fileURLToPath(new URL('..', import.meta.url));

/** A tsconfig.json body that extends `presets` (one name or several, in order). */
export function tsconfigExtending(presets: string | readonly string[], extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ extends: presets, ...extra }, null, 2)}\n`;
}
