export { DIFF_CONTEXT_LINES, MAX_DIFF_CELLS, unifiedDiff } from './diff.js';
export { InitError } from './errors.js';
export { applyInit, planInit, type FileChange, type InitPlan, type PlanInitOptions } from './plan.js';
export {
  DEFAULT_PROFILES,
  INIT_TASKS,
  raiseRequestedSizes,
  renderNodeOptions,
  type RaisedNodeOptions,
  type InitTask,
  type Profile,
} from './profiles.js';
export {
  ADOPT_OPTIONS,
  ADOPT_PRESET,
  describeOptionChanges,
  extendAdoptPreset,
  predictOptionChanges,
  PRESET_PACKAGE,
  resolveChain,
  resolveExtends,
  type ChainResolution,
  type OptionChange,
} from './tsconfig.js';
export { passHeapwiseEnv, PASS_THROUGH_ENV } from './turbo-json.js';
export { readWorkspace, type Workspace } from './workspace.js';
export {
  callsTurbo,
  crossEnvReplacingNodeOptions,
  MAX_HEAP_REQUEST_MB,
  mentionsHeapFlag,
  rewriteRootScript,
  rewriteTaskScript,
  type RootScriptRewrite,
  type ScriptRewrite,
} from './shell-script.js';
