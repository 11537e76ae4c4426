// One line naming what a scenario tests, for headers and reports: the origin (generate mode) or the
// backend and servers (shift mode).
import type { Scenario } from './scenario.js';

/** One line naming what was tested: the origin (generate) or backend and servers (shift). */
export function describeTarget(scenario: Scenario): string {
  const t = scenario.traffic;
  if (t.kind === 'generate') return t.target;
  if (t.shifter.type === 'haproxy') return `haproxy backend ${t.shifter.backend} servers ${t.shifter.servers.join(',')}`;
  return `servers ${t.shifter.servers.join(',')} of pool ${t.shifter.pool.join(',')}`;
}
