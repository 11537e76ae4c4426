import { describe, expect, it } from 'vitest';
import { createHistogram, decodeHistogram, encodeHistogram, meanOf, mergeInto, summarize } from '../../src/metrics/histogram.js';

describe('histogram', () => {
  it('summarizes microseconds as milliseconds', () => {
    const h = createHistogram();
    for (let i = 1; i <= 1000; i++) h.recordValue(i * 1000); // 1..1000 ms
    const s = summarize(h);
    expect(s.count).toBe(1000);
    expect(s.p50).toBeCloseTo(500, -1);
    expect(s.p99).toBeCloseTo(990, -1);
    expect(s.max).toBeCloseTo(1000, -1);
  });

  it('merges: counts add up and percentiles reflect both', () => {
    const a = createHistogram();
    const b = createHistogram();
    for (let i = 0; i < 900; i++) a.recordValue(1_000);
    for (let i = 0; i < 100; i++) b.recordValue(100_000);
    mergeInto(a, b);
    const s = summarize(a);
    expect(s.count).toBe(1000);
    expect(s.p50).toBeCloseTo(1, 1);
    expect(s.p99).toBeCloseTo(100, 0);
  });

  it('round-trips through base64 (worker → main thread)', () => {
    const a = createHistogram();
    for (let i = 1; i <= 500; i++) a.recordValue(i * 37);
    const b = decodeHistogram(encodeHistogram(a));
    expect(b.totalCount).toBe(500);
    expect(summarize(b).p99).toBe(summarize(a).p99);
  });

  it('summarizes an empty histogram as zeros', () => {
    expect(summarize(createHistogram())).toMatchObject({ count: 0, p99: 0, max: 0 });
  });
});

describe('meanOf', () => {
  it("equals the library's mean exactly, on histograms of every scale (and after a round trip)", () => {
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let k = 0; k < 60; k++) {
      const h = createHistogram();
      const scale = 10 ** (rand() * 7);
      const n = Math.floor(rand() * 3000);
      for (let i = 0; i < n; i++) h.recordValue(Math.round(-Math.log(1 - rand()) * scale));
      if (k % 3 === 0) h.recordValue(0);
      expect(meanOf(h)).toBe(h.mean);
      const d = decodeHistogram(encodeHistogram(h));
      expect(meanOf(d)).toBe(d.mean);
    }
  });
});
