// `loadtest plan`: the ramp as lines — every step of a short ramp, a long one folded in the middle.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPlan } from '../../src/cli/commands/plan.js';
import { shortStepNote } from '../../src/controller/step-plan.js';
import { loadScenario } from '../../src/scenario/load-scenario.js';

const minimal = join(import.meta.dirname, '../fixtures/valid/minimal.yaml');
const plan = async (max: number) => renderPlan(await loadScenario(minimal, { env: {}, overrides: [`load.max=${max}`] }));

describe('renderPlan', () => {
  it('a 50-step ramp: the first four steps, how many are folded, the last three', async () => {
    const lines = await plan(500);
    expect(lines.slice(1, 10)).toEqual([
      'ramp (50 steps, +10 from 10 to 500 rps):',
      // 10 rps is stretched to hold the 440 requests `p99 < 100ms` needs to be shown met
      '  step  1   10 rps   ends at 49s  (49s step)',
      '  step  2   20 rps   ends at 1m19s',
      '  step  3   30 rps   ends at 1m49s',
      '  step  4   40 rps   ends at 2m19s',
      '  … 43 more steps …',
      '  step 48  480 rps   ends at 24m19s',
      '  step 49  490 rps   ends at 24m49s',
      '  step 50  500 rps   ends at 25m19s',
    ]);
    expect(lines[10]).toMatch(/^refine: /);
  });

  it('up to 12 steps: every one', async () => {
    expect((await plan(120)).filter((l) => l.startsWith('  step '))).toHaveLength(12);
    expect((await plan(130)).filter((l) => l.startsWith('  step '))).toHaveLength(7);
  });
});

describe('shortStepNote: a judged window too short to see a limit that builds up slowly', () => {
  it.each<[string, number, number, boolean]>([
    ['the default 30 s, 5 s warm-up (25 s judged)', 30_000, 5_000, false],
    ['10 s, 2 s warm-up (8 s judged)', 10_000, 2_000, true],
    ['11 s, 1 s warm-up (10 s judged)', 11_000, 1_000, false],
    ['5 s, 1 s warm-up (4 s judged)', 5_000, 1_000, true],
  ])('%s → %s', (_name, stepDurationMs, warmupMs, noted) => {
    const note = shortStepNote({ stepDurationMs, warmupMs });
    if (noted) expect(note).toMatch(/^step length: each step is judged on \d+s: a limit that builds up over seconds .* can pass/);
    else expect(note).toBeUndefined();
  });

  it('plan says it for a 5 s step, and not for the default', async () => {
    const short = renderPlan(await loadScenario(minimal, { env: {}, overrides: ['load.step_duration=5s', 'load.warmup=1s'] }));
    expect(short).toContain(shortStepNote({ stepDurationMs: 5_000, warmupMs: 1_000 }));
    const long = renderPlan(await loadScenario(minimal, { env: {}, overrides: ['load.step_duration=30s', 'load.warmup=5s'] }));
    expect(long.filter((l) => l.includes('builds up over seconds'))).toEqual([]);
  });
});
