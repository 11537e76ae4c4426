import { describe, expect, it } from 'vitest';
import { checkClock, controllerToLocal, estimateOffset, localToController, measureSample, type ClockSample } from '../../src/agents/clock.js';
import { mulberry32 } from '../../src/traffic/generator/schedule.js';

/** One exchange with a true offset (controller − agent), one-way delays out/back and a hold on the controller. */
function exchange(at: number, trueOffset: number, out: number, back: number, hold = 0.1): ClockSample {
  const t0 = at;
  const t1 = t0 + out + trueOffset;
  const t2 = t1 + hold;
  const t3 = t2 - trueOffset + back;
  return { t0, t1, t2, t3 };
}

describe('one clock sample', () => {
  it.each([
    // true offset, out, back → offset, delay
    [0, 1, 1, 0, 2],
    [5_000, 1, 1, 5_000, 2], // controller 5 s ahead
    [-123.4, 0.5, 0.5, -123.4, 1],
    [100, 3, 1, 101, 4], // asymmetric: skewed by (out − back)/2, within ± delay/2
    [100, 0, 4, 98, 4],
  ])('offset %s, delays %s/%s → %s ± %s/2', (trueOffset, out, back, offset, delay) => {
    const m = measureSample(exchange(1_000, trueOffset, out, back))!;
    expect(m.offsetMs).toBeCloseTo(offset, 9);
    expect(m.delayMs).toBeCloseTo(delay, 9);
    expect(Math.abs(m.offsetMs - trueOffset)).toBeLessThanOrEqual(m.delayMs / 2 + 1e-9);
  });

  it.each([
    ['a NaN time', { t0: 0, t1: NaN, t2: 1, t3: 2 }],
    ['pong before ping', { t0: 10, t1: 5, t2: 6, t3: 9 }],
    ['controller sends before it receives', { t0: 0, t1: 5, t2: 4, t3: 9 }],
    ['hold longer than the round trip', { t0: 0, t1: 0, t2: 10, t3: 5 }],
  ])('rejects %s', (_what, s) => {
    expect(measureSample(s)).toBeUndefined();
  });
});

describe('offset estimate', () => {
  it('takes the least-delay sample; the true offset lies within its error bound', () => {
    const samples = [exchange(0, 42, 5, 0.5), exchange(10, 42, 0.3, 0.25), exchange(20, 42, 0.2, 9)];
    const est = estimateOffset(samples)!;
    expect(est.delayMs).toBeCloseTo(0.55, 9);
    expect(est.offsetMs).toBeCloseTo(42.025, 9);
    expect(est.errorMs).toBeCloseTo(0.275, 9);
    expect(Math.abs(est.offsetMs - 42)).toBeLessThanOrEqual(est.errorMs);
    expect(est.samples).toBe(3);
    expect(est.used).toBe(1);
  });

  it('ties for the least delay: the median offset, so one odd tie cannot move it', () => {
    const samples = [exchange(0, 10, 1, 0), exchange(1, 10, 0.5, 0.5), exchange(2, 10, 0, 1), exchange(3, 10, 0.5, 0.5)];
    const est = estimateOffset(samples)!;
    expect(est.used).toBe(4);
    expect(est.offsetMs).toBeCloseTo(10, 9); // offsets 9.5, 10, 10, 10.5
  });

  it('skips invalid samples; none valid → undefined', () => {
    expect(estimateOffset([])).toBeUndefined();
    expect(estimateOffset([{ t0: 5, t1: 0, t2: 0, t3: 1 }])).toBeUndefined();
    const est = estimateOffset([{ t0: 5, t1: 0, t2: 0, t3: 1 }, exchange(0, 7, 1, 1)])!;
    expect(est.samples).toBe(1);
    expect(est.offsetMs).toBeCloseTo(7, 9);
  });

  it('random asymmetric delays: the bound always holds (1,000 trials of 8 samples)', () => {
    const rand = mulberry32(1234);
    for (let trial = 0; trial < 1000; trial++) {
      const truth = (rand() - 0.5) * 1e6;
      const samples = Array.from({ length: 8 }, (_, i) => exchange(i * 50, truth, rand() * rand() * 20, rand() * rand() * 20, rand()));
      const est = estimateOffset(samples)!;
      // Ties within 0.05 ms widen the bound by at most the tolerance.
      expect(Math.abs(est.offsetMs - truth)).toBeLessThanOrEqual(est.errorMs + 0.05 + 1e-6);
    }
  });

  it('converts controller times to local and back', () => {
    const est = estimateOffset([exchange(0, 2_500, 1, 1)])!;
    expect(controllerToLocal(10_000, est)).toBeCloseTo(7_500, 9);
    expect(localToController(controllerToLocal(10_000, est), est)).toBeCloseTo(10_000, 9);
  });

  it.each([
    [[exchange(0, 3, 1, 1)], 5, true, /offset 3.00ms ± 1.00ms/],
    [[exchange(0, 3, 10, 10)], 5, false, /error bound > 5ms/],
    [[], 5, false, /no valid clock sample/],
  ])('checkClock %#', (samples, max, ok, msg) => {
    const r = checkClock(estimateOffset(samples), max);
    expect(r.ok).toBe(ok);
    expect(r.message).toMatch(msg);
  });
});
