// SLO evaluation: pure judgement of metric maps, missing metrics, and windowed persistence.
import { describe, expect, it } from 'vitest';
import { evaluateSlos, evaluateWindows, holds, missingMetrics, unconfirmedBreaches } from '../../src/slo/evaluate.js';
import { parseSlo } from '../../src/slo/parse.js';

const rules = (...t: string[]) => t.map(parseSlo);

describe('holds', () => {
  it.each([
    [1, '<', 2, true],
    [2, '<', 2, false],
    [2, '<=', 2, true],
    [3, '<=', 2, false],
    [3, '>', 2, true],
    [2, '>', 2, false],
    [2, '>=', 2, true],
    [1, '>=', 2, false],
  ] as const)('%d %s %d → %s', (v, op, t, want) => expect(holds(v, op, t)).toBe(want));
});

describe('evaluateSlos', () => {
  const slo = rules('p99 < 250ms', 'error_rate < 1%', 'throughput > 98%', 'p99{buy} < 400ms');
  it.each([
    ['all met', { p99: 100, error_rate: 0, throughput: 1, 'p99{buy}': 300 }, []],
    ['boundary is a breach for strict <', { p99: 250, error_rate: 0, throughput: 1, 'p99{buy}': 1 }, ['p99 < 250ms']],
    ['several at once, in rule order', { p99: 300, error_rate: 0.02, throughput: 0.5, 'p99{buy}': 500 }, ['p99 < 250ms', 'error_rate < 1%', 'throughput > 98%', 'p99{buy} < 400ms']],
    ['missing metrics are not judged', { p99: 100 }, []],
    ['NaN counts as missing', { p99: NaN, error_rate: 0, throughput: 1 }, []],
    ['a zero is a measurement', { p99: 0, error_rate: 0, throughput: 0 }, ['throughput > 98%']],
  ])('%s', (_name, metrics, breached) => {
    expect(evaluateSlos(slo, metrics).map((b) => b.slo)).toEqual(breached);
  });

  it('reports the measured value and the threshold in base units', () => {
    expect(evaluateSlos(rules('error_rate < 1%'), { error_rate: 0.05 })).toEqual([
      { slo: 'error_rate < 1%', metric: 'error_rate', threshold: 0.01, value: 0.05 },
    ]);
  });
});

describe('missingMetrics', () => {
  it('lists each absent metric once, in rule order', () => {
    const r = rules('p99 < 1s', 'error_rate < 1%', 'p99 < 2s', 'control.p99 < 1s');
    expect(missingMetrics(r, { error_rate: 0 })).toEqual(['p99', 'control.p99']);
    expect(missingMetrics(r, { p99: 1, error_rate: 0, 'control.p99': 2 })).toEqual([]);
  });
});

describe('evaluateWindows: a breach must persist', () => {
  const r = rules('error_rate < 1%');
  const w = (...xs: Array<number | undefined>) => xs.map((x) => (x === undefined ? {} : { error_rate: x }));
  it.each([
    ['no breach', w(0, 0, 0), 2, null],
    ['one bad window is noise', w(0, 0.05, 0, 0.05), 2, null],
    ['two in a row breach', w(0, 0.05, 0.02, 0), 2, 0.05],
    ['worst of the run is reported', w(0.02, 0.09, 0.03), 3, 0.09],
    ['persist 1: any window', w(0, 0.02), 1, 0.02],
    ['persist 0 behaves as 1', w(0, 0.02), 0, 0.02],
    ['missing windows are skipped, not resets', w(0.02, undefined, 0.03), 2, 0.03],
    ['a passing window resets the run', w(0.02, 0, 0.03), 2, null],
    ['longer persist than windows never breaches', w(0.5, 0.5), 3, null],
    ['no windows', w(), 2, null],
  ])('%s', (_name, windows, persist, value) => {
    const b = evaluateWindows(r, windows, persist);
    if (value === null) expect(b).toEqual([]);
    else expect(b).toEqual([{ slo: 'error_rate < 1%', metric: 'error_rate', threshold: 0.01, value }]);
  });

  it.each([
    ['a breach in the last window, persist 2: unconfirmed', w(0, 0, 0.05), 2, [0.05, 1]],
    ['the last two of persist 3, worst reported', w(0, 0.02, 0.05), 3, [0.05, 2]],
    ['a run long enough is a breach, not unconfirmed', w(0, 0.05, 0.05), 2, null],
    ['a breach in the middle that ended is noise', w(0, 0.05, 0), 2, null],
    ['persist 1: never unconfirmed', w(0, 0.05), 1, null],
    ['no breach', w(0, 0), 2, null],
  ])('unconfirmedBreaches: %s', (_name, windows, persist, expected) => {
    const b = unconfirmedBreaches(r, windows, persist);
    if (expected === null) expect(b).toEqual([]);
    else expect(b.map((x) => [x.value, x.run])).toEqual([expected]);
  });

  it('judges > rules with the lowest value as worst', () => {
    const t = rules('throughput > 98%');
    expect(evaluateWindows(t, [{ throughput: 0.9 }, { throughput: 0.5 }], 2)).toEqual([
      { slo: 'throughput > 98%', metric: 'throughput', threshold: 0.98, value: 0.5 },
    ]);
  });

  it('judges every rule independently', () => {
    const t = rules('p99 < 100ms', 'error_rate < 1%');
    const windows = [{ p99: 200, error_rate: 0 }, { p99: 300, error_rate: 0.5 }, { p99: 50, error_rate: 0.5 }];
    expect(evaluateWindows(t, windows, 2).map((b) => [b.metric, b.value])).toEqual([
      ['p99', 300],
      ['error_rate', 0.5],
    ]);
  });
});
