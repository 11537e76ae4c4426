// A Traffic whose steps are simulated in virtual time, synchronously, against a service model
// (services.ts) — and measured by the REAL code: the real Pacer draws the schedule, sends leave in
// the engine's 1 ms slots, every request is recorded in a real StepRecorder (corrected latency from
// the intended send time, uncorrected from the write, send lag, drops at the in-flight cap,
// timeouts), the step's stats come from the real buildStepStats, and the generator judges its own
// health with the real judgeGeneratorHealth and connectionNote, fed as generator.ts feeds them.
//
// What is modelled rather than real: the generator's timing (how late each send leaves, its CPU and
// event-loop delay) and the wire. The connection pool is FIFO over `traffic.connections`
// connections, as the lean client's: a request waits in the generator for a free connection (that
// wait is in its corrected latency only), and times out there if none frees within the timeout.
// A timed-out request frees its connection at the timeout; the service still does its work.
// Each step starts with an idle service (queues empty, bucket full): between real steps the
// generator drains every judged request before the next step begins.
import type { GeneratorHealth, StepStats } from '../metrics/step-stats.js';
import type { GenerateTrafficSpec } from '../scenario/scenario.js';
import type { StepRequest, Traffic } from '../traffic/traffic.js';
import { errorStatusTable } from '../traffic/generator/classify.js';
import { connectionNote, judgeGeneratorHealth } from '../analysis/generator-health.js';
import { Pacer } from '../traffic/generator/schedule.js';
import { buildStepStats } from '../traffic/generator/stats.js';
import { ERR_INDEX, StepRecorder } from '../traffic/generator/step-recorder.js';
import { MinHeap } from './min-heap.js';
import { meanOf } from '../metrics/histogram.js';
import { createRand, mixSeed, type Rand } from './random.js';
import { createService, type ServiceSpec } from './services.js';

/**
 * The load generator's machine.
 *  healthy: sends leave 0.1–0.3 ms after their slot, event-loop delay p99 under 2 ms, ~25 µs of CPU
 *           per request (a core is far away).
 *  starved: the generator gets `coreShare` of a core and can push at most `maxRps` sends/s with it;
 *           each send costs 1/maxRps s of its time, so past that rate (and in bursts near it) sends
 *           leave late by a growing backlog, its CPU sits at its share, and its event loop stalls.
 */
export type GeneratorSpec = { kind: 'healthy' } | { kind: 'starved'; maxRps: number; coreShare: number };

const HEALTHY_CPU_US_PER_REQUEST = 25;
/** The engine's send slots (engine.ts): a send due in (k − 1, k] ms leaves in slot k. */
const slotOf = (ms: number): number => Math.ceil(ms);

export interface SimulatedTrafficOptions {
  spec: GenerateTrafficSpec;
  service: ServiceSpec;
  generator: GeneratorSpec;
  /** The run's seed: every step draws its own streams from it. */
  seed: number;
  /** Virtual clock (ms), advanced by each step (its duration plus the drain of its last requests). */
  clock: { now: number };
}

export interface SimulatedTraffic extends Traffic {
  readonly kind: 'generate';
}

