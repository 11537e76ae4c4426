// The capacity search loop: ask the step plan for a level, hold the traffic there for one step, judge
// the step, repeat; then compute the capacity. It emits events and returns the RunResult; it never
// prints and never exits. Traffic is always closed (weights put back) before it returns.
import type { Traffic } from '../traffic/traffic.js';
import { replayNotes } from '../workload/replay/describe-replay.js';
import type { Scenario } from '../scenario/scenario.js';
import type { StepStats, StepProgress } from '../metrics/step-stats.js';
import type { Breach, SloRule } from '../slo/slo.js';
import type { RunResult, RunStatus, SettleRecord, StepResult, StopReason } from '../result.js';
import type { RunEvent, RunListener } from './events.js';
import { certainBreaches, finalBreaches } from '../analysis/abort-rules.js';
import { nextStep, worstCaseDrainMs, worstCaseDurationMs, worstCaseSteps, type LevelBracket, type PlanSpec, type PlanTarget } from './step-plan.js';
import { judgeStep, latencyLimits, NEAR_THRESHOLD, nearbyDispersions, type NearbyDispersion } from '../analysis/step-verdict.js';
import { stepNeed } from './step-need.js';
import { warnGeneratorNotes } from '../analysis/generator-notes.js';
import { computeCapacity } from '../analysis/capacity.js';
import { buildResult } from './build-result.js';
import { latencyDistribution } from '../metrics/histogram.js';
import { poolSteps } from '../metrics/pool-steps.js';
import { combineJudgements, judgeService } from '../analysis/service-verdict.js';
import type { ServiceStepResult } from '../result.js';
import { createServiceMonitor, type ServiceMonitor, type ServiceWatch } from './service-monitor.js';
import { isStopRequest } from '../traffic/shifters/stop-file.js';
import { settle, settleCapMs } from './settle.js';
import { describeSettle, DRAINED_PROBES } from '../analysis/drained.js';
import { quietLatencyMs } from '../analysis/settled.js';

export interface FindCapacityOptions {
  /** Aborting ends the run: the current step is cut short and kept (partial), status 'aborted'. */
  signal?: AbortSignal;
  onEvent?: RunListener;
  /** Clock for tests; default Date.now. */
  now?: () => number;
  /** With `now`, for tests: how the wait for a backlog to drain sleeps (controller/settle.ts); default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Keep refining until the capacity bracket decides this (e.g. a gate against a baseline:
   * analysis/capacity-change.ts capacityChangeDecided), within the plan's step bound.
   */
  decided?: (bracket: LevelBracket) => boolean;
  /**
   * Loads whose verdict would decide the gate at once (analysis/gate.ts gateTargets): while `decided`
   * says no, a bracket holding one is probed there. Generate mode (where a level is its load).
   */
  targets?: readonly PlanTarget[];
  /** Watches the dependencies of `services:`; default: built from the scenario when it has any. */
  services?: ServiceMonitor;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function findCapacity(scenario: Scenario, traffic: Traffic, opts: FindCapacityOptions = {}): Promise<RunResult> {
  const now = opts.now ?? Date.now;
  const emit = (e: RunEvent): void => {
    // A listener that throws (a full disk under the step log …) must not end the search.
    try {
      opts.onEvent?.(e);
    } catch (err) {
      const w = `a reporter failed: ${errorMessage(err)}`;
      if (!warnings.includes(w)) warnings.push(w);
    }
  };
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    emit({ type: 'warning', message });
  };
  const started = now();
  const startedAt = new Date(started).toISOString();
  const steps: StepResult[] = [];
  let generatorNoted = false;
  let status: RunStatus = 'completed';
  let stopReason: StopReason = 'max-reached';
  let error: string | undefined;
  const external = opts.signal;

