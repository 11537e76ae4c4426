// A parser for the Prometheus text exposition format (version 0.0.4), enough to read a service's own
// /metrics: sample lines `name{label="value",…} value [timestamp]`, comments and HELP/TYPE lines
// skipped, label values with \" \\ \n escapes, values +Inf/-Inf/NaN. And the histogram view we need:
// cumulative buckets, _count and _sum summed over series, errors from a status-code label.
import type { Bucket } from './sampler.js';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseValue(s: string): number {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  return Number(s);
}

/** Parses exposition text; malformed lines are skipped (a scrape must not fail on one odd line). */
export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let i = 0;
    while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i]!)) i++;
    const name = line.slice(0, i);
    if (name === '') continue;
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      let ok = true;
      for (;;) {
        while (line[i] === ' ' || line[i] === ',') i++;
        if (line[i] === '}') {
          i++;
          break;
        }
        const eq = line.indexOf('=', i);
        if (eq < 0 || line[eq + 1] !== '"') {
          ok = false;
          break;
        }
        const key = line.slice(i, eq).trim();
        let j = eq + 2;
        let val = '';
        while (j < line.length && line[j] !== '"') {
          if (line[j] === '\\' && j + 1 < line.length) {
            const n = line[j + 1]!;
            val += n === 'n' ? '\n' : n;
            j += 2;
          } else val += line[j++];
        }
        if (j >= line.length) {
          ok = false;
          break;
        }
        labels[key] = val;
        i = j + 1;
      }
      if (!ok) continue;
    }
    const rest = line.slice(i).trim().split(/\s+/);
    if (rest[0] === undefined || rest[0] === '') continue;
    const value = parseValue(rest[0]);
    if (Number.isNaN(value) && rest[0] !== 'NaN') continue;
    out.push({ name, labels, value });
  }
  return out;
}

export interface HistogramView {
  /** Cumulative buckets in ms, summed over every series of the histogram; +Inf last. */
  buckets: Bucket[];
  count: number;
  sumMs: number;
  /** _count of the series whose status label (code/status/status_code) is 5xx. */
  errors: number;
  /** _count per status label value, where the series carry one. */
  statusCodes: Record<string, number>;
}

/** Label names that commonly carry the HTTP status of a request. */
const STATUS_LABELS = ['code', 'status', 'status_code', 'http_status'];

/**
 * Sums every series of histogram `name` (without the _bucket suffix). A name ending in `_seconds`
 * is converted to ms; otherwise values are taken as ms already (e.g. `_milliseconds`).
 */
export function histogramView(samples: PromSample[], name: string): HistogramView {
  const scale = name.endsWith('_seconds') ? 1000 : 1;
  const byLe = new Map<number, number>();
  let count = 0;
  let sum = 0;
  let errors = 0;
  const statusCodes: Record<string, number> = {};
  for (const s of samples) {
    if (s.name === `${name}_bucket`) {
      const le = parseValue(s.labels.le ?? '');
      if (Number.isNaN(le)) continue;
      const key = Number.isFinite(le) ? le * scale : Infinity;
      byLe.set(key, (byLe.get(key) ?? 0) + s.value);
    } else if (s.name === `${name}_count`) {
      count += s.value;
      const status = STATUS_LABELS.map((l) => s.labels[l]).find((v) => v !== undefined);
      if (status !== undefined && /^5\d\d$/.test(status)) errors += s.value;
      if (status !== undefined) statusCodes[status] = (statusCodes[status] ?? 0) + s.value;
    } else if (s.name === `${name}_sum`) {
      sum += s.value * scale;
    }
  }
  const buckets = [...byLe.entries()].map(([le, c]) => ({ le, count: c })).sort((a, b) => a.le - b.le);
  return { buckets, count, sumMs: sum, errors, statusCodes };
}
