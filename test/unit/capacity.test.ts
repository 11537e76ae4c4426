import { describe, expect, it } from 'vitest';
import { computeCapacity, type CapacityContext, type CapacityStep } from '../../src/analysis/capacity.js';
import type { StepVerdict } from '../../src/slo/slo.js';

const step = (level: number, verdict: StepVerdict, extra: Partial<CapacityStep> = {}): CapacityStep => ({
  level,
  load: level,
  verdict,
  breaches: verdict === 'fail' ? [{ slo: 'p99 < 250ms', metric: 'p99', threshold: 250, value: 400 }] : [],
  inconclusiveReasons: verdict === 'inconclusive' ? ['generator limited: send lag p99 48ms > 10ms'] : [],
  partial: false,
  ...extra,
});

const ctx = (c: Partial<CapacityContext> = {}): CapacityContext => ({ stopReason: 'slo-breach', levelUnit: 'rps', max: 5000, mode: 'generate', ...c });

describe('computeCapacity', () => {
  it('found: highest pass, lowest fail, resolution and the summary line', () => {
    const steps = [step(400, 'pass'), step(800, 'pass'), step(1200, 'fail'), step(1000, 'fail'), step(900, 'fail'), step(850, 'fail'), step(812, 'pass', { achievedRps: 809.3 })];
    // 812 → 850 is 4.7%; the line rounds to the nearest whole percent. The truth lies in [812, 850).
    const cap = computeCapacity(steps, ctx());
    expect(cap).toEqual({
      maxServableLoad: 812,
      level: 812,
      unit: 'rps',
      levelUnit: 'rps',
      limitedBy: ['p99 < 250ms'],
      resolution: (850 - 812) / 812,
      firstFailingLoad: 850,
      bracket: { low: 812, high: 850 },
      achievedRps: 809.3,
      verdict: 'found',
      summary: 'max servable load: 812 rps (850 failed: +5%), limited by p99 < 250ms',
    });
  });

  it('found: several breached SLOs are listed once each', () => {
    const fail = step(200, 'fail', {
      breaches: [
        { slo: 'p99 < 250ms', metric: 'p99', threshold: 250, value: 300 },
        { slo: 'error_rate < 1%', metric: 'error_rate', threshold: 0.01, value: 0.2 },
        { slo: 'p99 < 250ms', metric: 'p99', threshold: 250, value: 300 },
      ],
    });
    const cap = computeCapacity([step(100, 'pass'), fail], ctx());
    expect(cap.limitedBy).toEqual(['p99 < 250ms', 'error_rate < 1%']);
    expect(cap.summary).toBe('max servable load: 100 rps (200 failed: +100%), limited by p99 < 250ms, error_rate < 1%');
  });

  it('above-max: every step passed', () => {
    const cap = computeCapacity([step(1000, 'pass'), step(5000, 'pass')], ctx({ stopReason: 'max-reached' }));
    expect(cap.verdict).toBe('above-max');
    expect(cap.maxServableLoad).toBe(5000);
    expect(cap.resolution).toBeNull();
    expect(cap.firstFailingLoad).toBeNull();
    expect(cap.summary).toBe("max servable load: ≥ 5000 rps (every step up to the plan's max passed)");
  });

  it.each<[string, CapacityStep[], string]>([
    [
      'every level too close to call up to max: no answer, not "unknown"',
      [step(20, 'inconclusive', { inconclusiveKind: 'undecided', inconclusiveReasons: ['error_rate < 1%: 79 requests are too few to show it met'] }), step(40, 'inconclusive', { inconclusiveKind: 'undecided', inconclusiveReasons: ['error_rate < 1%: 165 requests are too few to show it met'] })],
      'no trustworthy answer: at 20 rps the SLOs were too close to call (error_rate < 1%: 79 requests are too few to show it met): use longer steps (load.step_duration), or a coarser load.refine',
    ],
    [
      'the top level too close to call: not "every step up to the plan\'s max passed"',
      [step(1000, 'pass'), step(5000, 'inconclusive', { inconclusiveKind: 'undecided', inconclusiveReasons: ['p99 < 250ms: too close to call'] })],
      'no trustworthy answer: at 5000 rps the SLOs were too close to call (p99 < 250ms: too close to call): use longer steps (load.step_duration), or a coarser load.refine; at least 1000 rps passed',
    ],
    [
      'the top level spoilt (the generator)',
      [step(1000, 'pass'), step(5000, 'inconclusive')],
      'no trustworthy answer: the load generator, not the service, was the limit at 5000 rps (generator limited: send lag p99 48ms > 10ms): run loadtest on a bigger or less busy machine, raise traffic.workers or traffic.connections, or lower load.max; at least 1000 rps passed',
    ],
  ])('max reached, inconclusive above the last pass: %s', (_name, steps, summary) => {
    const cap = computeCapacity(steps, ctx({ stopReason: 'max-reached' }));
    expect(cap.verdict).toBe('inconclusive');
    expect(cap.summary).toBe(summary);
  });

  it('max reached: a level inconclusive once and then passing (or below a higher pass) leaves the answer above-max', () => {
    const steps = [step(1000, 'inconclusive'), step(1000, 'pass'), step(3000, 'inconclusive', { inconclusiveKind: 'undecided' }), step(5000, 'pass')];
    expect(computeCapacity(steps, ctx({ stopReason: 'max-reached' })).verdict).toBe('above-max');
  });

  it('below-start: the first step failed', () => {
    const cap = computeCapacity([step(100, 'fail')], ctx());
    expect(cap.verdict).toBe('below-start');
    expect(cap.maxServableLoad).toBeNull();
    expect(cap.firstFailingLoad).toBe(100);
    expect(cap.summary).toBe('max servable load: < 100 rps (the first step already breached p99 < 250ms; lower load.start)');
  });

  it.each<[string, CapacityStep[], RegExp]>([
    [
      'the lower level too close to call, a higher one failed: no answer, the fail is only a ceiling',
      [step(50, 'inconclusive', { inconclusiveKind: 'undecided', inconclusiveReasons: ['p99 < 250ms: 300 requests are too few to show it met'] }), step(75, 'fail')],
      /^no trustworthy answer: at 50 rps the SLOs were too close to call \(p99 < 250ms: 300 requests are too few to show it met\): use longer steps \(load.step_duration\), or a coarser load.refine; 75 rps failed \(p99 < 250ms\)$/,
    ],
    [
      'the lower level spoilt by the generator, a higher one failed',
      [step(50, 'inconclusive', { inconclusiveKind: 'limited' }), step(75, 'fail'), step(60, 'fail')],
      /^no trustworthy answer: the load generator, not the service, was the limit at 50 rps .*; 60 rps failed \(p99 < 250ms\)$/,
    ],
  ])('no pass, a fail above an inconclusive level is not below-start: %s', (_name, steps, summary) => {
    for (const stopReason of ['slo-breach', 'inconclusive'] as const) {
      const cap = computeCapacity(steps, ctx({ stopReason }));
      expect(cap.verdict).toBe('inconclusive');
      expect(cap.maxServableLoad).toBeNull();
      expect(cap.bracket).toEqual({ low: null, high: steps.filter((s) => s.verdict === 'fail').reduce((a, s) => Math.min(a, s.load), Infinity) });
      expect(cap.summary).toMatch(summary);
    }
  });

  it('below-start still when the inconclusive level lies above the lowest fail', () => {
    const cap = computeCapacity([step(100, 'fail'), step(150, 'inconclusive'), step(200, 'fail')], ctx());
    expect(cap.verdict).toBe('below-start');
  });

  it('inconclusive: names the generator as the limit, what to do, and the floor that passed', () => {
    const cap = computeCapacity([step(1000, 'pass'), step(2000, 'inconclusive')], ctx({ stopReason: 'inconclusive' }));
    expect(cap.verdict).toBe('inconclusive');
    expect(cap.maxServableLoad).toBe(1000);
    expect(cap.summary).toBe(
      'no trustworthy answer: the load generator, not the service, was the limit at 2000 rps (generator limited: send lag p99 48ms > 10ms): ' +
        'run loadtest on a bigger or less busy machine, raise traffic.workers or traffic.connections, or lower load.max; at least 1000 rps passed',
    );
  });

  it.each<[string, CapacityStep[], RegExp]>([
    [
      'a limited step above an undecided one: the limited one is named',
      [
        step(10, 'pass'),
        step(20, 'inconclusive', { inconclusiveKind: 'undecided', inconclusiveReasons: ['p99 < 200ms: 300 requests are too few to show it met'] }),
        step(40, 'inconclusive', { inconclusiveKind: 'limited' }),
      ],
      /^no trustworthy answer: the load generator, not the service, was the limit at 40 rps \(generator limited: send lag p99 48ms > 10ms\): run loadtest on a bigger .*; at least 10 rps passed$/,
    ],
    [
      'only undecided steps: too close to call, longer steps',
      [step(10, 'pass'), step(20, 'inconclusive', { inconclusiveKind: 'undecided', inconclusiveReasons: ['p99 < 200ms: 300 requests are too few to show it met'] })],
      /^no trustworthy answer: at 20 rps the SLOs were too close to call \(p99 < 200ms: 300 requests are too few to show it met\): use longer steps \(load.step_duration\), or a coarser load.refine; at least 10 rps passed$/,
    ],
    [
      'spoilt, not by the generator: the step and its reasons, no blame on the machine',
      [step(10, 'pass'), step(20, 'inconclusive', { inconclusiveKind: 'limited', inconclusiveReasons: ['not measured: p99{read}'] })],
      /^no trustworthy answer: the step at 20 rps could not be judged \(not measured: p99\{read\}\): see its reasons; a re-run, or longer steps, may decide it; at least 10 rps passed$/,
    ],
  ])('inconclusive summary: %s', (_name, steps, summary) => {
    expect(computeCapacity(steps, ctx({ stopReason: 'inconclusive' })).summary).toMatch(summary);
  });

  it('inconclusive during refinement keeps the bracket found so far', () => {
    const cap = computeCapacity([step(400, 'pass'), step(800, 'fail'), step(600, 'inconclusive')], ctx({ stopReason: 'inconclusive' }));
    expect(cap.verdict).toBe('found');
    expect(cap.resolution).toBe(1);
  });

  it('shift mode: live metrics are the limit; the level is shown as a share', () => {
    const steps = [step(1, 'pass', { load: 120 }), step(1.5, 'fail', { load: 170 })];
    expect(computeCapacity(steps, ctx({ levelUnit: 'share', mode: 'shift' })).summary).toBe(
      'max servable load: 120 rps (1x fair share) (170 failed: +42%), limited by p99 < 250ms',
    );
    const thin = computeCapacity([step(1, 'inconclusive', { inconclusiveReasons: ['3 of 4 windows had fewer than 50 samples'] })], ctx({ stopReason: 'inconclusive', levelUnit: 'share', mode: 'shift' }));
    expect(thin.summary).toMatch(/^no trustworthy answer: the live metrics could not judge .*3 of 4 windows/);
  });

  it.each<[string, CapacityStep[], CapacityContext['stopReason'], string]>([
    ['interrupted before any step', [], 'interrupted', 'max servable load: unknown (the run was interrupted before any step had a verdict)'],
    ['interrupted after passes', [step(100, 'pass'), step(200, 'inconclusive', { partial: true })], 'interrupted', 'max servable load: unknown (the run was interrupted; at least 100 rps passed)'],
    ['failed at runtime', [step(100, 'pass')], 'error', 'max servable load: unknown (the run failed; at least 100 rps passed)'],
  ])('unknown: %s', (_name, steps, stopReason, summary) => {
    const cap = computeCapacity(steps, ctx({ stopReason }));
    expect(cap.verdict).toBe('unknown');
    expect(cap.summary).toBe(summary);
  });

  it('an abort rule tripping mid-ramp brackets the capacity like a failure', () => {
    const abort = step(300, 'fail', { partial: true, breaches: [{ slo: 'error_rate > 50%', metric: 'error_rate', threshold: 0.5, value: 0.9 }] });
    const cap = computeCapacity([step(100, 'pass'), step(200, 'pass'), abort], ctx({ stopReason: 'abort-rule' }));
    expect(cap.verdict).toBe('found');
    expect(cap.limitedBy).toEqual(['error_rate > 50%']);
    expect(cap.maxServableLoad).toBe(200);
  });
});
