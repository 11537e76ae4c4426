// The wait between a step that did not pass and the next one: probe the service one request at a
// time until it answers as it did at rest (analysis/drained.ts), so the next step is judged on its
// own load and not on the backlog the last one left. Bounded (SETTLE_MAX_MS, and the step's own
// length) and interruptible; it never throws. Generate mode only: live traffic (shift mode) cannot
// be paused, and a run's agents are not probed from here.
import type { Traffic } from '../traffic/traffic.js';
import type { ProbeReading } from '../metrics/step-stats.js';
import type { SettleRecord } from '../result.js';
import { drainedLimitMs, hasDrained, type DrainedRule } from '../analysis/drained.js';

/**
 * The wait is bounded by the failed step's length, and SETTLE_MAX_MS. A step of length T at k times
 * the capacity μ queues at most (k − 1)·μ·T beyond what was served, which an idle service drains in
 * (k − 1)·T: one step's length covers an overload up to twice the capacity.
 */
export const SETTLE_MAX_MS = 60_000;
/** Probes start at least this far apart (a refused connection must not spin). */
export const PROBE_SPACING_MS = 100;

export interface SettleOptions extends DrainedRule {
  capMs: number;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Probes until the service has drained or the cap runs out; the record of the wait, and the probes' readings. */
export async function settle(probe: NonNullable<Traffic['probe']>, opts: SettleOptions): Promise<{ record: SettleRecord; readings: ProbeReading[] }> {
  const now = opts.now ?? (() => performance.now());
  const sleep = opts.sleep ?? realSleep;
  const signal = opts.signal ?? new AbortController().signal;
  const readings: ProbeReading[] = [];
  const start = now();
  let drained = false;
  for (;;) {
    if (signal.aborted) break;
    const sent = now();
    // A probe may take no longer than the wait has left (its own timeout is the request timeout).
    const left = Math.max(1, Math.ceil(opts.capMs - (sent - start)));
    readings.push(await probe(AbortSignal.any([signal, AbortSignal.timeout(left)])).catch((): ProbeReading => ({ latencyMs: now() - sent, error: 'other', failed: true })));
    if (hasDrained(readings, opts)) {
      drained = true;
      break;
    }
    const elapsed = now() - start;
    if (elapsed >= opts.capMs || signal.aborted) break;
    const gap = PROBE_SPACING_MS - (now() - sent);
    if (gap > 0) await sleep(Math.min(gap, opts.capMs - elapsed));
  }
  const last = readings.at(-1);
  const lastError = drained || !last ? undefined : (last.error ?? (last.failed ? `status ${last.status}` : undefined));
  return {
    record: {
      waitedMs: Math.round(now() - start),
      probes: readings.length,
      firstMs: round1(readings[0]?.latencyMs ?? 0),
      lastMs: round1(readings.at(-1)?.latencyMs ?? 0),
      restMs: round1(opts.restMs),
      limitMs: round1(drainedLimitMs(opts.restMs, opts.quietMs)),
      drained,
      ...(lastError ? { lastError } : {}),
    },
    readings,
  };
}

/** The cap on one wait: the failed step's length, at most SETTLE_MAX_MS. */
export function settleCapMs(stepMs: number): number {
  return Math.min(SETTLE_MAX_MS, stepMs);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
