// Which SLO metrics exist, in what unit, and which metrics source can measure which of them.
// The scenario loader uses this to reject an SLO no configured source can measure (a rule that
// would silently never be judged); the SLO parser uses the kinds to check units.
//
//   metric        kind      generate  haproxy  prometheus  scrape
//   p50           latency   yes       -        yes         yes
//   p90           latency   yes       -        yes         yes
//   p95           latency   yes       -        (query)     yes
//   p99           latency   yes       -        yes         yes
//   p999          latency   yes       -        (query)     yes
//   max           latency   yes       -        (query)     -
//   mean_latency  latency   yes       yes      (query)     yes (histogram _sum/_count)
//   error_rate    fraction  yes       yes      yes         yes
//   throughput    fraction  yes       -        -           -
//   rps           rate      yes       yes      yes         yes
//   offered_rps   rate      yes       -        -           -
//   queue         count     -         yes      (query)     -
//   share         fraction  -         yes      -           -
//
// HAProxy's stats only carry averages (rtime/ttime), never percentiles. "(query)" = measurable
// when `metrics.prometheus.queries` defines a query for it. `control.<metric>` exists in shift
// mode for the same metrics as the targets (except share) when the source sees the control group
// (always for haproxy and prometheus; for scrape only with `control` URLs). Per-request variants
// `metric{name}` exist only in generate mode, for latency metrics, error_rate and rps.

import { didYouMean } from '../scenario/did-you-mean.js';

export type MetricKind = 'latency' | 'fraction' | 'rate' | 'count';

export interface MetricDef {
  name: string;
  kind: MetricKind;
  description: string;
  /** Which way is healthy, where that is clear: used to catch rules written backwards. */
  better?: 'lower' | 'higher';
}

const defs: MetricDef[] = [
  { name: 'p50', kind: 'latency', description: 'median latency', better: 'lower' },
  { name: 'p90', kind: 'latency', description: '90th percentile latency', better: 'lower' },
  { name: 'p95', kind: 'latency', description: '95th percentile latency', better: 'lower' },
  { name: 'p99', kind: 'latency', description: '99th percentile latency', better: 'lower' },
  { name: 'p999', kind: 'latency', description: '99.9th percentile latency', better: 'lower' },
  { name: 'max', kind: 'latency', description: 'highest latency', better: 'lower' },
  { name: 'mean_latency', kind: 'latency', description: 'mean latency (alias: mean)', better: 'lower' },
  { name: 'error_rate', kind: 'fraction', description: 'failed requests / finished requests', better: 'lower' },
  { name: 'throughput', kind: 'fraction', description: 'achieved rps / offered rps', better: 'higher' },
  { name: 'rps', kind: 'rate', description: 'responses per second' },
  { name: 'offered_rps', kind: 'rate', description: 'scheduled sends per second' },
  { name: 'queue', kind: 'count', description: 'requests queued in HAProxy (qcur)', better: 'lower' },
  { name: 'share', kind: 'fraction', description: "measured share of the backend's traffic" },
];

export const METRICS: ReadonlyMap<string, MetricDef> = new Map(defs.map((d) => [d.name, d]));
export const METRIC_NAMES: readonly string[] = defs.map((d) => d.name);
/** Other spellings accepted in SLO rules, mapped to the canonical name. */
export const METRIC_ALIASES: Readonly<Record<string, string>> = { mean: 'mean_latency' };

export type MetricsSourceKind = 'generate' | 'haproxy' | 'prometheus' | 'scrape';

const LATENCIES = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean_latency'];

/** Base metrics each source measures for the servers under test. */
export const SOURCE_METRICS: Readonly<Record<MetricsSourceKind, readonly string[]>> = {
  generate: [...LATENCIES, 'error_rate', 'throughput', 'rps', 'offered_rps'],
  haproxy: ['mean_latency', 'error_rate', 'rps', 'queue', 'share'],
  prometheus: ['p50', 'p90', 'p99', 'error_rate', 'rps'],
  scrape: ['p50', 'p90', 'p95', 'p99', 'p999', 'mean_latency', 'error_rate', 'rps'],
};

