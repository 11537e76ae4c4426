// The library API: the same functions the CLI uses, for scripts that drive loadtest directly.
//
//   import { loadScenario, runScenario } from 'slo-loadtest';
//   const scenario = await loadScenario('scenarios/checkout.yaml');
//   const { result, exitCode } = await runScenario(scenario, { json: 'results/checkout.json' });
//   console.log(result.capacity.summary);
//
// Lower level: createTraffic(scenario) + findCapacity(scenario, traffic, { onEvent }) returns the
// RunResult without writing any file; reporters turn a RunResult into text.

// Exit codes and errors
export { ExitCode, type ExitCodeValue } from './exit-codes.js';
export { LoadtestError, ScenarioError, UsageError, formatProblem, type ScenarioProblem } from './errors.js';

// Scenario
export type * from './scenario/scenario.js';
export { loadScenario, parseScenario } from './scenario/load-scenario.js';
export { scenarioJsonSchema } from './scenario/json-schema.js';

// Request templates (a RequestSpec built by hand gets its `template` from parseTemplate)
export type * from './workload/template.js';
export { parseTemplate, type ParsedTemplate, type TemplateProblem } from './workload/template-parser.js';
export { EMPTY_SCOPE, scopeOf, type TemplateScope } from './workload/template-scope.js';
// Data feeders (`data:`): open in one thread, share() to worker_threads, attachFeeder there
export { openFeeder, attachFeeder, exhaustedMessage, DataFileError, type Feeder, type FeederSpec, type SharedFeeder, type FeederOptions } from './workload/data/feeder.js';

// SLOs
export type { SloRule, Breach, Comparator, StepVerdict } from './slo/slo.js';
export { parseSlo, SloSyntaxError } from './slo/parse.js';
export { evaluateSlos, evaluateWindows, missingMetrics } from './slo/evaluate.js';

// Traffic and measurements
export type { Traffic, StepRequest } from './traffic/traffic.js';
export { createTraffic } from './traffic/create-traffic.js';
export { createGenerator } from './traffic/generator/generator.js';
export type * from './metrics/step-stats.js';
export {
  createHistogram,
  summarize,
  mergeInto,
  encodeHistogram,
  decodeHistogram,
  type Histogram,
  type LatencySummary,
} from './metrics/histogram.js';

// The search
export type { RunEvent, RunListener, PlannedStep } from './controller/events.js';
export { findCapacity, type FindCapacityOptions } from './controller/find-capacity.js';
export { runScenario, type RunScenarioOptions, type RunOutcome } from './controller/run-scenario.js';
export { nextStep, plannedRamp, worstCaseSteps, worstCaseDurationMs } from './controller/step-plan.js';
export { computeCapacity } from './analysis/capacity.js';

// Results and reporters
export type { RunResult, StepResult, Capacity, GateCheck, RunStatus, StopReason } from './result.js';
export { REPORT_SCHEMA, REPORT_SCHEMA_VERSION } from './result.js';
export { loadReport, parseReport } from './report/load-report.js';
export { renderJsonReport, writeJsonReport } from './report/json-report.js';
export { renderJunit } from './report/junit.js';
export { renderMarkdown } from './report/markdown.js';
export { renderHtml } from './report/html.js';
export { compareRuns, renderCompareTable, renderCompareMarkdown, renderCompareJson } from './report/compare.js';
export { evaluateGate, gateExitCode } from './analysis/gate.js';
export { fitCapacityModel, capacityModelOf, type CapacityModel } from './analysis/capacity-model.js';
export { fitUsl, fitUslPoints, type UslFit } from './analysis/usl.js';
export { writeOutputs, type OutputOptions } from './report/outputs.js';
export { appendHistory, readHistory, trend, type HistoryEntry } from './report/history.js';
export { createTerminalReporter } from './report/terminal.js';
export { jsonLinesListener } from './report/json-lines.js';
export { createRedactor } from './report/redact.js';

// The demo service (the tests' oracle)
export { startDemoServer, trueCapacityOf, type DemoServerOptions } from './demo/demo-server.js';
