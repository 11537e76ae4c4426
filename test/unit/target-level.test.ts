import { describe, expect, it } from 'vitest';
import { targetLevel, type GateTarget } from '../../src/analysis/capacity-change.js';

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
