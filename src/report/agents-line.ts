// One line on where a distributed run's load came from (`run --agents`): the agents, the worst
// start skew and clock error bound over its steps, and the steps an agent was missing from or
// limited in. Undefined for a run from one machine. Pure.
import type { RunResult } from '../result.js';

interface AgentsHealth {
  agents?: Array<{ id: string; missing?: string; health?: { limited: boolean } }>;
  startSkewMs?: number;
  clockErrorMs?: number;
}

export function agentsLine(result: RunResult): string | undefined {
  const ids = new Set<string>();
  const missing = new Map<string, number>();
  const limited = new Map<string, number>();
  let skew = -Infinity;
  let clock = -Infinity;
  for (const s of result.steps) {
    const g = s.generator as (typeof s.generator & AgentsHealth) | undefined;
    if (!g?.agents) continue;
    for (const a of g.agents) {
      ids.add(a.id);
      if (a.missing !== undefined) missing.set(a.id, (missing.get(a.id) ?? 0) + 1);
      else if (a.health?.limited) limited.set(a.id, (limited.get(a.id) ?? 0) + 1);
    }
    if (g.startSkewMs !== undefined) skew = Math.max(skew, g.startSkewMs);
    if (g.clockErrorMs !== undefined) clock = Math.max(clock, g.clockErrorMs);
  }
  if (ids.size === 0) return undefined;
  const steps = (n: number) => `${n} step${n === 1 ? '' : 's'}`;
  const parts = [`load from ${ids.size} agent${ids.size === 1 ? '' : 's'} (${[...ids].join(', ')})`];
  if (skew > -Infinity) parts.push(`start skew ≤ ${skew.toFixed(1)}ms, clock error ≤ ${clock.toFixed(1)}ms`);
  for (const [id, n] of missing) parts.push(`agent ${id} missing from ${steps(n)}`);
  for (const [id, n] of limited) parts.push(`agent ${id} limited in ${steps(n)}`);
  return parts.join('; ');
}
