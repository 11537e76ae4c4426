// HAProxy as the live metrics source: per-server counters from `show stat`, summed per group.
// Requests: req_tot where HAProxy fills it for servers, else stot (in HTTP mode one session per
// request forwarded). Errors: 5xx responses (hrsp_5xx) + connection errors (econ) + response
// errors (eresp). Gauges: queue (qcur, summed) and mean response time (rtime, weighted by traffic).
// HAProxy has no percentiles, and rtime is an average over the server's LAST 1024 REQUESTS, not
// over the window: at low rates it lags behind the window it is reported for.
import type { HaproxyRuntime, StatRow } from '../../traffic/shifters/haproxy-runtime.js';
import type { GroupSample, GroupSnapshot, Sampler } from './sampler.js';

/** Sums one group's server rows into a snapshot (pure). */
export function haproxySnapshot(rows: StatRow[], backend: string, servers: string[]): GroupSnapshot {
  let requests = 0;
  let http = 0;
  let refused = 0;
  let reset = 0;
  let queue = 0;
  let rtimeWeighted = 0;
  let rtimeWeight = 0;
  const statusCodes: Record<string, number> = {};
  for (const r of rows) {
    if (r.pxname !== backend || r.type !== 2 || !servers.includes(r.svname)) continue;
    requests += r.reqTot ?? r.stot;
    http += r.hrsp5xx;
    refused += r.econ;
    reset += r.eresp;
    queue += r.qcur;
    for (const c of ['1xx', '2xx', '3xx', '4xx', '5xx']) statusCodes[c] = (statusCodes[c] ?? 0) + Number(r.raw[`hrsp_${c}`] || 0);
    // Weight each server's running average by its current share of weight, so an idle server's
    // stale rtime does not dominate.
    const w = Math.max(r.weight, 0);
    rtimeWeighted += r.rtime * w;
    rtimeWeight += w;
  }
  const gauges: Record<string, number> = { queue };
  if (rtimeWeight > 0) gauges.mean_latency = rtimeWeighted / rtimeWeight;
  return {
    requests,
    errors: http + refused + reset,
    errorClasses: { http, refused, reset },
    statusCodes,
    gauges,
  };
}

export function createHaproxySampler(
  runtime: HaproxyRuntime,
  backend: string,
  targets: string[],
  controls: string[],
  intervalMs = 1000,
): Sampler {
  return {
    source: 'haproxy',
    intervalMs,
    async sample(): Promise<GroupSample> {
      const rows = await runtime.showStat(backend); // only this backend: cheap on large configurations
      const at = performance.now();
      return { at, target: haproxySnapshot(rows, backend, targets), control: haproxySnapshot(rows, backend, controls) };
    },
  };
}