/** Metrics that exist per request name (`p99{buy}`), generate mode only. */
export const PER_REQUEST_METRICS: readonly string[] = [...LATENCIES, 'error_rate', 'rps'];

/** What one configured source can measure: the input of `unmeasurableReason`. */
export interface SourceCapabilities {
  source: MetricsSourceKind;
  /** Base metrics measured for the targets. */
  metrics: ReadonlySet<string>;
  /** Base metrics measured for the control group (empty when the source cannot see it). */
  control: ReadonlySet<string>;
  /** Request names usable in `metric{name}` (generate mode). */
  requests: readonly string[];
}

export function capabilities(
  source: MetricsSourceKind,
  opts: { requests?: readonly string[]; hasControl?: boolean; queries?: readonly string[] } = {},
): SourceCapabilities {
  const metrics = new Set(SOURCE_METRICS[source]);
  if (source === 'prometheus') for (const q of opts.queries ?? []) if (METRICS.has(q)) metrics.add(q);
  const seesControl = source === 'haproxy' || source === 'prometheus' || (source === 'scrape' && opts.hasControl === true);
  const control = new Set(seesControl ? [...metrics].filter((m) => m !== 'share') : []);
  return { source, metrics, control, requests: source === 'generate' ? (opts.requests ?? []) : [] };
}

/** A metric key split into its parts: `control.p99` → control, `p99{buy}` → request 'buy'. */
export interface MetricKey {
  control: boolean;
  base: string;
  request?: string;
}

export function splitMetricKey(key: string): MetricKey {
  let rest = key;
  const control = rest.startsWith('control.');
  if (control) rest = rest.slice('control.'.length);
  const brace = rest.indexOf('{');
  if (brace >= 0 && rest.endsWith('}')) return { control, base: rest.slice(0, brace), request: rest.slice(brace + 1, -1) };
  return { control, base: rest };
}

const sourceLabel: Record<MetricsSourceKind, string> = {
  generate: 'generated traffic',
  haproxy: 'HAProxy stats',
  prometheus: 'Prometheus',
  scrape: 'the /metrics scrape',
};

/**
 * Why `key` (a normalized SLO metric key) cannot be measured with these capabilities, or
 * undefined when it can. Messages say what is measurable instead.
 */
export function unmeasurableReason(key: string, caps: SourceCapabilities): string | undefined {
  const { control, base, request } = splitMetricKey(key);
  const label = sourceLabel[caps.source];
  if (control && caps.source === 'generate') return `'${key}': control.* metrics exist only in shift mode (live traffic)`;
  if (request !== undefined) {
    if (caps.source !== 'generate') return `'${key}': per-request metrics exist only in generate mode`;
    if (!PER_REQUEST_METRICS.includes(base)) {
      return `'${key}': '${base}' is not measured per request (per request: ${PER_REQUEST_METRICS.join(', ')})`;
    }
    if (!caps.requests.includes(request)) {
      const known = [...new Set(caps.requests)].map((r) => `'${r}'`).join(', ');
      const hint = didYouMean(request, caps.requests);
      return `'${key}': no request named '${request}'${hint} (requests: ${known || 'none'})`;
    }
    return undefined;
  }
  const set = control ? caps.control : caps.metrics;
  if (set.has(base)) return undefined;
  if (control && caps.control.size === 0) {
    return `'${key}': ${label} cannot see the control group${caps.source === 'scrape' ? ' (add metrics.scrape.control URLs)' : ''}`;
  }
  const why = caps.source === 'haproxy' && METRICS.get(base)?.kind === 'latency' ? ' (HAProxy reports averages only: use mean_latency)' : '';
  const hint = caps.source === 'prometheus' && METRICS.has(base) && base !== 'share' ? ` (or add metrics.prometheus.queries.${base})` : '';
  return `'${key}' cannot be measured by ${label}${why}${hint}; measurable: ${[...set].map((m) => (control ? 'control.' + m : m)).join(', ')}`;
}
