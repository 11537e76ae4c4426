import { describe, expect, it } from 'vitest';
import { judgeCapacityChange, targetLevel, type CapacityBracket, type CapacityChangeOutcome, type GateTarget } from '../../src/analysis/capacity-change.js';

describe('targetLevel: a gate target as a level a plan can run, rounded toward the side that decides', () => {
  it.each<[string, GateTarget, 'rps' | 'share' | undefined, number]>([
    ['a fail must be at or below 352.8: 352', { level: 352.8, decides: 'fail-at-or-below' }, undefined, 352],
    ['a pass must be at or above 368.1: 369', { level: 368.1, decides: 'pass-at-or-above' }, undefined, 369],
    ['a whole level stays (float noise ignored)', { level: 0.9 * 400, decides: 'fail-at-or-below' }, undefined, 360],
    ['a whole level stays, pass side', { level: 0.9 * 400, decides: 'pass-at-or-above' }, 'rps', 360],
    ['below 10 rps: tenths, down', { level: 7.36, decides: 'fail-at-or-below' }, 'rps', 7.3],
    ['below 10 rps: tenths, up', { level: 7.31, decides: 'pass-at-or-above' }, 'rps', 7.4],
    ['shares: hundredths, down', { level: 1.357, decides: 'fail-at-or-below' }, 'share', 1.35],
    ['shares: hundredths, up', { level: 1.351, decides: 'pass-at-or-above' }, 'share', 1.36],
  ])('%s', (_name, t, unit, expected) => {
    expect(targetLevel(t, unit)).toBe(expected);
  });
});

describe('judgeCapacityChange at the boundary: the current truth lies strictly below its failing level', () => {
  it.each<[string, CapacityBracket, CapacityBracket, CapacityChangeOutcome]>([
    // 1 − 360/400 is 0.09999999999999998 in floating point: still a drop beyond 10%.
    ['a fail at exactly 0.9 × the baseline pass regresses', { low: 400, high: 416 }, { low: 340, high: 360 }, 'regressed'],
    ['a fail at 0.9 × 140 = 126 regresses', { low: 140, high: 150 }, { low: 110, high: 126 }, 'regressed'],
    ['a fail one level above it does not', { low: 400, high: 416 }, { low: 340, high: 361 }, 'inconclusive'],
    ['a pass at exactly 0.9 × the baseline fail is within', { low: 400, high: 416 }, { low: 374.4, high: 390 }, 'pass'],
  ])('%s', (_name, base, cur, outcome) => {
    expect(judgeCapacityChange(base, cur, 0.1).outcome).toBe(outcome);
  });
});
