// One line naming what a scenario tests, for headers and reports: the origin (generate mode) or the
// backend and servers (shift mode).
import type { HaproxyShifterSpec, Scenario } from './scenario.js';

/** One line naming what was tested: the origin (generate) or backend and servers (shift). */
export function describeTarget(scenario: Scenario): string {
  const t = scenario.traffic;
  if (t.kind === 'generate') return t.target;
  if (t.shifter.type === 'haproxy') return `haproxy backend ${t.shifter.backend} servers ${t.shifter.servers.join(',')}${nodesSuffix(t.shifter)}`;
  return `servers ${t.shifter.servers.join(',')} of pool ${t.shifter.pool.join(',')}`;
}

/** ` on 2 nodes (edge1.sock, 10.0.0.2:9999)` for the list form; '' for one node. */
export function nodesSuffix(h: HaproxyShifterSpec): string {
  if (!h.nodes || h.nodes.length < 2) return '';
  return ` on ${h.nodes.length} nodes (${h.nodes.map((n) => `${n.socket ?? n.address}${n.backend !== h.backend ? ` backend ${n.backend}` : ''}`).join(', ')})`;
}
