// mode: ordered — log times (per format), the trace built from them, and its schedule: the log's
// times scaled to the step's rate, looping, split across threads without gaps or repeats.
import { describe, expect, it } from 'vitest';
import { jsonTime, logTime, parseCombined, parseHaproxy, parseJsonLine } from '../../src/workload/replay/log-formats.js';
import { buildTrace, TracePacer } from '../../src/workload/replay/trace-pacer.js';

describe('log times', () => {
  it.each([
    ['10/Oct/2025:13:55:36 +0000', Date.UTC(2025, 9, 10, 13, 55, 36), 1000],
    ['10/Oct/2025:15:55:36 +0200', Date.UTC(2025, 9, 10, 13, 55, 36), 1000],
    ['10/Oct/2025:08:25:36 -0530', Date.UTC(2025, 9, 10, 13, 55, 36), 1000],
    ['06/Feb/2009:12:14:14.655', Date.UTC(2009, 1, 6, 12, 14, 14, 655), 1],
    ['31/Foo/2025:13:55:36 +0000', undefined, undefined],
    ['2025-10-10 13:55:36', undefined, undefined],
  ])('logTime(%s)', (text, ms, resolutionMs) => {
    expect(logTime(text)).toEqual(ms === undefined ? undefined : { ms, resolutionMs });
  });

  it.each([
    [1760104536, 1760104536000, 1000],
    [1760104536.123, 1760104536123, 1],
    [1760104536123, 1760104536123, 1],
    ['1760104536.500', 1760104536500, 1],
    ['2025-10-10T13:55:36Z', Date.UTC(2025, 9, 10, 13, 55, 36), 1000],
    ['2025-10-10T13:55:36.250+00:00', Date.UTC(2025, 9, 10, 13, 55, 36, 250), 1],
    ['2025-10-10 13:55:36.250Z', Date.UTC(2025, 9, 10, 13, 55, 36, 250), 1],
    ['10/Oct/2025:13:55:36 +0000', Date.UTC(2025, 9, 10, 13, 55, 36), 1000],
    ['yesterday', undefined, undefined],
    [-5, undefined, undefined],
    [null, undefined, undefined],
  ])('jsonTime(%s)', (v, ms, resolutionMs) => {
    const t = jsonTime(v);
    if (ms === undefined) expect(t).toBeUndefined();
    else {
      expect(t!.ms).toBeCloseTo(ms, 0);
      expect(t!.resolutionMs).toBe(resolutionMs);
    }
  });

  it('each format gives its line a time when asked', () => {
    const c = parseCombined('10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /a HTTP/1.1" 200 1', true);
    expect(c).toEqual({ kind: 'request', method: 'GET', target: '/a', timeMs: Date.UTC(2025, 9, 10, 13, 55, 36), resolutionMs: 1000 });
    // HAProxy: the accept date (when the request arrived), to the millisecond.
    const h = parseHaproxy('10.0.1.2:33317 [06/Feb/2009:12:14:14.655] fe be/s1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET /h HTTP/1.1"', true);
    expect(h).toMatchObject({ kind: 'request', timeMs: Date.UTC(2009, 1, 6, 12, 14, 14, 655), resolutionMs: 1 });
    expect(parseJsonLine('{"@timestamp":"2025-10-10T13:55:36.5Z","url":"/j"}', true)).toMatchObject({ timeMs: Date.UTC(2025, 9, 10, 13, 55, 36, 500), resolutionMs: 1 });
    expect(parseJsonLine('{"url":"/j"}', true)).toEqual({ kind: 'skip', why: 'no time this format can read (mode: ordered needs one)' });
    expect(parseJsonLine('{"url":"/j"}', false)).toEqual({ kind: 'request', method: 'GET', target: '/j' });
  });
});

describe('buildTrace', () => {
  it('millisecond times: sorted, kept exact; span = first to last + 1 ms', () => {
    const t = buildTrace([0, 1, 2, 1], [1000, 1003, 999, 1010], 1);
    expect(Array.from(t.index)).toEqual([2, 0, 1, 1]);
    expect(Array.from(t.atMs)).toEqual([0, 1, 4, 11]);
    expect(t.spanMs).toBe(12);
    expect(t.recordedRps).toBeCloseTo(4000 / 12, 9);
  });

  it('second times: each second\'s requests spread evenly over it, in log order', () => {
    const t = buildTrace([5, 6, 7, 8], [2000, 2000, 2000, 4000], 1000);
    expect(Array.from(t.index)).toEqual([5, 6, 7, 8]);
    expect(Array.from(t.atMs)).toEqual([0, 1000 / 3, 2000 / 3, 2000]);
    expect(t).toMatchObject({ spanMs: 3000, recordedRps: 4 / 3, resolutionMs: 1000 });
  });

  it('one line', () => {
    expect(buildTrace([0], [5], 1000)).toMatchObject({ spanMs: 1000, recordedRps: 1 });
  });
});

describe('TracePacer', () => {
  const trace = buildTrace([0, 1, 2, 3], [0, 100, 200, 300], 1); // 4 entries over 301 ms
  const run = (p: TracePacer, n: number) => Array.from({ length: n }, () => {
    const x = [p.nextAt, p.request] as const;
    p.advance();
    return x;
  });

  it('at the recorded rate: the log\'s own times, then the next loop one span later', () => {
    const p = new TracePacer(trace, trace.recordedRps);
    expect(run(p, 6)).toEqual([[0, 0], [100, 1], [200, 2], [300, 3], [301, 0], [401, 1]]);
  });

  it('twice the recorded rate: half the times', () => {
    const p = new TracePacer(trace, trace.recordedRps * 2);
    expect(run(p, 5).map(([t, r]) => [+t.toFixed(6), r])).toEqual([[0, 0], [50, 1], [100, 2], [150, 3], [150.5, 0]]);
  });

  it('threads: interleaved entries whose union is the single-thread schedule', () => {
    const rate = trace.recordedRps * 3;
    const one = run(new TracePacer(trace, rate), 12);
    const parts = [0, 1, 2].flatMap((k) => run(new TracePacer(trace, rate, k, 3), 4));
    const sort = (xs: Array<readonly [number, number]>) => [...xs].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(sort(parts)).toEqual(sort(one));
  });

  it('rate 0: nothing to send', () => {
    expect(new TracePacer(trace, 0).nextAt).toBe(Infinity);
  });
});
