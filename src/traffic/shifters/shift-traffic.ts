// The shift Traffic: holds a level (a multiple of the targets' fair share) by setting weights on a
// real load balancer — one node, or several that all get the same weights — and reports what live
// metrics saw. Each node is reached through a WeightControl (HAProxy runtime API, or user commands);
// metrics through a Sampler. Safety: every node's original weights are journaled before the first
// change and put back by close() (with retries); a node that cannot be set stops the run.
import { LoadtestError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import type { LatencySummary } from '../../metrics/histogram.js';
import type { GroupSample, Sampler } from '../../metrics/samplers/sampler.js';
import { serverTraffic, splitWindows, windowOf, type GroupWindowStats } from '../../metrics/samplers/window.js';
import { balanceFindings } from '../../analysis/balance.js';
import type { StepMetrics, StepStats } from '../../metrics/step-stats.js';
import type { ShiftLimits } from '../../scenario/scenario.js';
import type { StepRequest, Traffic } from '../traffic.js';
import { assertNoPendingJournal, deleteJournal, journalOf, writeJournal, type JournalNode, type JournalShifter } from './journal.js';
import { restoreWeights } from './restore-weights.js';
import { MAX_WEIGHT, changedServers, rampWeights, shareFor, weightsForShare } from './weights.js';

/** How a shifter reads and sets weights on one pool of servers (one load-balancer node). */
export interface WeightControl {
  /** e.g. "HAProxy /run/haproxy/admin.sock backend web". */
  readonly description: string;
  /** How `loadtest restore` can reach the same pool (written into the journal). */
  readonly journalShifter: JournalShifter;
  /** Checks access (level, algorithm …) and reads every server's current weight. Throws LoadtestError. */
  readWeights(): Promise<Record<string, number>>;
  setWeight(server: string, weight: number): Promise<void>;
  /** Optional check run after the journal is written (may change a weight and put it back). */
  probe?(original: Record<string, number>): Promise<void>;
  /** Optional read-back after a step's weights are set: throws a LoadtestError when a weight differs. */
  verify?(expected: Record<string, number>): Promise<void>;
}

export interface ShiftOptions {
  /** One control per load-balancer node; every node gets the same weights (at least one). */
  controls: WeightControl[];
  /** Built once the original weights (hence the control group) are known. */
  makeSampler: (targets: string[], controls: string[]) => Sampler;
  targets: string[];
  limits: ShiftLimits;
  journalFile: string;
  /** Written into the journal, so `loadtest stop --journal FILE` finds the running test's kill switch. */
  stopFile?: string;
  scenarioName?: string;
  /**
   * Requests a group needs before its running error rate and latency are reported to progress
   * (abort and guard rules): 2 errors in the first 20 requests of a step are noise, not a breach.
   */
  minSamples?: number;
  /** Sub-windows of the judged window (ms); default: the whole window is one. */
  windowMs?: number;
  /** Pause between ramp sub-steps (ms) when max_weight_step splits a change; default 500. */
  rampIntervalMs?: number;
  /** How long close() retries a vanished socket (ms); default 20 s. */
  restoreDeadlineMs?: number;
  /** Before a step at a LOWER level than the last, hold the original weights this long (ms); default: the step's warm-up. */
  cooldownMs?: number;
}

/** The optional tuning every shifter passes through to the step engine unchanged. */
export type ShiftTuning = Pick<ShiftOptions, 'scenarioName' | 'stopFile' | 'windowMs' | 'minSamples' | 'rampIntervalMs' | 'restoreDeadlineMs'>;

/** Only the tuning fields of a shifter's options (absent ones stay absent: the engine defaults them). */
export function pickTuning(o: ShiftTuning): ShiftTuning {
  const out: ShiftTuning = {};
  if (o.scenarioName !== undefined) out.scenarioName = o.scenarioName;
  if (o.stopFile !== undefined) out.stopFile = o.stopFile;
  if (o.windowMs !== undefined) out.windowMs = o.windowMs;
  if (o.minSamples !== undefined) out.minSamples = o.minSamples;
  if (o.rampIntervalMs !== undefined) out.rampIntervalMs = o.rampIntervalMs;
  if (o.restoreDeadlineMs !== undefined) out.restoreDeadlineMs = o.restoreDeadlineMs;
  return out;
}

export interface ShiftTraffic extends Traffic {
  readonly kind: 'shift';
  /** The weights prepare() found (undefined before). */
  readonly originalWeights: Record<string, number> | undefined;
  /** After close(): false when some weight could not be put back (the journal is left; exit UNRESTORED). */
  readonly restored: boolean;
  /** Dry run: every weight change the levels would make, one line per level. Reads weights, sets nothing. */
  planLines(levels: number[]): Promise<string[]>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function latencyOf(g: GroupWindowStats): LatencySummary {
  // Sources without per-request latencies (HAProxy) report count 0 and only a mean.
  const has = g.p99Ms !== undefined;
  return {
    count: has ? g.samples : 0,
    min: 0,
    mean: g.meanLatencyMs ?? 0,
    p50: g.p50Ms ?? 0,
    p90: g.p90Ms ?? 0,
    p95: g.p95Ms ?? 0,
    p99: g.p99Ms ?? 0,
    p999: g.p999Ms ?? 0,
    max: 0,
  };
}

/** Running metrics without the judged figures of a group that has fewer than minSamples requests. */
export function withoutThinGroups(metrics: StepMetrics, minSamples: number): StepMetrics {
  const out = { ...metrics };
  for (const prefix of ['', 'control.']) {
    if ((out[`${prefix}samples`] ?? 0) >= minSamples) continue;
    for (const k of ['error_rate', 'mean_latency', 'p50', 'p90', 'p95', 'p99', 'p999']) delete out[`${prefix}${k}`];
  }
  return out;
}

/** One line naming the nodes: the control's own description for one node. */
export function describeNodes(controls: WeightControl[]): string {
  if (controls.length === 1) return controls[0]!.description;
  return `${controls.length} nodes (${controls.map((c) => c.description).join('; ')})`;
}

/** The weights every node reads; throws unless all nodes agree (one set of weights must mean the same share on each). */
export async function readAllWeights(controls: WeightControl[]): Promise<Record<string, number>> {
  let first: Record<string, number> | undefined;
  for (const c of controls) {
    const w = await c.readWeights();
    if (!first) {
      first = w;
      continue;
    }
    const names = new Set([...Object.keys(first), ...Object.keys(w)]);
    const differ = [...names].filter((s) => first![s] !== w[s]).map((s) => `${s} ${first![s] ?? 'absent'} vs ${w[s] ?? 'absent'}`);
    if (differ.length > 0) {
      throw new LoadtestError(
        `the nodes do not agree on the backend's active servers and weights: ${controls[0]!.description} vs ${c.description}: ${differ.join(', ')}`,
        undefined,
        ['one set of weights goes to every node, so every node must start from the same weights (servers DOWN, MAINT or DRAIN on one node only count as absent)'],
      );
    }
  }
  return first!;
}

export function createShiftTraffic(o: ShiftOptions): ShiftTraffic {
  if (o.controls.length === 0) throw new Error('createShiftTraffic needs at least one node');
  const nodesDescription = describeNodes(o.controls);
  /** Nodes whose weights may differ from the originals (all once the journal is written; fewer after a partial restore). */
  let toRestore: WeightControl[] = [];
  let original: Record<string, number> | undefined;
  let current: Record<string, number> | undefined;
  let sampler: Sampler | undefined;
  let journaled = false;
  let restored = true;
  let closing: Promise<string[]> | undefined;
  let lastLevel: number | undefined;
  let startedAt = '';

  const journalNodesFor = (controls: WeightControl[]): JournalNode[] => controls.map((c) => ({ shifter: c.journalShifter, weights: { ...original! } }));
  const journalMeta = () => ({
    pid: process.pid,
    startedAt,
    ...(o.scenarioName ? { scenario: o.scenarioName } : {}),
    ...(o.stopFile !== undefined ? { stopFile: o.stopFile } : {}),
  });

  const planFor = (level: number) => {
    if (!original) throw new Error('shift traffic used before prepare()');
    return weightsForShare(original, o.targets, shareFor(level, original, o.targets), o.limits);
  };

  const describeWeights = (weights: Record<string, number>, share: number) =>
    `${o.targets.map((t) => `${t} weight ${weights[t]}/${MAX_WEIGHT}`).join(', ')}, share ${pct(share)}`;

  /** The `set weight` in flight, so close() can wait for it before putting the originals back. */
  let inFlightSet: Promise<unknown> = Promise.resolve();

  /** Sets one server's weight on every node at once; a node that fails stops the run (its error names it). */
  async function setEverywhere(server: string, weight: number): Promise<void> {
    const sets = Promise.allSettled(o.controls.map((c) => c.setWeight(server, weight)));
    inFlightSet = sets;
    const outcomes = await sets;
    const failed = outcomes.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) {
      const why = (outcomes[failed] as PromiseRejectedResult).reason;
      throw new LoadtestError(
        `${o.controls.length > 1 ? `node ${failed + 1} of ${o.controls.length}, ` : ''}${o.controls[failed]!.description}: setting ${server} weight ${weight} failed: ${why instanceof Error ? why.message : String(why)}`,
      );
    }
  }

  async function applyWeights(goal: Record<string, number>, signal: AbortSignal): Promise<void> {
    const steps = rampWeights(current!, goal, o.limits.maxWeightStep, o.targets);
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      for (const s of changedServers(current!, step)) {
        // Once close() has begun, nothing may change a weight again: it would outlive the restore.
        if (closing) throw new LoadtestError('the shift traffic was closed during the step');
        restored = false;
        await setEverywhere(s, step[s]!);
        current![s] = step[s]!;
      }
      if (i < steps.length - 1) await sleep(o.rampIntervalMs ?? 500, signal);
      if (signal.aborted) return;
    }
    // Read the weights back from every node: a node that silently kept another weight (reloaded,
    // someone else's change) would make every share this run computes wrong.
    for (const [i, c] of o.controls.entries()) {
      if (!c.verify) continue;
      try {
        await c.verify(current!);
      } catch (e) {
        throw new LoadtestError(`${o.controls.length > 1 ? `node ${i + 1} of ${o.controls.length}, ` : ''}${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /** One sample, retried once after a short pause: a single dropped scrape should not end a run. */
  async function sampleOnce(s: Sampler): Promise<GroupSample> {
    try {
      return await s.sample();
    } catch {
      await sleep(200);
      return s.sample();
    }
  }

  const traffic: ShiftTraffic = {
    kind: 'shift',
    get originalWeights() {
      return original;
    },
    get restored() {
      return restored;
    },

    async prepare(): Promise<void> {
      // Never journal over another run's journal: its "original" weights may be shifted ones.
      assertNoPendingJournal(o.journalFile);
      original = await readAllWeights(o.controls);
      if (o.targets.every((t) => (original![t] ?? 0) === 0)) {
        throw new LoadtestError(`${o.targets.join(', ')} ${o.targets.length > 1 ? 'have' : 'has'} weight 0 (drained): no fair share to multiply`);
      }
      current = { ...original };
      const controls = Object.keys(original).filter((s) => !o.targets.includes(s));
      // Fails early on an all-zero pool or an unknown target.
      weightsForShare(original, o.targets, shareFor(1, original, o.targets), o.limits);
      sampler = o.makeSampler(o.targets, controls);
      // Read the metrics source once before anything changes: a wrong URL or metric fails here.
      await sampler.sample();
      startedAt = new Date().toISOString();
      await writeJournal(o.journalFile, journalOf(journalNodesFor(o.controls), journalMeta()));
      journaled = true;
      toRestore = [...o.controls];
      for (const c of o.controls) {
        if (!c.probe) continue;
        restored = false;
        await c.probe(original);
        restored = true;
      }
    },

    describe(level: number): string {
      if (!original) return `${level.toFixed(2)}x`;
      const plan = planFor(level);
      return `${level.toFixed(2)}x (${describeWeights(plan.weights, plan.share)})`;
    },

    async planLines(levels: number[]): Promise<string[]> {
      if (!original) original = await readAllWeights(o.controls);
      const lines = [`${nodesDescription}: current weights ${JSON.stringify(original)}${o.controls.length > 1 ? ' on every node' : ''}`];
      // The ramp goes level by level: each line lists the sets from the level before, as the run makes them.
      let prev = original;
      for (const level of levels) {
        const plan = planFor(level);
        const steps = rampWeights(prev, plan.weights, o.limits.maxWeightStep, o.targets);
        const from = prev;
        const sets = changedServers(from, plan.weights).map((s) => `set ${s} ${from[s]}→${plan.weights[s]}`);
        lines.push(
          `${level.toFixed(2)}x: ${describeWeights(plan.weights, plan.share)}; ${sets.length ? sets.join(', ') : 'no change'}` +
            (steps.length > 1 ? ` (in ${steps.length} sub-steps of ≤ ${o.limits.maxWeightStep})` : '') +
            (plan.clamped.length ? ` [${plan.clamped.join('; ')}]` : ''),
        );
        prev = plan.weights;
      }
      lines.push(`at the end (and on any stop): ${JSON.stringify(original)}`);
      return lines;
    },

    async runStep(step: StepRequest): Promise<StepStats> {
      if (!original || !sampler) throw new Error('shift traffic used before prepare()');
      // Stepping DOWN (bisecting after a failed step): the target may still carry the backlog of the
      // overload it just had, which would fail the lower level too. Give it the original weights for
      // a cool-down first, so the next level starts from a drained service.
      const cooldown = o.cooldownMs ?? step.warmupMs;
      if (lastLevel !== undefined && step.level < lastLevel && cooldown > 0) {
        await applyWeights(original, step.signal);
        await sleep(cooldown, step.signal);
      }
      lastLevel = step.level;
      const startedAt = new Date().toISOString();
      const t0 = performance.now();
      const plan = planFor(step.level);
      const all: GroupSample[] = [await sampleOnce(sampler)];
      await applyWeights(plan.weights, step.signal);
      const measureAt = t0 + step.warmupMs;
      const endAt = t0 + step.durationMs;
      const every = Math.max(100, Math.min(sampler.intervalMs, o.windowMs ?? Infinity));
      const controls = Object.keys(original).filter((s) => !o.targets.includes(s));
      // Sample on a fixed grid: through the warm-up (progress, abort rules), exactly at the start
      // of the judged window, then every `every` ms to its end, so windows have equal lengths.
      const schedule: number[] = [];
      for (let t = t0 + every; t < measureAt - 1; t += every) schedule.push(t);
      if (step.warmupMs > 0) schedule.push(measureAt);
      for (let t = measureAt + every; t < endAt - 1; t += every) schedule.push(t);
      schedule.push(endAt);
      let measureStart = step.warmupMs > 0 ? -1 : 0;
      for (const at of schedule) {
        await sleep(at - performance.now(), step.signal);
        if (step.signal.aborted) break;
        all.push(await sampleOnce(sampler));
        if (measureStart < 0 && at >= measureAt) measureStart = all.length - 1;
        const running = windowOf(all, o.targets, controls, plan.share);
        step.onProgress?.({
          elapsedMs: performance.now() - t0,
          phase: measureStart < 0 ? 'warmup' : 'measure',
          metrics: withoutThinGroups(running.metrics, o.minSamples ?? 0),
          offeredRps: plan.share * (running.target.rps + running.control.rps),
          achievedRps: running.target.rps,
          inFlight: 0,
        });
      }
      const partial = step.signal.aborted;
      if (partial) all.push(await sampleOnce(sampler));
      // An aborted warm-up has no judged window: report what there is.
      const judged = all.slice(measureStart >= 0 ? measureStart : 0);
      if (judged.length < 2) judged.unshift(all[0]!);
      const w = windowOf(judged, o.targets, controls, plan.share);
      const windows = o.windowMs ? splitWindows(judged, o.windowMs).map((ws) => windowOf(ws, o.targets, controls, plan.share).metrics) : [w.metrics];
      const perServer = serverTraffic(judged[0]!, judged[judged.length - 1]!);
      const backendRps = w.target.rps + w.control.rps;
      const offeredRps = plan.share * backendRps;
      w.metrics.offered_rps = offeredRps;
      w.metrics.throughput = offeredRps > 0 ? w.target.rps / offeredRps : 0;
      const errors: StepStats['errors'] = {};
      for (const [k, v] of Object.entries(w.target.errorClasses)) if (v > 0) (errors as Record<string, number>)[k] = v;
      if (Object.keys(errors).length === 0 && w.target.errors > 0) errors.http = w.target.errors;
      const latency = latencyOf(w.target);
      const { errors: _e, errorClasses: _c, statusCodes: _s, ...targetStats } = w.target;
      const { errors: _e2, errorClasses: _c2, statusCodes: _s2, ...controlStats } = w.control;
      return {
        level: step.level,
        startedAt,
        durationMs: judged[judged.length - 1]!.at - judged[0]!.at,
        partial,
        offeredRps,
        achievedRps: w.target.rps,
        sent: w.target.samples,
        completed: w.target.samples,
        errors,
        errorCount: w.target.errors,
        errorRate: w.target.errorRate,
        statusCodes: Object.fromEntries(Object.entries(w.target.statusCodes).filter(([, v]) => v > 0)),
        bytesReceived: 0,
        latencyMs: latency,
        latencyUncorrectedMs: latency,
        byRequest: [],
        metrics: w.metrics,
        windows,
        live: {
          weights: { ...current! },
          expectedShare: plan.share,
          measuredShare: w.measuredShare,
          target: targetStats,
          control: controlStats,
          source: sampler.source,
          ...(perServer.length > 0 ? { balance: balanceFindings(perServer) } : {}),
        },
      };
    },

    close(): Promise<string[]> {
      closing ??= (async () => {
        if (!original || !journaled) return [];
        const messages: string[] = [];
        await inFlightSet.catch(() => undefined);
        try {
          // Put back every server of the pool on every node, changed or not: cheap, and right even if
          // someone else touched a weight meanwhile or a set was half-done when a socket vanished.
          // Nodes in parallel: one unreachable node's retries must not delay the others' restore.
          const nodes = toRestore;
          const outcomes = await Promise.all(
            nodes.map((c) => restoreWeights(original!, (s, w) => c.setWeight(s, w), { deadlineMs: o.restoreDeadlineMs ?? 20_000 })),
          );
          const left = nodes.filter((_, i) => !outcomes[i]!.ok);
          toRestore = left;
          restored = left.length === 0;
          nodes.forEach((c, i) => {
            if (outcomes[i]!.ok) messages.push(`original weights restored on ${c.description}: ${JSON.stringify(original)}`);
            else messages.push(...outcomes[i]!.messages.filter((m) => m.startsWith('could NOT')).map((m) => (nodes.length > 1 ? `${c.description}: ${m}` : m)));
          });
          if (restored) {
            current = { ...original };
            await deleteJournal(o.journalFile);
          } else {
            // The journal keeps only the nodes still to restore: `loadtest restore` must not fight
            // over nodes this run already put back (and that may be shifted again by then).
            if (left.length < nodes.length) await writeJournal(o.journalFile, journalOf(journalNodesFor(left), journalMeta()));
            messages.push(
              `weights NOT restored${o.controls.length > 1 ? ` on ${left.map((c) => c.description).join(', ')}` : ''}; the journal is kept: run \`loadtest restore --journal ${o.journalFile}\``,
            );
          }
        } catch (e) {
          restored = false;
          messages.push(`restoring weights failed: ${e instanceof Error ? e.message : String(e)}`);
        }
        return messages;
      })();
      return closing;
    },
  };
  return traffic;
}

/** Thrown by `run` when close() could not put the weights back. */
export function unrestoredError(messages: string[], journalFile: string): LoadtestError {
  return new LoadtestError(`weights could not be restored; journal left at ${journalFile}`, ExitCode.UNRESTORED, messages);
}
