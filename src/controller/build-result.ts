// Assembles the RunResult (the JSON report, schema v1) from what the loop collected. Secrets listed by
// the scenario are masked in every string of the result before anyone sees it.
import os from 'node:os';
import type { Scenario } from '../scenario/scenario.js';
import { describeMetricsSource, describeTarget } from '../scenario/describe-target.js';
import { REPORT_SCHEMA, REPORT_SCHEMA_VERSION, type Capacity, type RunResult, type RunStatus, type StepResult, type StopReason } from '../result.js';
import { VERSION } from '../version.js';
import { createRedactor, redactDeep } from '../report/redact.js';

export interface ResultParts {
  scenario: Scenario;
  status: RunStatus;
  stopReason: StopReason;
  error?: string;
  /** Epoch ms. */
  started: number;
  finished: number;
  capacity: Capacity;
  steps: StepResult[];
  warnings: string[];
}

export function scenarioSummary(scenario: Scenario): RunResult['scenario'] {
  const l = scenario.load;
  const load: RunResult['scenario']['load'] = {
    unit: l.unit,
    start: l.start,
    max: l.max,
    stepDurationMs: l.stepDurationMs,
    warmupMs: l.warmupMs,
  };
  if (l.step !== undefined) load.step = l.step;
  if (l.factor !== undefined) load.factor = l.factor;
  if (l.refine !== undefined) load.refine = l.refine;
  if (scenario.traffic.kind === 'generate' && scenario.traffic.sessions !== undefined) load.sessions = true;
  const summary: RunResult['scenario'] = {
    name: scenario.name,
    mode: scenario.traffic.kind,
    target: describeTarget(scenario),
    slo: scenario.slo.map((r) => r.text),
    abort: scenario.abort.map((r) => r.text),
    guard: scenario.guard.map((r) => r.text),
    load,
  };
  if (scenario.services?.length) summary.services = scenario.services.map((s) => ({ name: s.name, source: describeMetricsSource(s.metrics), slo: s.slo.map((r) => r.text) }));
  if (scenario.file !== undefined) summary.file = scenario.file;
  if (scenario.overrides !== undefined && scenario.overrides.length > 0) summary.overrides = [...scenario.overrides];
  const r = scenario.traffic.kind === 'generate' ? scenario.traffic.replay : undefined;
  if (r) {
    summary.replay = { file: r.file, format: r.format, mode: r.mode, methods: [...r.methods], name: r.name, lines: r.lines, skipped: r.skipped, requests: r.requests, distinct: r.distinct };
  }
  return summary;
}

export function environment(): RunResult['environment'] {
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: os.cpus().length,
    hostname: os.hostname(),
  };
}

export function buildResult(p: ResultParts): RunResult {
  const result: RunResult = {
    schema: REPORT_SCHEMA,
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'loadtest', version: VERSION },
    status: p.status,
    stopReason: p.stopReason,
    scenario: scenarioSummary(p.scenario),
    startedAt: new Date(p.started).toISOString(),
    finishedAt: new Date(p.finished).toISOString(),
    durationMs: p.finished - p.started,
    capacity: p.capacity,
    steps: p.steps,
    environment: environment(),
    warnings: p.warnings,
  };
  if (p.error !== undefined) result.error = p.error;
  return redactDeep(result, createRedactor(p.scenario.secrets));
}