export function createSimulatedTraffic(o: SimulatedTrafficOptions): SimulatedTraffic {
  const service = createService(o.service);
  const errorStatus = errorStatusTable(o.spec.errorStatuses);
  const names = o.spec.requests.map((r) => r.name);
  const pool = new MinHeap(Math.max(1, o.spec.connections));
  const inFlight = new MinHeap(1024);
  let steps = 0;

  function simulate(step: StepRequest): StepStats {
    const index = steps++;
    const { durationMs, warmupMs, level } = step;
    const timeoutMs = o.spec.timeoutMs;
    const maxInFlight = o.spec.maxInFlight;
    const pacer = new Pacer(o.spec.arrival, level, 0, mixSeed(o.seed, index, 1));
    const rand = createRand(mixSeed(o.seed, index, 2));
    service.reset(mixSeed(o.seed, index, 3));
    pool.clear();
    for (let i = 0; i < o.spec.connections; i++) pool.push(0);
    inFlight.clear();
    const rec = new StepRecorder(names.length, step.tailThresholdsMs);
    rec.batches.window(warmupMs, durationMs - warmupMs);
    const g = o.generator;
    const sendCost = g.kind === 'starved' ? 1000 / g.maxRps : 0;
    let genFree = 0;
    let genBusyJudged = 0;
    let lastEnd = durationMs;
    let peak = 0;

    while (pacer.nextAt < durationMs) {
      const intended = slotOf(pacer.nextAt);
      pacer.advance();
      const judged = intended >= warmupMs;
      let sentAt = intended + 0.1 + 0.2 * rand();
      if (g.kind === 'starved') {
        if (genFree > sentAt) sentAt = genFree;
        genFree = sentAt + sendCost;
        if (judged) genBusyJudged += sendCost;
      }
      while (inFlight.size > 0 && inFlight.peek() <= sentAt) inFlight.pop();
      if (inFlight.size >= maxInFlight) {
        rec.drop(judged, 0, intended);
        continue;
      }
      rec.sent(judged, Math.round((sentAt - intended) * 1000));
      const deadline = sentAt + timeoutMs;
      const free = pool.peek();
      const wire = free > sentAt ? free : sentAt;
      let end: number;
      if (wire >= deadline) {
        // Timed out waiting for a connection: it never reached the service.
        end = deadline;
        rec.failure(judged, 0, ERR_INDEX.timeout, 0, Math.round((end - intended) * 1000), Math.round((end - sentAt) * 1000), intended);
      } else {
        const done = service.admit(wire);
        if (done > deadline) {
          end = deadline;
          rec.failure(judged, 0, ERR_INDEX.timeout, 0, Math.round((end - intended) * 1000), Math.round((end - wire) * 1000), intended);
        } else {
          end = done;
          const status = service.status;
          rec.response(judged, 0, status, errorStatus[status] === 1, 200, Math.round((end - intended) * 1000), Math.round((end - wire) * 1000), intended);
        }
        pool.replaceTop(end);
      }
      inFlight.push(end);
      if (judged && inFlight.size > peak) peak = inFlight.size;
      if (end > lastEnd) lastEnd = end;
    }
    rec.peakInFlight = peak;

    const windowMs = Math.max(0, durationMs - warmupMs);
    const j = rec.judged;
    const health = generatorHealth(g, rand, level, windowMs, genBusyJudged, j.sent);
    rec.eventLoopDelayP99Ms = health.eventLoopDelayP99Ms;
    const lag = rec.lag;
    const measured = {
      askedRps: level,
      offeredRps: windowMs > 0 ? ((j.sent + j.dropped) * 1000) / windowMs : 0,
      sendLagP99Ms: lag.totalCount > 0 ? lag.getValueAtPercentile(99) / 1000 : 0,
      sendLagMaxMs: lag.totalCount > 0 ? lag.maxValue / 1000 : 0,
      eventLoopDelayP99Ms: health.eventLoopDelayP99Ms,
      cpuPercent: health.cpuPercent,
      workers: 1,
      connections: o.spec.connections,
      dropped: j.dropped,
      sent: j.sent,
      peakInFlight: peak,
      ...(windowMs > 0 ? { serviceConcurrency: (meanOf(rec.uncorrected) * rec.uncorrected.totalCount) / 1000 / windowMs } : {}),
    };
    const verdict = judgeGeneratorHealth(measured);
    const generator: GeneratorHealth = {
      sendLagP99Ms: measured.sendLagP99Ms,
      sendLagMaxMs: measured.sendLagMaxMs,
      eventLoopDelayP99Ms: measured.eventLoopDelayP99Ms,
      cpuPercent: measured.cpuPercent,
      cpuUsPerRequest: j.sent > 0 ? (health.cpuPercent * windowMs * 10) / j.sent : 0,
      dropped: j.dropped,
      peakInFlight: peak,
      workers: 1,
      limited: verdict.limited,
      reasons: verdict.reasons,
    };
    const note = connectionNote({ ...measured, peakInFlight: peak });
    if (note !== undefined) generator.notes = [note];
    const startedAt = new Date(o.clock.now).toISOString();
    o.clock.now += lastEnd;
    return buildStepStats(rec, { level, startedAt, windowMs, partial: false, names, generator });
  }

  return {
    kind: 'generate',
    prepare: async () => undefined,
    describe: (level) => `${Number.isInteger(level) ? level : level.toFixed(1)} rps`,
    runStep: async (step) => simulate(step),
    close: async () => [],
  } satisfies SimulatedTraffic;
}

/** The generator's CPU and event-loop delay over the judged window (see GeneratorSpec). */
function generatorHealth(
  g: GeneratorSpec,
  rand: Rand,
  level: number,
  windowMs: number,
  busyMs: number,
  sent: number,
): { cpuPercent: number; eventLoopDelayP99Ms: number } {
  if (g.kind === 'healthy') {
    return { cpuPercent: 1 + (sent * HEALTHY_CPU_US_PER_REQUEST) / Math.max(1, windowMs) / 10, eventLoopDelayP99Ms: 0.3 + 1.5 * rand() };
  }
  // Busy share of its time, capped at 1: past it the backlog only grows.
  const busy = windowMs > 0 ? Math.min(1, busyMs / windowMs) : 0;
  // Throttled at its share (a cgroup quota per 100 ms period): once the demand nears the share, the
  // loop waits out the rest of many periods.
  const throttled = Math.max(0, Math.min(1, (level / g.maxRps - 0.9) / 0.1));
  return {
    cpuPercent: g.coreShare * 100 * busy,
    eventLoopDelayP99Ms: 0.3 + 1.5 * rand() + throttled * (1 - g.coreShare) * 100,
  };
}
