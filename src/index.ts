// The library API: what the CLI uses, for scripts that drive loadtest directly.
export { ExitCode } from './exit-codes.js';
export { LoadtestError, ScenarioError, UsageError } from './errors.js';
export type { Scenario } from './scenario/scenario.js';
export type { Traffic, StepRequest } from './traffic/traffic.js';
export type { StepStats, StepMetrics, StepProgress, ErrorClass } from './metrics/step-stats.js';
export { createHistogram, summarize, mergeInto, encodeHistogram, decodeHistogram } from './metrics/histogram.js';
export type { RunResult, StepResult, Capacity } from './result.js';
export type { RunEvent, RunListener } from './controller/events.js';
