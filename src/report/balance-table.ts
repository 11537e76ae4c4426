// Load-balancing findings (shift mode with HAProxy) as one table every reporter shows the same way:
// each server, per balancer node, that a step flagged — off the share its weight gives, or out of
// service — with the steps that flagged it and its shares at the first of them. Plain text cells.
import type { RunResult } from '../result.js';
import type { TextTable } from './services-table.js';

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

/** undefined when no step flagged a server (or the source had no per-server counters). */
export function balanceTable(r: RunResult): TextTable | undefined {
  const flagged = new Map<string, { node: string; server: string; steps: number[]; weight: number; expected: number; actual: number; flag: string }>();
  for (const step of r.steps) {
    for (const f of step.live?.balance ?? []) {
      if (!f.flag) continue;
      const key = `${f.node ?? ''}\u0000${f.server}`;
      const seen = flagged.get(key);
      if (seen) seen.steps.push(step.index + 1);
      else flagged.set(key, { node: f.node ?? '', server: f.server, steps: [step.index + 1], weight: f.weight, expected: f.expectedShare, actual: f.actualShare, flag: f.flag });
    }
  }
  if (flagged.size === 0) return undefined;
  const nodes = [...flagged.values()].some((x) => x.node !== '');
  const head = [...(nodes ? ['node'] : []), 'server', 'steps', 'weight', 'expected', 'received', 'finding (first step)'];
  const rows = [...flagged.values()].map((x) => [
    ...(nodes ? [x.node] : []),
    x.server,
    x.steps.join(','),
    String(x.weight),
    pct(x.expected),
    pct(x.actual),
    x.flag,
  ]);
  return { head, rows, right: [...(nodes ? [false] : []), false, false, true, true, true, false] };
}
