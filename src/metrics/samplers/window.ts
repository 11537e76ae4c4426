// Window statistics from live samples: diff cumulative counters and histogram buckets between
// samples, average gauges, compute percentiles from buckets. Pure functions, table-tested.
//
// Counter resets (a server restarted, a counter went DOWN) are handled like Prometheus' rate(): the
// new value is taken as the increase since the reset.
import type { LiveGroupStats, StepMetrics } from '../step-stats.js';
import type { ServerTraffic } from '../../analysis/balance.js';
import type { Bucket, GroupSample, GroupSnapshot } from './sampler.js';

/** Increase of a cumulative counter from a to b; a decrease means a reset → b. */
export function counterIncrease(a: number, b: number): number {
  return b >= a ? b - a : b;
}

/** Per-bucket increase of a cumulative histogram; any bucket going down means a reset → b. */
export function bucketIncrease(a: Bucket[], b: Bucket[]): Bucket[] {
  const before = new Map(a.map((x) => [x.le, x.count]));
  const reset = b.some((x) => x.count < (before.get(x.le) ?? 0));
  return b.map((x) => ({ le: x.le, count: reset ? x.count : x.count - (before.get(x.le) ?? 0) }));
}

function addBuckets(into: Bucket[] | undefined, more: Bucket[]): Bucket[] {
  if (!into) return more.map((x) => ({ ...x }));
  const m = new Map(into.map((x) => [x.le, x.count]));
  for (const x of more) m.set(x.le, (m.get(x.le) ?? 0) + x.count);
  return [...m.entries()].map(([le, count]) => ({ le, count })).sort((p, q) => p.le - q.le);
}

/**
 * The q-quantile (0..1) of a cumulative histogram, by linear interpolation inside the bucket that
 * holds it (Prometheus histogram_quantile semantics: the first bucket starts at 0; a quantile in
 * the +Inf bucket is the largest finite bound). undefined when the histogram is empty.
 */
export function quantileFromBuckets(buckets: Bucket[], q: number): number | undefined {
  const bs = [...buckets].sort((a, b) => a.le - b.le);
  const total = bs.length > 0 ? bs[bs.length - 1]!.count : 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of bs) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe;
      const inBucket = b.count - prevCount;
      if (inBucket <= 0) return b.le;
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = Number.isFinite(b.le) ? b.le : prevLe;
    prevCount = b.count;
  }
  return prevLe;
}

/** What one group did between the first and the last snapshot (at times in ms). */
export interface GroupWindowStats extends LiveGroupStats {
  errors: number;
  errorClasses: Record<string, number>;
  statusCodes: Record<string, number>;
  p90Ms?: number;
  p95Ms?: number;
  p999Ms?: number;
}