  // Steps at low rates are stretched to hold the arrivals (requests, or sessions) the SLOs need to be shown met.
  // The gate judges loads (requests/s); the plan bisects levels — the same numbers in generate mode,
  // shares of the fair share in shift mode, where a level's load is what its step measured.
  const loadOf = (level: number | null): number | null => (level === null || scenario.traffic.kind !== 'shift' ? level : (steps.findLast((s) => s.level === level)?.load ?? null));
  const decided = opts.decided;
  const plan: PlanSpec = {
    ...scenario.load,
    samplesToProve: stepNeed(scenario)?.arrivals ?? 0,
    ...(decided ? { decided: (b: LevelBracket) => decided({ low: loadOf(b.low), high: loadOf(b.high) }) } : {}),
    ...(opts.targets && scenario.traffic.kind !== 'shift' ? { targets: opts.targets } : {}),
  };
  emit({
    type: 'run-start',
    scenario,
    startedAt,
    plannedSteps: worstCaseSteps(plan),
    // With a probe, waits for a failed step's backlog to drain may come between steps.
    worstCaseMs: worstCaseDurationMs(plan) + (traffic.probe && traffic.kind === 'generate' ? worstCaseDrainMs(plan) : 0),
  });
  // What a replayed log could not give (skipped lines, methods left out) belongs in the run's record.
  if (scenario.traffic.kind === 'generate' && scenario.traffic.replay) for (const w of replayNotes(scenario.traffic.replay)) warn(w);

  const services = opts.services ?? (scenario.services?.length ? createServiceMonitor(scenario.services, scenario.load.windowMs !== undefined ? { windowMs: scenario.load.windowMs } : {}) : undefined);
  try {
    if (external?.aborted) throw new Interrupted();
    // Before the traffic: a dependency whose metrics cannot be read fails the run before any weight moves.
    await services?.prepare();
    await traffic.prepare(external ?? new AbortController().signal);
    // The latency at rest a drained service answers a probe within (analysis/drained.ts): prepare()'s
    // check, lowered by every later probe that counted as at rest.
    const atRest = traffic.probe && traffic.kind === 'generate' ? traffic.atRest : undefined;
    let restMs = atRest && atRest.error === undefined ? atRest.latencyMs : undefined;
    const quietMs = quietLatencyMs(latencyLimits(scenario.slo, scenario.traffic.kind === 'generate' ? scenario.traffic.timeoutMs : undefined));
    for (;;) {
      if (external?.aborted) throw new Interrupted();
      const next = nextStep(
        plan,
        steps.map((s) => ({
          level: s.level,
          verdict: s.verdict,
          ...(s.inconclusiveKind ? { kind: s.inconclusiveKind } : {}),
          // A re-run pools its requests with this step's: pointless when it needs many times more.
          ...(s.samplesNeeded !== undefined ? { shortfall: s.sent > 0 ? s.samplesNeeded / s.sent : Infinity } : {}),
        })),
      );
      if ('done' in next) {
        stopReason = next.reason;
        break;
      }
      const index = steps.length;
      // An undecided level re-run is judged on both runs' requests (metrics/pool-steps.ts).
      const earlier: StepResult[] = [];
      for (let i = steps.length - 1; i >= 0 && steps[i]!.level === next.level && steps[i]!.inconclusiveKind === 'undecided'; i--) earlier.unshift(steps[i]!);
      // Burstiness seen at nearby levels (a step that caught no burst is judged with its neighbours' view).
      const nearbyDispersion = nearbyDispersions(scenario.slo, steps, next.level);
      const last = steps.at(-1);
      // After a step that did not pass: wait for the service to drain what it left queued, so this
      // step is judged on its own load (controller/settle.ts).
      let settled: SettleRecord | undefined;
      if (last && last.verdict !== 'pass' && restMs !== undefined && traffic.probe) {
        const waited = await settle((signal) => traffic.probe!(signal), {
          restMs,
          quietMs,
          needOk: !atRest!.failed,
          capMs: settleCapMs(last.durationMs),
          ...(external ? { signal: external } : {}),
          ...(opts.now ? { now: opts.now } : {}),
          ...(opts.sleep ? { sleep: opts.sleep } : {}),
        });
        settled = waited.record;
        if (external?.aborted) throw new Interrupted();
        if (settled.drained) restMs = Math.min(restMs, ...waited.readings.slice(-DRAINED_PROBES).map((r) => r.latencyMs));
        if (!settled.drained) warn(`step ${index + 1} (${traffic.describe(next.level)}): ${describeSettle(settled)}`);
        else if (settled.waitedMs >= SETTLE_NOTE_MS) emit({ type: 'settle', index, record: settled });
      }
      const afterFailedStep = last?.verdict === 'fail';
      const step = await runOneStep(scenario, traffic, index, next, external, emit, warn, earlier, nearbyDispersion, services, afterFailedStep);
      if (settled) step.result.settled = settled;
      // The generator's own observations, where they may be why a step did not pass (see
      // generator-notes.ts); said once per run, as the steps after it would repeat them (each step
      // keeps its own in generator.notes).
      if (!generatorNoted && warnGeneratorNotes(step.result, steps)) {
        generatorNoted = true;
        for (const note of step.result.generator!.notes!) warn(`step ${index + 1} (${traffic.describe(next.level)}): ${note}`);
      }
      steps.push(step.result);
      emit({ type: 'step-end', step: step.result });
      if (step.stop) {
        stopReason = step.stop;
        if (step.stop === 'interrupted' || step.stop === 'stopped') status = 'aborted';
        if (step.stop === 'data-exhausted') {
          // Cut short by the test data, not by the service or a signal: the run stops with its report.
          status = 'aborted';
          error = step.result.dataExhausted;
        }
        break;
      }
    }
  } catch (err) {
    if (err instanceof Interrupted || external?.aborted) {
      status = 'aborted';
      stopReason = interruptReason(external);
    } else {
      status = 'failed';
      stopReason = 'error';
      error = errorMessage(err);
    }
  } finally {
    // close() never throws by contract; guard anyway, a leaked weight is the worst outcome.
    try {
      for (const m of await traffic.close()) warn(m);
    } catch (err) {
      warn(`closing the traffic failed: ${errorMessage(err)}`);
    }
  }

