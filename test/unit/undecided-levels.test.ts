import { describe, expect, it } from 'vitest';
import { adviceToDecide, undecidedLevels, type UndecidedStep } from '../../src/analysis/undecided-levels.js';
import { computeCapacity, type CapacityContext, type CapacityStep } from '../../src/analysis/capacity.js';
import type { StepVerdict } from '../../src/slo/slo.js';

type S = UndecidedStep & CapacityStep;
let next = 0;
const step = (level: number, verdict: StepVerdict, extra: Partial<S> = {}): S => ({
  index: next++,
  level,
  load: level,
  verdict,
  durationMs: 3000,
  breaches: verdict === 'fail' ? [{ slo: 'p99 < 100ms', metric: 'p99', threshold: 100, value: 150 }] : [],
  inconclusiveReasons: verdict === 'inconclusive' ? ['p99 < 100ms: 1100 requests are too few to show it met'] : [],
  partial: false,
  ...(verdict === 'inconclusive' ? { inconclusiveKind: 'undecided' as const } : {}),
  ...extra,
});
const undecided = (level: number, samplesNeeded: number, extra: Partial<S> = {}): S => step(level, 'inconclusive', { samplesNeeded, ...extra });
const plan = { stepDurationMs: 4000, warmupMs: 1000 };

describe('undecidedLevels: the levels strictly inside a bracket whose last step was too close to call', () => {
  const table: Array<[string, S[], number | null, number | null, number[]]> = [
    ['inside the bracket, ascending', [step(350, 'pass'), undecided(388, 9000), undecided(363, 9000), step(400, 'fail')], 350, 400, [363, 388]],
    ['a level re-run to a pass is not undecided', [undecided(363, 9000), step(363, 'pass')], 350, 400, []],
    ['a level re-run and still undecided counts once', [undecided(363, 9000), undecided(363, 20000)], 350, 400, [363]],
    ['spoilt evidence is not "too close to call"', [step(363, 'inconclusive', { inconclusiveKind: 'limited' })], 350, 400, []],
    ['a step cut short is not either', [undecided(363, 9000, { partial: true })], 350, 400, []],
    ['outside the bracket: not inside it', [undecided(300, 9000), undecided(420, 9000)], 350, 400, []],
    ['unbounded ends take every level', [undecided(300, 9000), undecided(420, 9000)], null, null, [300, 420]],
  ];
  it.each(table)('%s', (_name, steps, low, high, want) => {
    expect(undecidedLevels(steps, low, high).map((s) => s.level)).toEqual(want);
  });
});

describe('adviceToDecide: the step length whose judged window holds the requests a level needs', () => {
  it('one 3 s judged window at 325 rps needing 14839 requests: ≈ 46 s, a 70 s step (1.5× room, 1 s warm-up)', () => {
    const s = undecided(325, 14839);
    expect(adviceToDecide(s, [s], plan)).toEqual({ load: 325, requests: 14839, seconds: 14839 / 325, judgedSeconds: 3, stepDurationS: 70 });
  });
  it('re-runs pooled with it count as judged time', () => {
    const a = undecided(325, 9000);
    const b = undecided(325, 14839, { pooledWith: [a.index], durationMs: 6000 });
    expect(adviceToDecide(b, [a, b], plan)?.judgedSeconds).toBe(9);
  });
  it('nothing when the plan already holds them, or without an estimate', () => {
    expect(adviceToDecide(undecided(325, 500), [], plan)).toBeUndefined();
    expect(adviceToDecide(step(325, 'inconclusive'), [], plan)).toBeUndefined();
    expect(adviceToDecide(undecided(325, Infinity), [], plan)).toBeUndefined();
  });
});

describe('computeCapacity: a found capacity names the levels left too close to call', () => {
  const ctx = (c: Partial<CapacityContext> = {}): CapacityContext => ({ stopReason: 'slo-breach', levelUnit: 'rps', max: 2000, mode: 'generate', steps: plan, ...c });
  const run = (): S[] => [step(300, 'pass'), step(400, 'fail'), step(350, 'pass'), undecided(375, 41456), undecided(363, 34277), undecided(388, 60000)];

  it('the loads, the bracket they leave open, and what would decide the lowest', () => {
    const cap = computeCapacity(run(), ctx());
    expect(cap.maxServableLoad).toBe(350);
    expect(cap.summary).toBe('max servable load: 350 rps (400 failed: +14%), limited by p99 < 100ms');
    expect(cap.undecided).toEqual({
      loads: [363, 375, 388],
      note:
        '363–388 rps (3 levels) were too close to call, so the capacity may lie anywhere in [350, 400) rps: deciding 363 rps takes ≈ 34277 requests ' +
        '(≈ 94 s at that rate; it was judged on 3 s), which a load.step_duration of about 143s would give it',
      decideWith: { load: 363, requests: 34277, stepDurationS: 143 },
    });
  });
  it('one or two levels are named', () => {
    expect(computeCapacity([step(350, 'pass'), undecided(363, 34277), step(400, 'fail')], ctx()).undecided?.note).toMatch(/^363 rps was too close to call, so the capacity may lie anywhere in \[350, 400\) rps: deciding 363 rps/);
    expect(computeCapacity([step(350, 'pass'), undecided(363, 34277), undecided(388, 9), step(400, 'fail')], ctx()).undecided?.note).toMatch(/^363 and 388 rps were too close/);
  });
  it('without the plan, or with sessions (the count is of requests, the levels of sessions): no step length', () => {
    expect(computeCapacity(run(), ctx({ steps: undefined })).undecided?.note).toMatch(/: longer steps \(load\.step_duration\) would decide them$/);
    const s = computeCapacity(run(), ctx({ sessions: true })).undecided;
    expect(s?.note).toMatch(/^363–388 sessions\/s \(3 levels\) were too close to call, so the capacity may lie anywhere in \[350, 400\) sessions\/s: longer steps/);
    expect(s?.decideWith).toBeUndefined();
  });
  it('absent when nothing in the bracket was undecided, when nothing failed, and in shift mode', () => {
    expect(computeCapacity([step(350, 'pass'), undecided(300, 9000), step(400, 'fail')], ctx()).undecided).toBeUndefined();
    expect(computeCapacity([step(350, 'pass'), undecided(363, 9000)], ctx({ stopReason: 'max-reached' })).undecided).toBeUndefined();
    expect(computeCapacity(run(), ctx({ mode: 'shift' })).undecided).toBeUndefined();
  });
});
