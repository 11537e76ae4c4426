// The open-model HTTP generator (Traffic kind 'generate'): holds a rate for a step and returns the
// judged window's StepStats. One thread runs the Engine in the main thread; more threads run one
// Engine per worker (each with its own pool, its share of the rate and a disjoint uniform phase)
// and the main thread merges their recorders. It also judges its own health (health.ts).
import { randomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { GeneratorHealth, StepStats } from '../../metrics/step-stats.js';
import type { DataSpec, GenerateTrafficSpec } from '../../scenario/scenario.js';
import { openFeeder } from '../../workload/data/feeder.js';
import type { StepRequest, Traffic } from '../traffic.js';
import { Engine, type EngineProgress, type EngineStep } from './engine.js';
import { connectionNote, judgeGeneratorHealth, type HealthThresholds } from '../../analysis/generator-health.js';
import { requestNames } from './mix.js';
import { probeTarget, type Prober } from './probe.js';
import { splitRate } from './schedule.js';
import { buildProgress, buildStepStats } from './stats.js';
import { StepRecorder } from './step-recorder.js';
import { meanOf } from '../../metrics/histogram.js';
import { WorkerEngine } from './worker-client.js';
import { threadsForLevel } from './workers.js';
import { createSeqCounter, SeqSource } from '../../workload/random-source.js';
import { describeGenerateLevel } from '../../scenario/level-unit.js';

const PROGRESS_MS = 500;

/** One thread's share of the last step (tests and debugging: totals are the sum of these). */
export interface ThreadCounts {
  rate: number;
  phase: number;
  sent: number;
  dropped: number;
  completed: number;
  errors: number;
}

/** Running figures of a step as the recorder itself (an agent ships it to the controller, which merges them). */
export type RecorderProgress = (rec: StepRecorder, elapsedMs: number, inFlight: number) => void;

export interface GeneratorTraffic extends Traffic {
  runStep(step: StepRequest, onRecorder?: RecorderProgress): Promise<StepStats>;
  readonly kind: 'generate';
  /** Per-thread counts of the last finished step (judged window). */
  readonly lastStepThreads: readonly ThreadCounts[];
  /** The last finished step's threads merged (an agent ships it to the controller: src/agents/agent.ts). */
  readonly lastStepRecorder: StepRecorder | undefined;
}

export interface GeneratorOptions {
  thresholds?: Partial<HealthThresholds>;
  /** Cores assumed by `workers: auto` (default: os.availableParallelism()). */
  cores?: number;
  /** Seed of the run's schedules (default: random per generator). */
  seed?: number;
  /** The scenario's data feeders (`data:`), which the requests' templates read. */
  data?: Readonly<Record<string, DataSpec>>;
  /** A distributed run's agent: its slot, so its `{{ seq }}` numbers are none of the other agents' (random-source.ts). */
  seqSlot?: number;
}

interface Handle {
  runStep(p: EngineStep, onProgress?: EngineProgress): Promise<StepRecorder>;
  stop(): void;
  close(): Promise<void>;
}

export function createGenerator(spec: GenerateTrafficSpec, opts: GeneratorOptions = {}): GeneratorTraffic {
  // Requests sharing a name (a replayed log's) are recorded together.
  const { names } = requestNames(spec.requests);
  const cores = opts.cores ?? availableParallelism();
  let main: Engine | null = null;
  const workers: WorkerEngine[] = [];
  let closed = false;
  let closing: Promise<string[]> | null = null;
  let lastStepThreads: ThreadCounts[] = [];
  let lastStepRecorder: StepRecorder | undefined;
  let stepCount = 0;
  // Made by prepare(): the request it checked the target with, re-sent by probe().
  let prober: Prober | undefined;
  // Each run draws its own Poisson schedules (runs back to back are independent samples); the
  // seed can be fixed (opts.seed) to repeat a run's schedules exactly.
  const runSeed = opts.seed ?? randomInt(0x7fffffff);
  // `{{ seq }}` is unique across the run's threads: one counter, shared; the main thread's share
  // serves the probe and the main-thread engine.
  const seqCounter = createSeqCounter(opts.seqSlot);
  const mainSeq = new SeqSource(seqCounter);
  // Each feeder is read once, here; worker threads attach to its shared buffers and cursor (so a
  // `unique` row is used once across all threads), each with its own seed for `order: random`.
  const feeders = Object.values(opts.data ?? {}).map((d, i) => openFeeder(d, { seed: (runSeed + i * 7919) >>> 0 }));
  const shared = feeders.map((f) => f.share());
  // Set while a step runs: a thread whose feeder ran out reports here, and the step stops.
  let onExhausted: ((message: string) => void) | null = null;
  const exhausted = (message: string): void => onExhausted?.(message);

  function handles(n: number): Handle[] {
    if (n === 1) {
      if (!main) {
        main = new Engine(spec, spec.connections, mainSeq, feeders);
        main.onExhausted = exhausted;
      }
      return [main];
    }
    while (workers.length < n) {
      const w = new WorkerEngine(spec, spec.connections, seqCounter, shared, (runSeed + 0x632be5ab * (workers.length + 1)) >>> 0);
      w.onExhausted = exhausted;
      workers.push(w);
    }
    return workers.slice(0, n);
  }

  async function runStep(step: StepRequest, onRecorder?: RecorderProgress): Promise<StepStats> {
    if (closed) throw new Error('generator is closed');
    const n = threadsForLevel(spec, step.level, cores);
    const hs = handles(n);
    // New workers take a moment to load; start the schedule once they can keep it.
    if (n > 1) await Promise.all(workers.slice(0, n).map((w) => w.ready));
    const sched = step.schedule;
    // An agent's threads split its share again: thread k's phase (k + agent phase) / n keeps the
    // union of every agent's threads evenly spaced (agents/rate-split.ts).
    const shares = splitRate(step.level, n).map((s, k) => (sched ? { rate: s.rate, phase: (k + sched.phase) / n } : s));
    // Workers get a moment to receive the message so none starts behind its schedule.
    const startAt = sched ? sched.startAt : performance.timeOrigin + performance.now() + (n > 1 ? 30 : 0);
    const startedAt = new Date(Date.now() + (startAt - performance.timeOrigin - performance.now())).toISOString();
    ++stepCount;
    const seedBase = sched ? sched.seed >>> 0 : (runSeed + 0x9e3779b9 + stepCount * 7919) >>> 0;
    const perThreadCap = Math.max(1, Math.ceil(spec.maxInFlight / n));
    const latest: Array<{ rec: StepRecorder; elapsedMs: number; inFlight: number } | null> = hs.map(() => null);

    // CPU over the judged window: sampled when warm-up ends and when sending ends (or is aborted).
    let cpuA = process.cpuUsage();
    let tA = performance.now();
    let cpuB: NodeJS.CpuUsage | null = null;
    let tB = 0;
    let abortedAt: number | null = null;
    const now0 = startAt - performance.timeOrigin;
    const warmTimer = setTimeout(() => {
      cpuA = process.cpuUsage();
      tA = performance.now();
    }, Math.max(0, now0 + step.warmupMs - performance.now()));
    const endTimer = setTimeout(() => {
      cpuB = process.cpuUsage(cpuA);
      tB = performance.now();
    }, Math.max(0, now0 + step.durationMs - performance.now()));
    const progressTimer = setInterval(() => {
      if ((!step.onProgress && !onRecorder) || latest.some((l) => l === null)) return;
      // One thread: its live recorder as is; several: merge their latest snapshots.
      let merged = latest[0]!.rec;
      let inFlight = latest[0]!.inFlight;
      if (latest.length > 1) {
        merged = new StepRecorder(names.length);
        inFlight = 0;
        for (const l of latest) {
          merged.mergeFrom(l!.rec);
          inFlight += l!.inFlight;
        }
      }
      // Worker snapshots are up to one period old; the single-thread recorder is live.
      const elapsed = n === 1 ? performance.now() - now0 : Math.max(...latest.map((l) => l!.elapsedMs));
      onRecorder?.(merged, elapsed, inFlight);
      step.onProgress?.(buildProgress(merged, elapsed, step.warmupMs, inFlight));
    }, PROGRESS_MS);
    const onAbort = () => {
      abortedAt = performance.now();
      if (!cpuB) {
        cpuB = process.cpuUsage(cpuA);
        tB = abortedAt;
      }
      for (const h of hs) h.stop();
    };
    let dataExhausted: string | undefined;
    onExhausted = (message) => {
      if (dataExhausted !== undefined) return;
      dataExhausted = message;
      onAbort();
    };
    let recs: StepRecorder[];
    try {
      const running = hs.map((h, k) =>
        h.runStep(
          {
            startAt,
            rate: shares[k]!.rate,
            phase: shares[k]!.phase,
            seed: (seedBase + k * 104729) >>> 0,
            durationMs: step.durationMs,
            warmupMs: step.warmupMs,
            maxInFlight: perThreadCap,
            progressEveryMs: PROGRESS_MS,
            thread: k,
            threads: n,
            ...(step.tailThresholdsMs ? { tailThresholdsMs: step.tailThresholdsMs } : {}),
          },
          (rec, elapsedMs, inFlight) => {
            latest[k] = { rec, elapsedMs, inFlight };
          },
        ),
      );
      // Listen only once every engine has its step, so an abort (even an earlier one) reaches them all.
      if (step.signal.aborted) onAbort();
      else step.signal.addEventListener('abort', onAbort, { once: true });
      recs = await Promise.all(running).catch((err: unknown) => {
        for (const h of hs) h.stop(); // one thread failed: stop the others before reporting it
        throw err;
      });
    } finally {
      clearTimeout(warmTimer);
      clearTimeout(endTimer);
      clearInterval(progressTimer);
      step.signal.removeEventListener('abort', onAbort);
      onExhausted = null;
    }
    if (!cpuB) {
      cpuB = process.cpuUsage(cpuA);
      tB = performance.now();
    }

    const partial = abortedAt !== null;
    const fullWindow = Math.max(0, step.durationMs - step.warmupMs);
    const windowMs = partial ? Math.min(fullWindow, Math.max(0, abortedAt! - now0 - step.warmupMs)) : fullWindow;

    lastStepThreads = recs.map((r, k) => ({
      rate: shares[k]!.rate,
      phase: shares[k]!.phase,
      sent: r.judged.sent,
      dropped: r.judged.dropped,
      completed: r.judged.completed,
      errors: r.judged.errorCount,
    }));
    const merged = new StepRecorder(names.length, step.tailThresholdsMs);
    for (const r of recs) merged.mergeFrom(r);
    lastStepRecorder = merged;

    const cpu = cpuB as NodeJS.CpuUsage;
    const cpuUs = cpu.user + cpu.system;
    const wallMs = Math.max(1, tB - tA);
    const j = merged.judged;
    const lag = merged.lag;
    const measured = {
      askedRps: step.level,
      offeredRps: windowMs > 0 ? ((j.sent + j.dropped) * 1000) / windowMs : 0,
      sendLagP99Ms: lag.totalCount > 0 ? lag.getValueAtPercentile(99) / 1000 : 0,
      sendLagMaxMs: lag.totalCount > 0 ? lag.maxValue / 1000 : 0,
      eventLoopDelayP99Ms: merged.eventLoopDelayP99Ms,
      cpuPercent: (cpuUs / 1000 / wallMs) * 100,
      workers: n,
      connections: spec.connections,
      dropped: j.dropped,
      sent: j.sent,
      peakInFlight: merged.peakInFlight,
      // Little's law over the judged window: Σ latency from the write / window (µs / ms).
      ...(windowMs > 0 ? { serviceConcurrency: (meanOf(merged.uncorrected) * merged.uncorrected.totalCount) / 1000 / windowMs } : {}),
    };
    const verdict = judgeGeneratorHealth(measured, opts.thresholds);
    const generator: GeneratorHealth = {
      sendLagP99Ms: measured.sendLagP99Ms,
      sendLagMaxMs: measured.sendLagMaxMs,
      eventLoopDelayP99Ms: measured.eventLoopDelayP99Ms,
      cpuPercent: measured.cpuPercent,
      cpuUsPerRequest: j.sent > 0 ? cpuUs / j.sent : 0,
      dropped: j.dropped,
      peakInFlight: merged.peakInFlight,
      workers: n,
      limited: verdict.limited,
      reasons: verdict.reasons,
    };
    const note = connectionNote({ ...measured, peakInFlight: merged.peakInFlight });
    if (note !== undefined) generator.notes = [note];
    const stats = buildStepStats(merged, { level: step.level, startedAt, windowMs, partial, names, generator, ...(spec.sessions ? { sessions: true } : {}) });
    if (dataExhausted !== undefined) stats.dataExhausted = dataExhausted;
    return stats;
  }

  async function close(): Promise<string[]> {
    closed = true;
    closing ??= (async () => {
      const all: Handle[] = [...(main ? [main] : []), ...workers];
      await Promise.all(all.map((h) => h.close().catch(() => undefined)));
      return [];
    })();
    return closing;
  }

  return {
    kind: 'generate',
    get lastStepThreads() {
      return lastStepThreads;
    },
    get lastStepRecorder() {
      return lastStepRecorder;
    },
    get atRest() {
      return prober?.rest;
    },
    prepare: async (signal) => {
      prober = await probeTarget(spec, signal, mainSeq, feeders);
    },
    probe: (signal) => (prober ? prober.read(signal) : Promise.resolve({ latencyMs: 0, error: 'not prepared', failed: true })),
    describe: (level) => describeGenerateLevel(level, spec.sessions !== undefined),
    runStep,
    close,
  } satisfies GeneratorTraffic;
}
