// Types of synthetic-monorepo.mjs for the TypeScript benches that import it.
export interface GenerateParameters {
  out: string;
  packages: number;
  files: number;
  deps: number;
  /** Packages per layer of the dependency graph; 1 is a strict chain. */
  width?: number;
  seed: number;
  typescript?: TypeScriptVersion;
  runner?: TaskRunner;
}

export interface GenerateSummary {
  packages: number;
  filesPerPackage: number;
  depsPerPackage: number;
  width: number;
  layers: number;
  seed: number;
  sourceFiles: number;
  sourceLines: number;
  referenceEdges: number;
}

export type TypeScriptVersion = '7' | '5.9';
export type TaskRunner = 'plain' | 'heapwise';

export const defaultParameters: Readonly<{
  packages: number;
  files: number;
  deps: number;
  width: number;
  seed: number;
}>;
export const typeScriptPackages: Readonly<Record<TypeScriptVersion, string>>;
export const taskRunners: readonly TaskRunner[];
export const variantFileName: string;
export const apiChangeFile: string;
export function dependenciesOf(index: number, deps: number, random: () => number, width?: number): number[];
export function packageScripts(runner: TaskRunner, tscFlags?: string): Record<'build' | 'typecheck' | 'test', string>;
export function setTaskRunner(out: string, runner: TaskRunner, tscFlags?: string): void;
export function linkTypeScript(out: string, version: TypeScriptVersion): void;
export function generate(parameters: GenerateParameters): GenerateSummary;
