// Abort rules during a step stop it only on a certain breach: not in the warm-up or the first second
// of the judged window, not on a handful of requests, and not on a rate the requests still in flight
// could undo (fast 503s finish before slow successes; a throughput read while answers are on their way).
import { describe, expect, it } from 'vitest';
import { certainBreaches, GRACE_MS, MIN_FINISHED } from '../../src/analysis/abort-rules.js';
import type { StepProgress } from '../../src/metrics/step-stats.js';
import { negateRule } from '../../src/slo/evaluate.js';
import { parseSlo } from '../../src/slo/parse.js';

// Abort rules are written as the condition that stops the run and stored negated (must hold).
const abort = (text: string) => negateRule(parseSlo(text));
const WARMUP = 1000;

function progress(over: Partial<StepProgress> & { counts?: StepProgress['counts'] }): StepProgress {
  return { elapsedMs: WARMUP + GRACE_MS + 500, phase: 'measure', metrics: {}, offeredRps: 100, achievedRps: 100, inFlight: 0, ...over };
}

describe('certainBreaches (abort rules during a step)', () => {
  const errors20 = abort('error_rate > 20%');
  const thr90 = abort('throughput < 90%');
  const slow = abort('p99 > 2s');
  it.each<[string, StepProgress, string[]]>([
    ['in the warm-up: never', progress({ phase: 'warmup', elapsedMs: 500, metrics: { error_rate: 1 } }), []],
    ['within the grace: never', progress({ elapsedMs: WARMUP + 200, metrics: { error_rate: 1 }, counts: { scheduled: 100, finished: 100, completed: 0, errors: 100, inFlight: 0 } }), []],
    ['on fewer than MIN_FINISHED finished: never', progress({ metrics: { error_rate: 1 }, counts: { scheduled: 40, finished: MIN_FINISHED - 1, completed: 0, errors: MIN_FINISHED - 1, inFlight: 0 } }), []],
    // 30 fast 503s have finished, 200 slow requests are still out: the step may end at 30/260 = 12%
    ['fast 503s before slow successes: not yet', progress({ metrics: { error_rate: 0.5 }, counts: { scheduled: 260, finished: 60, completed: 60, errors: 30, inFlight: 200 } }), []],
    ['errors the requests in flight cannot dilute: stop', progress({ metrics: { error_rate: 0.46 }, counts: { scheduled: 260, finished: 260, completed: 260, errors: 120, inFlight: 0 } }), ['error_rate > 20%']],
    // a slow service: 500 requests on their way, every finished one answered
    ['throughput while answers are on their way: not yet', progress({ metrics: { throughput: 1 }, counts: { scheduled: 600, finished: 100, completed: 100, errors: 0, inFlight: 500 } }), []],
    ['half the finished requests unanswered (timeouts): stop', progress({ metrics: { throughput: 0.5 }, counts: { scheduled: 400, finished: 400, completed: 200, errors: 200, inFlight: 0 } }), ['throughput < 90%']],
    ['latency on the judged window so far', progress({ metrics: { p99: 3000 }, counts: { scheduled: 400, finished: 400, completed: 400, errors: 0, inFlight: 0 } }), ['p99 > 2s']],
  ])('%s', (_name, p, stopped) => {
    expect(certainBreaches([errors20, thr90, slow], p, WARMUP, 'generate').map((b) => b.slo)).toEqual(stopped);
  });

  it('shift mode: the live figure, from the first sample (guards protect live traffic)', () => {
    expect(certainBreaches([errors20], progress({ phase: 'warmup', elapsedMs: 500, metrics: { error_rate: 0.5 } }), WARMUP, 'shift').map((b) => b.slo)).toEqual(['error_rate > 20%']);
  });
});
