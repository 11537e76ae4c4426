// Turns a (merged) StepRecorder into the StepStats contract, including the flat SLO metric map.
// Rules: a request belongs to the step when its intended send time lies in the judged window;
// `sent` excludes sends dropped at the in-flight cap; offered = (sent + dropped) / window;
// achieved = responses (any status) / window; error_rate = errors / finished, where every judged
// request finishes exactly once as a response, a transport error, a timeout or a drop. Latency
// histograms hold responses and timeouts (a timeout's latency is a lower bound).
import { summarize, encodeHistogram, type LatencySummary } from '../../metrics/histogram.js';
import type { ErrorClass, GeneratorHealth, RequestNameStats, StepBatches, StepMetrics, StepProgress, StepStats } from '../../metrics/step-stats.js';
import { ERROR_CLASSES, type StepRecorder, type Tally } from './step-recorder.js';

export interface StepInfo {
  level: number;
  startedAt: string;
  /** Length of the judged window actually run (ms). */
  windowMs: number;
  partial: boolean;
  names: readonly string[];
  generator: GeneratorHealth;
  /** The traffic runs sessions: report their counts. */
  sessions?: boolean;
}

function latencyMetrics(m: StepMetrics, l: LatencySummary, suffix: string): void {
  if (l.count === 0) return; // unmeasured is absent, never 0
  m[`p50${suffix}`] = l.p50;
  m[`p90${suffix}`] = l.p90;
  m[`p95${suffix}`] = l.p95;
  m[`p99${suffix}`] = l.p99;
  m[`p999${suffix}`] = l.p999;
  m[`max${suffix}`] = l.max;
  m[`mean_latency${suffix}`] = l.mean;
}

function errorsOf(t: Tally): Partial<Record<ErrorClass, number>> {
  const out: Partial<Record<ErrorClass, number>> = {};
  ERROR_CLASSES.forEach((c, i) => {
    if (t.errors[i]! > 0) out[c] = t.errors[i]!;
  });
  return out;
}

function batchesOf(rec: StepRecorder): StepBatches {
  const b = rec.batches;
  const n = b.finished.length;
  return {
    finished: Array.from(b.finished),
    errors: Array.from(b.errors),
    latencyN: Array.from(b.latencyN),
    latencyMeanMs: Array.from(b.latencyN, (c, i) => (c > 0 ? b.latencySumMs[i]! / c : 0)),
    above: b.thresholdsMs.map((thresholdMs, k) => ({ thresholdMs, counts: Array.from(b.above.subarray(k * n, (k + 1) * n)) })),
  };
}

/** Requests of a tally that finished one way or another (responses + transport errors + drops). */
function finishedOf(t: Tally): number {
  let transport = 0;
  for (let i = 1; i < t.errors.length; i++) transport += t.errors[i]!; // index 0 = http (a response)
  return t.completed + transport;
}

export function buildStepStats(rec: StepRecorder, info: StepInfo): StepStats {
  const t = rec.judged;
  const sec = Math.max(info.windowMs, 1) / 1000;
  const offeredRps = (t.sent + t.dropped) / sec;
  const achievedRps = t.completed / sec;
  const finished = finishedOf(t);
  const errorRate = finished > 0 ? t.errorCount / finished : 0;
  const latencyMs = summarize(t.corrected);
  const statusCodes: Record<string, number> = {};
  for (let s = 0; s < rec.statusCounts.length; s++) if (rec.statusCounts[s]! > 0) statusCodes[String(s)] = rec.statusCounts[s]!;

  const metrics: StepMetrics = {};
  latencyMetrics(metrics, latencyMs, '');
  metrics.error_rate = errorRate;
  metrics.throughput = offeredRps > 0 ? achievedRps / offeredRps : 0;
  metrics.rps = achievedRps;
  metrics.offered_rps = offeredRps;

  const byRequest: RequestNameStats[] = info.names.map((name, i) => {
    const n = rec.names[i]!;
    // Single-request mixes keep no separate per-name histogram: it equals the total.
    const l = n.corrected ? summarize(n.corrected) : latencyMs;
    const sfx = `{${name}}`;
    latencyMetrics(metrics, l, sfx);
    metrics[`error_rate${sfx}`] = n.count > 0 ? n.errors / n.count : 0;
    metrics[`rps${sfx}`] = n.responses / sec;
    return { name, count: n.count, errors: n.errors, latencyMs: l };
  });

  return {
    level: info.level,
    startedAt: info.startedAt,
    durationMs: Math.round(info.windowMs),
    partial: info.partial,
    offeredRps,
    achievedRps,
    sent: t.sent,
    completed: t.completed,
    errors: errorsOf(t),
    errorCount: t.errorCount,
    errorRate,
    statusCodes,
    bytesReceived: t.bytes,
    latencyMs,
    latencyUncorrectedMs: summarize(rec.uncorrected),
    byRequest,
    metrics,
    generator: info.generator,
    histogram: encodeHistogram(t.corrected),
    ...(rec.batches.counted ? { batches: batchesOf(rec) } : {}),
    ...(info.sessions
      ? {
          sessions: {
            started: rec.sessions[0]!,
            completed: rec.sessions[1]!,
            failed: rec.sessions[2]!,
            cut: rec.sessions[3]!,
            startedPerSecond: rec.sessions[0]! / sec,
            completedPerSecond: rec.sessions[1]! / sec,
          },
        }
      : {}),
  };
}

/**
 * Running figures for progress and abort rules. During the warm-up: the warm-up's own figures, for
 * display. After it: the judged window so far with buildStepStats' definitions (error_rate over
 * finished requests, throughput = answered / scheduled), plus the counts abort rules need to judge
 * what the requests still in flight cannot change (analysis/abort-rules.ts).
 */
export function buildProgress(rec: StepRecorder, elapsedMs: number, warmupMs: number, inFlight: number): StepProgress {
  const measuring = elapsedMs >= warmupMs;
  const t = measuring ? rec.judged : rec.warm;
  const windowMs = measuring ? elapsedMs - warmupMs : elapsedMs;
  const sec = Math.max(windowMs, 1) / 1000;
  const finished = finishedOf(t);
  const scheduled = t.sent + t.dropped;
  const l = summarize(t.corrected);
  const metrics: StepMetrics = {};
  latencyMetrics(metrics, l, '');
  metrics.error_rate = finished > 0 ? t.errorCount / finished : 0;
  metrics.rps = t.completed / sec;
  metrics.offered_rps = scheduled / sec;
  metrics.throughput = finished > 0 ? t.completed / finished : 0;
  const progress: StepProgress = {
    elapsedMs,
    phase: measuring ? 'measure' : 'warmup',
    metrics,
    offeredRps: scheduled / sec,
    achievedRps: t.completed / sec,
    inFlight,
  };
  if (measuring) progress.counts = { scheduled, finished, completed: t.completed, errors: t.errorCount, inFlight: Math.max(0, scheduled - finished) };
  return progress;
}
