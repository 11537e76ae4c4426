// Was a failing step only the previous step's backlog draining? A step that follows an overloaded
// (failed) one can start with that step's queue still in the service: requests the generator gave
// up on (timed out) but a proxy still holds and forwards (HAProxy queues them for `timeout queue`,
// and without `option abortonclose` sends them on). The new step then opens slow and gets faster as
// the queue drains, and its breach is the last step's, not this load's. Seen for real: HAProxy
// `maxconn 8` over a 20 ms backend (capacity ≈ 386 r/s) failed 317 r/s right after 570 r/s, its p99
// 391 ms — the latency fell from 390 ms to 21 ms over the first half of the window, then held; in
// another run (589 ms) it took 2.5 s of the 4 s window to drain.
//
// The rule (pure): after a failed step, a breach counts as the backlog's when
//   - the mean latency FELL through the window, significantly and materially (latencyRising's test,
//     read backwards: a genuine overload builds a queue and rises; a drain falls), and
//   - every breached rule held over the window's last quarter (error_rate, the mean, and the
//     percentile rules by their share of requests over the threshold), and names no request or the
//     control group (the slices count the whole step only).
// Such a step is inconclusive (its evidence is spoilt), never a fail; the search re-runs the level,
// which now starts from a drained service. A real overload never falls, so this cannot turn a true
// fail into a pass: at worst it costs one re-run.
import type { StepBatches } from '../metrics/step-stats.js';
import type { Breach, SloRule } from '../slo/slo.js';
import { holds } from '../slo/evaluate.js';
import { splitMetricKey } from '../slo/metric-catalog.js';
import { latencyRising } from './settled.js';

/**
 * The reason an undecided step after a failed one is spoilt by the backlog: its latency fell through
 * the window (the drain), so its slow requests came in one long run that was the last step's, and
 * its dispersion would make its own level and its neighbours look bursty. Undefined otherwise.
 */
export function backlogUndecided(batches: StepBatches | undefined, quietMs = 0): string | undefined {
  const fell = batches && drain(batches, quietMs);
  return fell && `${fell}; the level is re-run on a drained service`;
}

/**
 * "the service was still draining …: mean latency fell from A to B through the step" when the mean
 * latency fell significantly and materially, from at least `quietMs` (latencyRising read backwards:
 * its "first" is this window's last slice, its "last" the first); undefined otherwise.
 */
function drain(batches: StepBatches, quietMs: number): string | undefined {
  const fall = latencyRising([...batches.latencyMeanMs].reverse(), [...batches.latencyN].reverse(), quietMs);
  return fall && `the service was still draining the previous step's backlog: mean latency fell from ${fall.lastMs.toFixed(1)}ms to ${fall.firstMs.toFixed(1)}ms through the step`;
}

/** The reason a failing step after a failed one is the backlog's, or undefined when it is not (or cannot be shown to be). */
export function backlogDrained(
  rules: readonly SloRule[],
  breaches: readonly Breach[],
  batches: StepBatches | undefined,
  tail: Readonly<Record<string, number>>,
  quietMs = 0,
): string | undefined {
  if (!batches || breaches.length === 0) return undefined;
  // A "drain" that starts below quietMs (settled.ts quietLatencyMs: a tenth of the smallest latency
  // limit) is noise, not a backlog: nginx wobbling from 2 ms to 0.5 ms under an error-rate SLO.
  const fell = drain(batches, quietMs);
  if (!fell) return undefined;
  // The last quarter: a drain can take most of a short window (2.5 s of 4 s, measured).
  const from = Math.floor((batches.latencyN.length * 3) / 4);
  const sum = (xs: readonly number[]) => xs.slice(from).reduce((a, b) => a + b, 0);
  const n = sum(batches.latencyN);
  if (n === 0) return undefined;
  for (const b of breaches) {
    const rule = rules.find((r) => r.text === b.slo);
    if (!rule) return undefined;
    const key = splitMetricKey(rule.metric);
    if (key.control || key.request !== undefined) return undefined;
    let held: boolean;
    if (key.base === 'error_rate') {
      const finished = sum(batches.finished);
      held = finished > 0 && holds(sum(batches.errors) / finished, rule.op, rule.threshold);
    } else if (key.base === 'mean_latency' || key.base === 'mean') {
      const weighted = batches.latencyMeanMs.slice(from).reduce((a, m, i) => a + m * batches.latencyN[from + i]!, 0);
      held = holds(weighted / n, rule.op, rule.threshold);
    } else if (tail[key.base] !== undefined && (rule.op === '<' || rule.op === '<=')) {
      const above = batches.above.find((a) => a.thresholdMs === rule.threshold);
      held = above !== undefined && sum(above.counts) / n <= tail[key.base]!;
    } else return undefined;
    if (!held) return undefined;
  }
  return `${fell}, and ${breaches.map((x) => x.slo).join(', ')} held over its last quarter; the level is re-run on a drained service`;
}
