// Has the service drained what the last step left queued? A step that failed (overloaded the
// service) can leave a backlog behind: requests the generator gave up on that a proxy still holds
// and forwards (HAProxy queues them for `timeout queue` and, without `option abortonclose`, sends
// them on), or a rate limiter's bucket still full. The next step would open on that backlog and
// judge it instead of its own load — seen for real: HAProxy `maxconn 8` over a 20 ms backend
// (capacity ≈ 386 r/s) failed 317 r/s after 570 r/s, its latency falling from 731 ms to 192 ms
// through the whole 5 s step; one run in five reported a capacity of 309 r/s, 20% low.
//
// So after a step that did not pass, the controller (controller/settle.ts) sends one request at a
// time, the one prepare() checked the target with, until the service answers it as it did at rest.
// A FIFO queue (HAProxy's) makes a probe wait behind the whole backlog, so the first probe takes
// about as long as the backlog needs to drain and the next ones come back fast. The rule (pure):
// drained when the last DRAINED_PROBES probes each
//   - got a response, with a status that is not an error when the target answered the first probe
//     without one (a rate limiter still answering 503 has not recovered), and
//   - came back within drainedLimitMs: twice the latency at rest, or 2 ms over it, or a tenth of the
//     SLOs' smallest latency limit (settled.ts quietLatencyMs), whichever is largest — a backlog under
//     a tenth of the limit cannot move a verdict.
import type { ProbeReading } from '../metrics/step-stats.js';
import type { SettleRecord } from '../result.js';

/** Consecutive probes that must come back as at rest. */
export const DRAINED_PROBES = 2;
/** A probe within this multiple of the latency at rest … */
export const REST_FACTOR = 2;
/** … or this many ms over it, counts as at rest. */
export const REST_SLACK_MS = 2;

/** The latency (ms) a probe must come back within to count as at rest. */
export function drainedLimitMs(restMs: number, quietMs: number): number {
  return Math.max(REST_FACTOR * restMs, restMs + REST_SLACK_MS, quietMs);
}

export interface DrainedRule {
  /** The latency at rest (ms): the lowest the run has seen for this request (see controller/settle.ts). */
  restMs: number;
  /** settled.ts quietLatencyMs for the SLOs' latency limits. */
  quietMs: number;
  /** Require a response that is not an error (the target answered prepare()'s probe with one that is not). */
  needOk: boolean;
}

/** True when the last DRAINED_PROBES readings each came back as at rest (see above). */
export function hasDrained(readings: readonly ProbeReading[], rule: DrainedRule): boolean {
  if (readings.length < DRAINED_PROBES) return false;
  const limit = drainedLimitMs(rule.restMs, rule.quietMs);
  return readings.slice(-DRAINED_PROBES).every((r) => r.status !== undefined && r.error === undefined && !(rule.needOk && r.failed) && r.latencyMs <= limit);
}

/** "waited 2.4s for the service to drain the last step's backlog: probe latency 731ms → 21ms (at rest 21ms)" */
export function describeSettle(r: SettleRecord): string {
  const s = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`);
  const lat = `probe latency ${s(r.firstMs)}${r.probes > 1 ? ` → ${s(r.lastMs)}` : ''} (at rest ${s(r.restMs)})`;
  return r.drained
    ? `waited ${s(r.waitedMs)} for the service to drain the last step's backlog: ${lat}`
    : `the service had not drained the last step's backlog after ${s(r.waitedMs)} (${r.probes} probes, ${DRAINED_PROBES} in a row within ${s(r.limitMs)} wanted): ${lat}${r.lastError ? `, the last one ${r.lastError}` : ''}; this step may open on it`;
}
