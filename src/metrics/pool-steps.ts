// An undecided step re-run at the same level is judged on both runs' requests together: two
// independent samples of the same load, so the evidence adds up — and a lucky clean retry cannot
// erase a bad first run (judging each alone would give every undecided level a second chance to
// pass by chance). Pools what the proportion rules read: counts, errors, the corrected latency
// histogram and its summary, and the slices. Per-request figures, rates and the generator's health
// are the latest step's.
import type { StepBatches, StepStats } from './step-stats.js';
import { createHistogram, decodeHistogram, encodeHistogram, summarize } from './histogram.js';

function finishedOf(s: StepStats): number {
  if (s.errorRate > 0) return s.errorCount / s.errorRate;
  let transport = 0;
  for (const [c, n] of Object.entries(s.errors)) if (c !== 'http') transport += n ?? 0;
  return s.completed + transport;
}

function poolBatches(all: Array<StepBatches | undefined>): StepBatches | undefined {
  if (all.some((b) => b === undefined)) return undefined;
  const bs = all as StepBatches[];
  const thresholds = bs[0]!.above.map((a) => a.thresholdMs);
  return {
    finished: bs.flatMap((b) => b.finished),
    errors: bs.flatMap((b) => b.errors),
    latencyN: bs.flatMap((b) => b.latencyN),
    latencyMeanMs: bs.flatMap((b) => b.latencyMeanMs),
    above: thresholds.map((thresholdMs) => ({ thresholdMs, counts: bs.flatMap((b) => b.above.find((a) => a.thresholdMs === thresholdMs)?.counts ?? b.finished.map(() => 0)) })),
  };
}

/** `latest` with the requests of `earlier` (same level) pooled in, for the verdict. */
export function poolSteps(earlier: readonly StepStats[], latest: StepStats): StepStats {
  const all = [...earlier, latest];
  const errors: StepStats['errors'] = {};
  for (const s of all) for (const [c, n] of Object.entries(s.errors)) errors[c as keyof StepStats['errors']] = (errors[c as keyof StepStats['errors']] ?? 0) + (n ?? 0);
  const errorCount = all.reduce((a, s) => a + s.errorCount, 0);
  const finished = all.reduce((a, s) => a + finishedOf(s), 0);
  const pooled: StepStats = {
    ...latest,
    durationMs: all.reduce((a, s) => a + s.durationMs, 0),
    sent: all.reduce((a, s) => a + s.sent, 0),
    completed: all.reduce((a, s) => a + s.completed, 0),
    errors,
    errorCount,
    errorRate: finished > 0 ? errorCount / finished : 0,
    metrics: { ...latest.metrics, error_rate: finished > 0 ? errorCount / finished : 0 },
  };
  const batches = poolBatches(all.map((s) => s.batches));
  if (batches) pooled.batches = batches;
  else delete pooled.batches;
  if (all.every((s) => s.histogram)) {
    const h = createHistogram();
    for (const s of all) h.add(decodeHistogram(s.histogram!));
    const l = summarize(h);
    pooled.histogram = encodeHistogram(h);
    pooled.latencyMs = l;
    if (l.count > 0) Object.assign(pooled.metrics, { p50: l.p50, p90: l.p90, p95: l.p95, p99: l.p99, p999: l.p999, max: l.max, mean_latency: l.mean });
  }
  return pooled;
}
