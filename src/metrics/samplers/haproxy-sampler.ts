// HAProxy as the live metrics source: per-server counters from `show stat`, summed per group.
// Requests: req_tot where HAProxy fills it for servers, else stot (in HTTP mode one session per
// request forwarded). Errors: 5xx responses (hrsp_5xx) + connection errors (econ) + response
// errors (eresp). Gauges: queue (qcur, summed) and mean response time (rtime, weighted by traffic).
// HAProxy has no percentiles, and rtime is an average over the server's LAST 1024 REQUESTS, not
// over the window: at low rates it lags behind the window it is reported for.
// Several load-balancer nodes (the list form): each node's counters are its own, so they are summed;
// queues are summed; the mean latency is the nodes' figures weighted by the requests each node
// forwarded since the previous sample (see combineNodeSnapshots for why that is an approximation).
import type { HaproxyRuntime, StatRow } from '../../traffic/shifters/haproxy-runtime.js';
import type { GroupSample, GroupSnapshot, Sampler, ServerCounter } from './sampler.js';

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

/** Every server row of the backend as a ServerCounter (pure). */
export function haproxyServers(rows: StatRow[], backend: string, node?: string): ServerCounter[] {
  return rows
    .filter((r) => r.pxname === backend && r.type === 2)
    .map((r) => ({ server: r.svname, ...(node !== undefined ? { node } : {}), weight: r.weight, status: r.status, requests: r.reqTot ?? r.stot }));
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
      return { at, target: haproxySnapshot(rows, backend, targets), control: haproxySnapshot(rows, backend, controls), servers: haproxyServers(rows, backend) };
    },
  };
}

/**
 * One group's snapshot over several nodes (pure). Counters (requests, errors, status codes) and the
 * queue are summed. `mean_latency` is each node's figure weighted by `weights[i]` — the requests the
 * node forwarded since the previous sample — which would be the exact mean of the interval if each
 * node's figure were its mean over that interval. It is not quite: HAProxy's rtime averages each
 * server's last 1024 requests, so at low rates a node's figure reaches back before the interval.
 * With no weights (the first sample, or an idle interval) the nodes count equally.
 */
export function combineNodeSnapshots(snaps: GroupSnapshot[], weights: number[]): GroupSnapshot {
  const out: GroupSnapshot = { requests: 0, errors: 0, errorClasses: {}, statusCodes: {}, gauges: {} };
  let queue = 0;
  let latency = 0;
  let latencyWeight = 0;
  let latencyPlain = 0;
  let latencyNodes = 0;
  snaps.forEach((s, i) => {
    out.requests! += s.requests ?? 0;
    out.errors! += s.errors ?? 0;
    for (const [k, v] of Object.entries(s.errorClasses ?? {})) out.errorClasses![k] = (out.errorClasses![k] ?? 0) + v;
    for (const [k, v] of Object.entries(s.statusCodes ?? {})) out.statusCodes![k] = (out.statusCodes![k] ?? 0) + v;
    queue += s.gauges.queue ?? 0;
    const m = s.gauges.mean_latency;
    if (m !== undefined) {
      const w = Math.max(0, weights[i] ?? 0);
      latency += m * w;
      latencyWeight += w;
      latencyPlain += m;
      latencyNodes++;
    }
  });
  out.gauges.queue = queue;
  if (latencyWeight > 0) out.gauges.mean_latency = latency / latencyWeight;
  else if (latencyNodes > 0) out.gauges.mean_latency = latencyPlain / latencyNodes;
  return out;
}

export interface HaproxyNode {
  runtime: HaproxyRuntime;
  backend: string;
  /** How reports name the node (its socket or address). */
  name?: string;
}

/** HAProxy stats summed over several load-balancer nodes in front of the same servers. */
export function createHaproxyNodesSampler(nodes: HaproxyNode[], targets: string[], controls: string[], intervalMs = 1000): Sampler {
  // Each node's cumulative requests per group at the previous sample: the weights of its mean latency.
  let previous: Array<{ target: number; control: number }> | undefined;
  return {
    source: 'haproxy',
    intervalMs,
    async sample(): Promise<GroupSample> {
      // All nodes at once, so the summed counters describe (nearly) one moment.
      const rows = await Promise.all(nodes.map((n) => n.runtime.showStat(n.backend)));
      const at = performance.now();
      const target = rows.map((r, i) => haproxySnapshot(r, nodes[i]!.backend, targets));
      const control = rows.map((r, i) => haproxySnapshot(r, nodes[i]!.backend, controls));
      const now = nodes.map((_, i) => ({ target: target[i]!.requests ?? 0, control: control[i]!.requests ?? 0 }));
      const since = (g: 'target' | 'control') => now.map((n, i) => (previous ? Math.max(0, n[g] - previous[i]![g]) : 0));
      const servers = rows.flatMap((r, i) => haproxyServers(r, nodes[i]!.backend, nodes[i]!.name ?? `node ${i + 1}`));
      const out = { at, target: combineNodeSnapshots(target, since('target')), control: combineNodeSnapshots(control, since('control')), servers };
      previous = now;
      return out;
    },
  };
}
