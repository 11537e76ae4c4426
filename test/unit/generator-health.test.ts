import { describe, expect, it } from 'vitest';
import { connectionNote, DEFAULT_HEALTH_THRESHOLDS, judgeGeneratorHealth, type HealthMeasured } from '../../src/analysis/generator-health.js';

const healthy: HealthMeasured = {
  askedRps: 1000,
  offeredRps: 1000,
  sendLagP99Ms: 1.2,
  sendLagMaxMs: 4,
  eventLoopDelayP99Ms: 2,
  cpuPercent: 15,
  workers: 1,
  connections: 50,
  dropped: 0,
  sent: 10_000,
};

describe('judgeGeneratorHealth', () => {
  it.each<[string, Partial<HealthMeasured>, boolean, RegExp[]]>([
    ['healthy', {}, false, []],
    ['send lag p99 just at the threshold', { sendLagP99Ms: 10 }, false, []],
    ['send lag p99 over', { sendLagP99Ms: 48, sendLagMaxMs: 120, cpuPercent: 99 }, true, [/send lag p99 48\.0ms > 10ms \(max 120ms\)/, /add workers/]],
    ['event loop delay over', { eventLoopDelayP99Ms: 35 }, true, [/event-loop delay p99 35\.0ms > 20ms/]],
    // The schedule is judged as drawn: a Poisson draw 3% under the nominal rate is chance, not a limit.
    ['a Poisson draw 3% under the asked rate is not a limit', { offeredRps: 970 }, false, []],
    ['a saturated thread', { cpuPercent: 95 }, true, [/generator thread saturated: CPU 95% of a core per thread \(≥ 90%\)/]],
    ['two threads at 170% are not saturated', { cpuPercent: 170, workers: 2 }, false, []],
    ['its own backlog: queued for connections while late', { sendLagP99Ms: 4, peakInFlight: 400 }, true, [/generator backlog: up to 400 requests waited inside it for 50 connections while its sends ran late \(send lag p99 4\.00ms > 3ms\)/]],
    ['its own backlog: the service held a few of the connections', { sendLagP99Ms: 4, peakInFlight: 400, serviceConcurrency: 39 }, true, [/generator backlog: up to 400 requests/]],
    // HAProxy maxconn 8 at 475 r/s, for real: 474 waiting for 64 connections the service held (≈ 58 on average).
    ['queued for connections the service held, a little late: the service’s queue', { sendLagP99Ms: 3.9, peakInFlight: 474, connections: 64, serviceConcurrency: 58 }, false, []],
    ['the service held 80% of them', { sendLagP99Ms: 4, peakInFlight: 400, serviceConcurrency: 40 }, false, []],
    ['the service held them, but the generator was very late: rule 1', { sendLagP99Ms: 12, peakInFlight: 400, serviceConcurrency: 50 }, true, [/send lag p99 12\.0ms > 10ms/]],
    ['its own backlog: drops while late', { sendLagP99Ms: 4, dropped: 7 }, true, [/7 sends were dropped at its in-flight cap/]],
    ['queued for connections while on time: the service’s queue', { sendLagP99Ms: 0.4, peakInFlight: 400 }, false, []],
    // Drops while the loop is healthy: the slow service filled the cap; that is its fault, not ours.
    ['drops with a healthy loop are the service', { dropped: 5000 }, false, []],
    ['drops with an overloaded loop are ours', { dropped: 50, sendLagP99Ms: 30 }, true, [/send lag/, /50 sends dropped at the in-flight cap/]],
    ['busy machine, idle generator', { sendLagP99Ms: 30, cpuPercent: 20 }, true, [/generator CPU 20% of one core, so the machine is busy with other work/]],
  ])('%s', (_name, over, limited, patterns) => {
    const v = judgeGeneratorHealth({ ...healthy, ...over });
    expect(v.limited).toBe(limited);
    if (!limited) expect(v.reasons).toEqual([]);
    for (const p of patterns) expect(v.reasons.some((r) => p.test(r))).toBe(true);
  });

  it('takes custom thresholds', () => {
    expect(judgeGeneratorHealth({ ...healthy, sendLagP99Ms: 5 }, { sendLagP99Ms: 2 }).limited).toBe(true);
    expect(judgeGeneratorHealth({ ...healthy, eventLoopDelayP99Ms: 25 }, { eventLoopDelayP99Ms: 50 }).limited).toBe(false);
  });

  it('documents its defaults', () => {
    expect(DEFAULT_HEALTH_THRESHOLDS).toEqual({ sendLagP99Ms: 10, eventLoopDelayP99Ms: 20, saturatedCpuPercent: 90, backlogLagP99Ms: 3 });
  });
});

describe('connectionNote', () => {
  it.each([
    [{ peakInFlight: 64, connections: 64, workers: 1 }, false],
    [{ peakInFlight: 65, connections: 64, workers: 1 }, true],
    [{ peakInFlight: 100, connections: 64, workers: 2 }, false],
    [{ peakInFlight: 129, connections: 64, workers: 2 }, true],
    [{ peakInFlight: 0, connections: 1, workers: 1 }, false],
  ])('%j → note: %s', (m, noted) => {
    expect(connectionNote(m) !== undefined).toBe(noted);
  });

  it('names the counts and the way out', () => {
    expect(connectionNote({ peakInFlight: 412, connections: 64, workers: 1 })).toBe(
      'up to 412 requests were in flight over 64 connections: the rest waited in the generator for a free one, and that wait is in their corrected latency; if the service can take more requests at once, raise traffic.connections (needed ≈ rate × latency) and rerun',
    );
  });
});
