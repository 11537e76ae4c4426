import { describe, expect, it } from 'vitest';
import { agentsLine } from '../../src/report/agents-line.js';
import type { RunResult } from '../../src/result.js';

const step = (generator: unknown) => ({ generator }) as unknown as RunResult['steps'][number];
const run = (...steps: ReturnType<typeof step>[]) => ({ steps }) as unknown as RunResult;
const ok = { limited: false };

describe('agentsLine', () => {
  it('is undefined for a run from one machine', () => {
    expect(agentsLine(run(step({ limited: false }), step(undefined)))).toBeUndefined();
  });

  it('names the agents, the worst skew and clock error, and the steps an agent was missing from or limited in', () => {
    const r = run(
      step({ agents: [{ id: 'a', health: ok }, { id: 'b', health: ok }], startSkewMs: 0.4, clockErrorMs: 1.8 }),
      step({ agents: [{ id: 'a', health: { limited: true } }, { id: 'b', missing: 'connection reset' }], startSkewMs: 2.25, clockErrorMs: 0.3 }),
      step({ agents: [{ id: 'a', health: ok }], startSkewMs: 0, clockErrorMs: 0.2 }),
    );
    expect(agentsLine(r)).toBe('load from 2 agents (a, b); start skew ≤ 2.3ms, clock error ≤ 1.8ms; agent b missing from 1 step; agent a limited in 1 step');
  });
});
