import { describe, expect, it } from 'vitest';
import type { GroupSample, GroupSnapshot } from '../../src/metrics/samplers/sampler.js';
import { bucketIncrease, counterIncrease, groupWindow, quantileFromBuckets, splitWindows, windowOf } from '../../src/metrics/samplers/window.js';

describe('counters and resets', () => {
  it.each([
    [100, 150, 50],
    [100, 100, 0],
    [100, 30, 30], // went down: the source restarted; the new value is the increase since
  ])('counterIncrease(%d, %d) = %d', (a, b, want) => expect(counterIncrease(a, b)).toBe(want));

  it('bucketIncrease diffs per bucket, or takes the new histogram after a reset', () => {
    const a = [
      { le: 10, count: 5 },
      { le: Infinity, count: 10 },
    ];
    expect(
      bucketIncrease(a, [
        { le: 10, count: 8 },
        { le: Infinity, count: 20 },
      ]),
    ).toEqual([
      { le: 10, count: 3 },
      { le: Infinity, count: 10 },
    ]);
    expect(
      bucketIncrease(a, [
        { le: 10, count: 1 },
        { le: Infinity, count: 2 },
      ]),
    ).toEqual([
      { le: 10, count: 1 },
      { le: Infinity, count: 2 },
    ]);
  });
});

describe('quantileFromBuckets (linear interpolation, Prometheus semantics)', () => {
  const b = [
    { le: 10, count: 90 },
    { le: 100, count: 100 },
    { le: Infinity, count: 100 },
  ];
  it.each([
    [0.5, 10 * (50 / 90)],
    [0.9, 10],
    [0.99, 10 + 90 * (9 / 10)],
    [1, 100],
  ])('q=%d → %d', (q, want) => expect(quantileFromBuckets(b, q)).toBeCloseTo(want, 9));
  it('a quantile in the +Inf bucket is the largest finite bound', () => {
    expect(quantileFromBuckets([{ le: 10, count: 1 }, { le: Infinity, count: 100 }], 0.99)).toBe(10);
  });
  it('empty → undefined', () => expect(quantileFromBuckets([{ le: 10, count: 0 }], 0.5)).toBeUndefined());
});

const snap = (requests: number, errors: number, extra: Partial<GroupSnapshot> = {}): GroupSnapshot => ({ requests, errors, gauges: {}, ...extra });

describe('groupWindow', () => {
  it('rates from counters, error rate, averaged gauges (not the first sample: it belongs to the window before)', () => {
    const w = groupWindow(
      ['web1'],
      [snap(0, 0, { gauges: { queue: 100 } }), snap(100, 1, { gauges: { queue: 2 } }), snap(200, 3, { gauges: { queue: 4 } })],
      [0, 1000, 2000],
    );
    expect(w).toMatchObject({ servers: ['web1'], rps: 100, samples: 200, errors: 3, errorRate: 0.015, queue: 3 });
  });
  it('survives a counter reset in the middle of the window', () => {
    const w = groupWindow(['web1'], [snap(1000, 0), snap(1100, 0), snap(50, 0), snap(150, 0)], [0, 1000, 2000, 3000]);
    expect(w.samples).toBe(100 + 50 + 100);
  });
  it('percentiles and mean from histogram increases', () => {
    const h = (c10: number, c100: number, sum: number) =>
      snap(c100, 0, { latencySumMs: sum, buckets: [{ le: 10, count: c10 }, { le: 100, count: c100 }, { le: Infinity, count: c100 }] });
    const w = groupWindow(['web1'], [h(1000, 1000, 5000), h(1090, 1100, 5000 + 90 * 5 + 10 * 50)], [0, 1000]);
    expect(w.p50Ms).toBeCloseTo(10 * (50 / 90), 9);
    expect(w.p99Ms).toBeCloseTo(91, 9);
    expect(w.meanLatencyMs).toBeCloseTo(9.5, 9);
  });
  it('gauge-only sources (Prometheus): rps, error rate and percentiles are the gauges averaged', () => {
    const g = (rps: number, p99: number) => ({ gauges: { rps, p99, error_rate: 0.01 } });
    const w = groupWindow(['web1'], [g(0, 0), g(100, 50), g(200, 70)], [0, 1000, 2000]);
    expect(w).toMatchObject({ rps: 150, p99Ms: 60, errorRate: 0.01, samples: 300 });
  });
});

describe('windowOf / splitWindows', () => {
  const sample = (at: number, t: number, c: number): GroupSample => ({ at, target: snap(t, 0), control: snap(c, 0) });
  const samples = [sample(0, 0, 0), sample(1000, 50, 150), sample(2000, 110, 290), sample(3000, 160, 440)];
  it('target beside control at the same moments: share, control.* metrics', () => {
    const w = windowOf(samples, ['web1'], ['web2', 'web3'], 0.25);
    expect(w.measuredShare).toBeCloseTo(160 / 600, 9);
    expect(w.metrics).toMatchObject({ rps: 160 / 3, 'control.rps': 440 / 3, share: 160 / 600, expected_share: 0.25, samples: 160, 'control.samples': 440 });
  });
  it('cuts samples into windows that share their boundary samples', () => {
    expect(splitWindows(samples, 1000).map((w) => w.map((s) => s.at))).toEqual([
      [0, 1000],
      [1000, 2000],
      [2000, 3000],
    ]);
    // A trailing stub of at least half a window is a window of its own; a shorter one joins the last.
    expect(splitWindows(samples, 2000).map((w) => w.map((s) => s.at))).toEqual([
      [0, 1000, 2000],
      [2000, 3000],
    ]);
    expect(splitWindows([...samples.slice(0, 3), sample(2400, 120, 300)], 2000).map((w) => w.map((s) => s.at))).toEqual([[0, 1000, 2000, 2400]]);
    expect(splitWindows([...samples, sample(4000, 200, 500)], 2000).map((w) => w.map((s) => s.at))).toEqual([
      [0, 1000, 2000],
      [2000, 3000, 4000],
    ]);
  });
});