function mean(xs: number[]): number | undefined {
  return xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Stats of one group over samples s0..sn (n ≥ 1) taken at `at[i]` ms: counters are summed over
 * consecutive increases (so a reset in the middle loses nothing), gauges averaged over s1..sn
 * (s0 belongs to the window before).
 */
export function groupWindow(servers: string[], snaps: GroupSnapshot[], at: number[]): GroupWindowStats {
  const seconds = snaps.length >= 2 ? Math.max(1e-9, (at[at.length - 1]! - at[0]!) / 1000) : 0;
  let requests: number | undefined;
  let errors = 0;
  let latencySum: number | undefined;
  let buckets: Bucket[] | undefined;
  const errorClasses: Record<string, number> = {};
  const statusCodes: Record<string, number> = {};
  const gauges: Record<string, number[]> = {};
  for (let i = 1; i < snaps.length; i++) {
    const a = snaps[i - 1]!;
    const b = snaps[i]!;
    if (a.requests !== undefined && b.requests !== undefined) requests = (requests ?? 0) + counterIncrease(a.requests, b.requests);
    if (a.errors !== undefined && b.errors !== undefined) errors += counterIncrease(a.errors, b.errors);
    if (a.latencySumMs !== undefined && b.latencySumMs !== undefined) latencySum = (latencySum ?? 0) + counterIncrease(a.latencySumMs, b.latencySumMs);
    if (a.buckets && b.buckets) buckets = addBuckets(buckets, bucketIncrease(a.buckets, b.buckets));
    for (const [k, v] of Object.entries(b.errorClasses ?? {})) errorClasses[k] = (errorClasses[k] ?? 0) + counterIncrease(a.errorClasses?.[k] ?? 0, v);
    for (const [k, v] of Object.entries(b.statusCodes ?? {})) statusCodes[k] = (statusCodes[k] ?? 0) + counterIncrease(a.statusCodes?.[k] ?? 0, v);
    for (const [k, v] of Object.entries(b.gauges)) if (Number.isFinite(v)) (gauges[k] ??= []).push(v);
  }
  const g = (k: string) => mean(gauges[k] ?? []);
  const rps = requests !== undefined && seconds > 0 ? requests / seconds : (g('rps') ?? 0);
  const samples = requests ?? Math.round((g('rps') ?? 0) * seconds);
  const errorRate = requests !== undefined ? (requests > 0 ? errors / requests : 0) : (g('error_rate') ?? 0);
  const fromBuckets = buckets && buckets.length > 0 && buckets[buckets.length - 1]!.count > 0;
  const q = (p: number, gauge: string) => (fromBuckets ? quantileFromBuckets(buckets!, p) : g(gauge));
  const out: GroupWindowStats = {
    servers,
    rps,
    errorRate,
    samples,
    errors: requests !== undefined ? errors : Math.round(errorRate * samples),
    errorClasses,
    statusCodes,
  };
  const meanLatency = latencySum !== undefined && requests ? latencySum / requests : g('mean_latency');
  if (meanLatency !== undefined) out.meanLatencyMs = meanLatency;
  const set = (key: 'p50Ms' | 'p90Ms' | 'p95Ms' | 'p99Ms' | 'p999Ms', v: number | undefined) => {
    if (v !== undefined && Number.isFinite(v)) out[key] = v;
  };
  set('p50Ms', q(0.5, 'p50'));
  set('p90Ms', q(0.9, 'p90'));
  set('p95Ms', q(0.95, 'p95'));
  set('p99Ms', q(0.99, 'p99'));
  set('p999Ms', q(0.999, 'p999'));
  const queue = g('queue');
  if (queue !== undefined) out.queue = queue;
  return out;
}

/** Flat SLO metrics of one group; `prefix` is '' for the target and 'control.' for the control group. */
export function groupMetrics(s: GroupWindowStats, prefix: string, into: StepMetrics = {}): StepMetrics {
  into[`${prefix}rps`] = s.rps;
  into[`${prefix}error_rate`] = s.errorRate;
  into[`${prefix}samples`] = s.samples;
  const opt: Array<[string, number | undefined]> = [
    ['mean_latency', s.meanLatencyMs],
    ['p50', s.p50Ms],
    ['p90', s.p90Ms],
    ['p95', s.p95Ms],
    ['p99', s.p99Ms],
    ['p999', s.p999Ms],
    ['queue', s.queue],
  ];
  for (const [k, v] of opt) if (v !== undefined) into[`${prefix}${k}`] = v;
  return into;
}

export interface WindowResult {
  target: GroupWindowStats;
  control: GroupWindowStats;
  /** Share of the backend's served requests the targets got. */
  measuredShare: number;
  metrics: StepMetrics;
}

/**
 * Target and control stats of the samples (s0 = the window's start), with the flat metric map:
 * target metrics unprefixed, control metrics as `control.<metric>`, `share` (measured) and
 * `expected_share`.
 */
export function windowOf(
  samples: GroupSample[],
  targets: string[],
  controls: string[],
  expectedShare: number,
): WindowResult {
  const at = samples.map((s) => s.at);
  const target = groupWindow(targets, samples.map((s) => s.target), at);
  const control = groupWindow(controls, samples.map((s) => s.control), at);
  const total = target.rps + control.rps;
  const measuredShare = total > 0 ? target.rps / total : 0;
  const metrics = groupMetrics(target, '');
  groupMetrics(control, 'control.', metrics);
  metrics.share = measuredShare;
  metrics.expected_share = expectedShare;
  return { target, control, measuredShare, metrics };
}

/**
 * Cuts samples into consecutive windows of `windowMs` (by their `at`): each window runs from the
 * last sample of the one before to the first sample at or past its end (within 10%). A trailing stub shorter than
 * half a window is merged into the last window.
 */
export function splitWindows(samples: GroupSample[], windowMs: number): GroupSample[][] {
  if (samples.length < 2) return [];
  const windows: GroupSample[][] = [];
  let start = 0;
  for (let i = 1; i < samples.length; i++) {
    // Samples are taken on a grid, but each is stamped when its answer arrives: allow 10% jitter.
    if (samples[i]!.at - samples[start]!.at >= windowMs * 0.9) {
      windows.push(samples.slice(start, i + 1));
      start = i;
    }
  }
  if (start < samples.length - 1) {
    const rest = samples.slice(start);
    const last = windows[windows.length - 1];
    if (last && rest[rest.length - 1]!.at - rest[0]!.at < windowMs / 2) last.push(...rest.slice(1));
    else windows.push(rest);
  }
  return windows;
}

/**
 * Each server's requests between two samples (per node), with its weight and status at the later
 * one: the input of the load-balancing findings. Empty when the source has no per-server counters.
 */
export function serverTraffic(first: GroupSample, last: GroupSample): ServerTraffic[] {
  if (!first.servers || !last.servers) return [];
  const key = (s: { server: string; node?: string }): string => `${s.node ?? ''}\u0000${s.server}`;
  const before = new Map(first.servers.map((s) => [key(s), s.requests]));
  return last.servers.map((s) => ({
    server: s.server,
    ...(s.node !== undefined ? { node: s.node } : {}),
    weight: s.weight,
    status: s.status,
    requests: counterIncrease(before.get(key(s)) ?? s.requests, s.requests),
  }));
}