  const finished = now();
  const capacity = computeCapacity(steps, {
    stopReason,
    levelUnit: scenario.load.unit,
    max: scenario.load.max,
    mode: scenario.traffic.kind,
    steps: { stepDurationMs: scenario.load.stepDurationMs, warmupMs: scenario.load.warmupMs },
    ...(scenario.traffic.kind === 'generate' && scenario.traffic.sessions ? { sessions: true } : {}),
    ...(scenario.services?.length ? { rules: { targets: scenario.slo, services: scenario.services } } : {}),
  });
  const result = buildResult({ scenario, status, stopReason, error, started, finished, capacity, steps, warnings });
  emit({ type: 'run-end', result });
  return result;
}

class Interrupted extends Error {}

/** A drain wait this long (ms) is shown as it ends; a shorter one is only in the step's record. */
const SETTLE_NOTE_MS = 500;

/**
 * The whole-step latency thresholds of the SLOs, and half of each (the near-tail the verdict reads
 * runs of slow requests from), counted per slice of each step (StepStats.batches).
 */
function tailThresholds(rules: readonly SloRule[]): number[] {
  const t = rules.filter((r) => /^p(50|90|95|99|999)$/.test(r.metric) && r.op[0] === '<').map((r) => r.threshold);
  return [...new Set([...t, ...t.map((x) => x * NEAR_THRESHOLD)])];
}

interface OneStep {
  result: StepResult;
  /** Set when this step ends the run (abort/guard rule, interruption). */
  stop?: StopReason;
}

