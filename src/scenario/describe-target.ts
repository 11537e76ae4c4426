// One line naming what a scenario tests, for headers and reports: the origin (generate mode) or the
// backend and servers (shift mode).
import type { HaproxyShifterSpec, MetricsSourceSpec, Scenario, ServiceSpec } from './scenario.js';

/** One line naming what was tested: the origin (generate) or backend and servers (shift). */
export function describeTarget(scenario: Scenario): string {
  const t = scenario.traffic;
  if (t.kind === 'generate') return t.target;
  if (t.shifter.type === 'haproxy') return `haproxy backend ${t.shifter.backend} servers ${t.shifter.servers.join(',')}${nodesSuffix(t.shifter)}`;
  return `servers ${t.shifter.servers.join(',')} of pool ${t.shifter.pool.join(',')}`;
}

/** A service's metrics source in one line: `HAProxy /run/haproxy/internal.sock backend db-a`, `Prometheus http://…`, `scrape http://…/metrics`. */
export function describeMetricsSource(m: MetricsSourceSpec): string {
  if (m.type === 'prometheus') return `Prometheus ${m.url}`;
  if (m.type === 'scrape') return `scrape ${m.url}`;
  const where = m.socket ?? m.address;
  return `HAProxy ${where ? `${where} ` : ''}backend ${m.backend ?? '(the shifted one)'}${m.servers ? ` servers ${m.servers.join(',')}` : ''}`;
}

/** One line per dependency of `services:`, for plan, validate and headers: `db-a (HAProxy … backend db-a): error_rate < 1%`. */
export function describeServices(services: readonly ServiceSpec[] | undefined): string[] {
  return (services ?? []).map((s) => `${s.name} (${describeMetricsSource(s.metrics)}): ${s.slo.map((r) => r.text).join(', ')}`);
}

/** ` on 2 nodes (edge1.sock, 10.0.0.2:9999)` for the list form; '' for one node. */
export function nodesSuffix(h: HaproxyShifterSpec): string {
  if (!h.nodes || h.nodes.length < 2) return '';
  return ` on ${h.nodes.length} nodes (${h.nodes.map((n) => `${n.socket ?? n.address}${n.backend !== h.backend ? ` backend ${n.backend}` : ''}`).join(', ')})`;
}
