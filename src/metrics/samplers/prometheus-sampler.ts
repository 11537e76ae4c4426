// Prometheus as the live metrics source: one instant PromQL query per metric and group through the
// HTTP API (GET /api/v1/query), each a rate over the last `{window}`. The values are gauges to
// average over a judging window; their resolution is Prometheus' scrape interval (a rate over a
// window shorter than two scrapes is empty → the metric is absent, never 0).
//
// Default queries read a histogram `http_request_duration_seconds` whose series carry a `server`
// label naming the load balancer's server (add it in the scrape config: `labels: {server: web1}`)
// and a `code` label with the HTTP status. Any metric can be given its own query instead.
import { request } from 'undici';
import { LoadtestError } from '../../errors.js';
import type { GroupSample, GroupSnapshot, Sampler } from './sampler.js';

const H = 'http_request_duration_seconds';
const sel = (extra = '') => `{server=~"{servers}"${extra}}`;

export const DEFAULT_QUERIES: Readonly<Record<string, string>> = {
  rps: `sum(rate(${H}_count${sel()}[{window}]))`,
  error_rate: `(sum(rate(${H}_count${sel(',code=~"5.."')}[{window}])) or vector(0)) / sum(rate(${H}_count${sel()}[{window}]))`,
  p50: `histogram_quantile(0.5, sum by (le) (rate(${H}_bucket${sel()}[{window}]))) * 1000`,
  p90: `histogram_quantile(0.9, sum by (le) (rate(${H}_bucket${sel()}[{window}]))) * 1000`,
  p99: `histogram_quantile(0.99, sum by (le) (rate(${H}_bucket${sel()}[{window}]))) * 1000`,
};

/** Regex-escapes server names and joins them for `=~"{servers}"`. */
export function serversRegex(servers: string[]): string {
  // Backslashes doubled once more: the regex sits inside a PromQL double-quoted string.
  return servers.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, (c) => `\\\\${c}`)).join('|');
}

/** Fills {servers}/{server} (regex of the group's servers) and {window} (e.g. "5s"). */
export function fillQuery(template: string, servers: string[], windowS: number): string {
  const re = serversRegex(servers);
  return template.replace(/\{servers\}|\{server\}/g, re).replace(/\{window\}/g, `${windowS}s`);
}

/** The number an instant-query answer holds: one series → its value; several → summed (rps) or max. */
export function valueOfAnswer(body: unknown, metric: string): number | undefined {
  const b = body as { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  if (b.status !== 'success') throw new LoadtestError(`Prometheus query for ${metric} failed: ${b.error ?? 'unknown error'}`);
  const r = b.data?.result;
  let values: number[] = [];
  if (b.data?.resultType === 'scalar' && Array.isArray(r)) values = [Number(r[1])];
  else if (Array.isArray(r)) values = r.map((x: { value?: [number, string] }) => Number(x.value?.[1]));
  values = values.filter((v) => Number.isFinite(v));
  if (values.length === 0) return undefined;
  if (values.length === 1) return values[0];
  return metric === 'rps' || metric === 'queue' ? values.reduce((a, c) => a + c, 0) : Math.max(...values);
}

export interface PrometheusSamplerOptions {
  url: string;
  queries: Record<string, string>;
  intervalMs: number;
  /** Rate window in seconds for {window}; default max(2 × interval, 2 s). */
  windowS?: number;
  timeoutMs?: number;
  /** false: only `queries` are asked (a dependency's series carry no `server` label for the defaults). Default true. */
  defaults?: boolean;
}

export function createPrometheusSampler(o: PrometheusSamplerOptions, targets: string[], controls: string[]): Sampler {
  const queries = o.defaults === false ? { ...o.queries } : { ...DEFAULT_QUERIES, ...o.queries };
  const windowS = o.windowS ?? Math.max(2, Math.ceil((2 * o.intervalMs) / 1000));
  const timeout = o.timeoutMs ?? 5000;
  const base = o.url.replace(/\/+$/, '');

  async function query(q: string, metric: string): Promise<number | undefined> {
    let body: unknown;
    try {
      const res = await request(`${base}/api/v1/query?query=${encodeURIComponent(q)}`, { headersTimeout: timeout, bodyTimeout: timeout });
      body = await res.body.json();
    } catch (e) {
      const err = e as { code?: string; message?: string };
      throw new LoadtestError(`cannot query Prometheus at ${base}: ${err.code ?? err.message ?? String(e)}`);
    }
    return valueOfAnswer(body, metric);
  }

  async function group(servers: string[]): Promise<GroupSnapshot> {
    const gauges: Record<string, number> = {};
    if (servers.length === 0) return { gauges };
    await Promise.all(
      Object.entries(queries).map(async ([metric, template]) => {
        const v = await query(fillQuery(template, servers, windowS), metric);
        if (v !== undefined) gauges[metric] = v;
      }),
    );
    return { gauges };
  }

  return {
    source: 'prometheus',
    intervalMs: o.intervalMs,
    async sample(): Promise<GroupSample> {
      const [target, control] = await Promise.all([group(targets), group(controls)]);
      return { at: performance.now(), target, control };
    },
  };
}
