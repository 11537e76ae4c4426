// When a step's generator notes become a warning (controller/generator-notes.ts): by table.
import { describe, expect, it } from 'vitest';
import { warnGeneratorNotes } from '../../src/analysis/generator-notes.js';
import type { StepResult } from '../../src/result.js';

type Step = Parameters<typeof warnGeneratorNotes>[0];
const step = (verdict: StepResult['verdict'], p50FromWrite: number, notes?: string[], completed = 100): Step => ({
  verdict,
  completed,
  latencyUncorrectedMs: { p50: p50FromWrite } as StepResult['latencyUncorrectedMs'],
  generator: {
    sendLagP99Ms: 0, sendLagMaxMs: 0, eventLoopDelayP99Ms: 0, cpuPercent: 1, cpuUsPerRequest: 10,
    dropped: 0, peakInFlight: 100, workers: 1, limited: false, reasons: [], ...(notes ? { notes } : {}),
  },
});
const N = ['waited for connections'];

describe('warnGeneratorNotes', () => {
  it.each<[string, Step, Step[], boolean]>([
    ['service time unchanged (100 ms both): the queue was ours', step('fail', 100, N), [step('pass', 100)], true],
    ['within twice the lowest, plus 1 ms', step('fail', 2.9, N), [step('pass', 1), step('pass', 0.95)], true],
    ['service time 8× the lowest: the service was saturated', step('fail', 160, N), [step('pass', 20), step('pass', 22)], false],
    ['a passing step is never warned about', step('pass', 100, N), [step('pass', 100)], false],
    ['no notes, no warning', step('fail', 100), [step('pass', 100)], false],
    ['the first step, failing with notes: its own time is the baseline', step('inconclusive', 100, N), [], true],
    ['steps without responses do not set the baseline', step('fail', 100, N), [step('fail', 0, undefined, 0)], true],
    ['a step without responses is not warned about', step('fail', 0, N, 0), [step('pass', 100)], false],
  ])('%s', (_why, s, earlier, warned) => {
    expect(warnGeneratorNotes(s, earlier)).toBe(warned);
  });
});