async function runOneStep(
  scenario: Scenario,
  traffic: Traffic,
  index: number,
  { level, phase, durationMs }: { level: number; phase: 'ramp' | 'refine'; durationMs: number },
  external: AbortSignal | undefined,
  emit: (e: RunEvent) => void,
  warn: (message: string) => void,
  earlier: readonly StepResult[] = [],
  nearbyDispersion: Readonly<Record<string, readonly NearbyDispersion[]>> = {},
  services?: ServiceMonitor,
  afterFailedStep = false,
): Promise<OneStep> {
  const stepAbort = new AbortController();
  const onExternal = (): void => stepAbort.abort();
  external?.addEventListener('abort', onExternal, { once: true });
  let safety: { reason: 'abort-rule' | 'guard'; breaches: Breach[] } | undefined;
  const checkSafety = (judge: (rules: readonly SloRule[]) => Breach[]): void => {
    if (safety) return;
    const guard = judge(scenario.guard);
    const abort = judge(scenario.abort);
    // A guard breach protects live traffic outside the test: it wins when both trip at once.
    if (guard.length > 0) safety = { reason: 'guard', breaches: [...guard, ...abort] };
    else if (abort.length > 0) safety = { reason: 'abort-rule', breaches: abort };
    if (safety) stepAbort.abort();
  };

  emit({
    type: 'step-start',
    index,
    level,
    phase,
    description: traffic.describe(level),
    durationMs,
  });
  let stats: StepStats;
  const watch: ServiceWatch | undefined = services?.startStep();
  let serviceStats: Awaited<ReturnType<ServiceWatch['finish']>> = [];
  try {
    stats = await traffic.runStep({
      index,
      level,
      durationMs,
      warmupMs: scenario.load.warmupMs,
      tailThresholdsMs: tailThresholds(scenario.slo),
      signal: stepAbort.signal,
      onProgress: (progress: StepProgress) => {
        emit({ type: 'step-progress', index, level, progress });
        // Only a breach the requests still in flight cannot undo stops a step (analysis/abort-rules.ts).
        checkSafety((rules) => certainBreaches(rules, progress, scenario.load.warmupMs, scenario.traffic.kind));
      },
    });
  } finally {
    external?.removeEventListener('abort', onExternal);
    // Stopped on every path; on a throw its readings are not needed. Measured over the judged window only.
    if (watch) serviceStats = await watch.finish(stats! ? stats.durationMs : 0);
  }
  // The judged window may breach an abort rule the running figures did not (warm-up averaged out).
  checkSafety((rules) => finalBreaches(rules, stats.metrics));

  const interrupted = external?.aborted === true && !safety;
  const partial = stats.partial || interrupted || safety !== undefined || stats.dataExhausted !== undefined;
  const pool = earlier.length > 0 && !partial && stats.generator?.limited !== true;
  const evidence = pool ? poolSteps(earlier, stats) : stats;
  const latency = evidence.histogram ? latencyDistribution(evidence.histogram) : undefined;
  const targetsJudged = judgeStep({ ...evidence, partial }, scenario, { extraBreaches: safety?.breaches ?? [], nearbyDispersion, afterFailedStep, ...(latency ? { latency } : {}) });
  const serviceJudged = serviceStats.map((s, i) => judgeService(s, scenario.services![i]!.slo, scenario.load, partial));
  const judged = combineJudgements(targetsJudged, serviceJudged);
  const serviceResults: ServiceStepResult[] = serviceStats.map((s, i) => ({ ...s, verdict: serviceJudged[i]!.verdict, breaches: serviceJudged[i]!.breaches, inconclusiveReasons: serviceJudged[i]!.inconclusiveReasons }));
  for (const note of judged.notes) warn(`step ${index + 1} (${traffic.describe(level)}): ${note}`);
  // Generate mode: the load of a step is the level it tested; the offered and achieved rates (a
  // Poisson draw, and what came back) are shown beside it. Shift mode: the served rate it measured.
  const load = traffic.kind === 'shift' ? (stats.live?.target.rps ?? 0) : level;
  const result: StepResult = {
    ...stats,
    level,
    partial,
    index,
    phase,
    load,
    verdict: judged.verdict,
    breaches: judged.breaches,
    inconclusiveReasons: judged.inconclusiveReasons,
    ...(judged.inconclusiveKind ? { inconclusiveKind: judged.inconclusiveKind } : {}),
    ...(pool ? { pooledWith: earlier.map((s) => s.index) } : {}),
    ...(judged.samplesNeeded !== undefined ? { samplesNeeded: judged.samplesNeeded } : {}),
    ...(serviceResults.length > 0 ? { services: serviceResults } : {}),
  };
  if (safety) return { result, stop: safety.reason };
  if (interrupted) return { result, stop: interruptReason(external) };
  if (stats.dataExhausted !== undefined) return { result, stop: 'data-exhausted' };
  return { result };
}

/** Why an aborted run stopped: its stop file (the kill switch), or a signal / the caller. */
function interruptReason(signal: AbortSignal | undefined): StopReason {
  return isStopRequest(signal?.reason) ? 'stopped' : 'interrupted';
}
