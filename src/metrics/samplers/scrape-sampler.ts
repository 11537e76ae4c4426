// The service's own /metrics as the live metrics source: scrape the target's (and the control
// group's) Prometheus histogram directly, no Prometheus server needed. Requests = the histogram's
// _count, errors = _count of series whose status label is 5xx, latency percentiles from the bucket
// increases between scrapes (linear interpolation inside a bucket: the answer is only as fine as the
// service's bucket bounds). Counter resets (the service restarted) are handled in window.ts.
import { request } from 'undici';
import { LoadtestError } from '../../errors.js';
import { histogramView, parsePromText } from './prom-text.js';
import type { GroupSample, GroupSnapshot, Sampler } from './sampler.js';

export async function scrapeText(url: string, timeoutMs: number): Promise<string> {
  try {
    const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new LoadtestError(`scraping ${url}: HTTP ${res.statusCode}`);
    return text;
  } catch (e) {
    if (e instanceof LoadtestError) throw e;
    const err = e as { code?: string; message?: string };
    throw new LoadtestError(`scraping ${url} failed: ${err.code ?? err.message ?? String(e)}`);
  }
}

/** Sums the histogram of several scrapes into one group snapshot (pure). */
export function scrapeSnapshot(texts: string[], histogram: string): GroupSnapshot {
  if (texts.length === 0) return { gauges: {} };
  let requests = 0;
  let errors = 0;
  let latencySumMs = 0;
  const byLe = new Map<number, number>();
  const statusCodes: Record<string, number> = {};
  for (const t of texts) {
    const h = histogramView(parsePromText(t), histogram);
    requests += h.count;
    errors += h.errors;
    latencySumMs += h.sumMs;
    for (const [c, n] of Object.entries(h.statusCodes)) statusCodes[c] = (statusCodes[c] ?? 0) + n;
    for (const b of h.buckets) byLe.set(b.le, (byLe.get(b.le) ?? 0) + b.count);
  }
  const buckets = [...byLe.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  return { requests, errors, errorClasses: { http: errors }, statusCodes, latencySumMs, buckets, gauges: {} };
}

export interface ScrapeSamplerOptions {
  /** The target's /metrics URL(s). */
  targetUrls: string[];
  controlUrls: string[];
  histogram: string;
  intervalMs: number;
  timeoutMs?: number;
}

export function createScrapeSampler(o: ScrapeSamplerOptions): Sampler {
  const timeout = o.timeoutMs ?? Math.max(1000, o.intervalMs);
  return {
    source: 'scrape',
    intervalMs: o.intervalMs,
    async sample(): Promise<GroupSample> {
      const [t, c] = await Promise.all([
        Promise.all(o.targetUrls.map((u) => scrapeText(u, timeout))),
        Promise.all(o.controlUrls.map((u) => scrapeText(u, timeout))),
      ]);
      const at = performance.now();
      const target = scrapeSnapshot(t, o.histogram);
      // A labelled histogram has no series until its first request, but its TYPE line is there.
      if (target.buckets!.length === 0 && !t.some((x) => x.includes(`# TYPE ${o.histogram} histogram`))) {
        throw new LoadtestError(`${o.targetUrls.join(', ')} exposes no histogram ${o.histogram} (no ${o.histogram}_bucket series, no TYPE line)`);
      }
      return { at, target, control: scrapeSnapshot(c, o.histogram) };
    },
  };
}
