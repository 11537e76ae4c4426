// The decision simulator's yardsticks: its service models behave as their theory says, and its
// true capacities agree with closed forms where there is one.
import { describe, expect, it } from 'vitest';
import { erlangC, mmcCapacityForPercentile, mmcMeanWaitMs, mmcSojournPercentileMs } from '../../src/simulator/erlang-c.js';
import { MinHeap } from '../../src/simulator/min-heap.js';
import { createRand, exponential } from '../../src/simulator/random.js';
import { createService, scaleService, type ServiceSpec } from '../../src/simulator/services.js';
import { steadyState, trueCapacity } from '../../src/simulator/truth.js';
import { parseSlo } from '../../src/slo/parse.js';

const is5xx = (s: number) => s >= 500;

/** Feeds a service unslotted Poisson (or uniform) arrivals; mean response time and error share. */
function drive(spec: ServiceSpec, rate: number, n: number, arrival: 'poisson' | 'uniform' = 'poisson', seed = 11) {
  const svc = createService(spec);
  svc.reset(seed);
  const rand = createRand(seed + 1);
  let t = 0;
  let sum = 0;
  let errors = 0;
  const skip = n / 10;
  for (let i = 0; i < n; i++) {
    t += arrival === 'poisson' ? exponential(rand, 1000 / rate) : 1000 / rate;
    const done = svc.admit(t);
    if (i < skip) continue;
    sum += done - t;
    if (is5xx(svc.status)) errors++;
  }
  return { meanMs: sum / (n - skip), errorShare: errors / (n - skip) };
}

describe('Erlang C', () => {
  it('matches textbook values', () => {
    // c = 2, a = 1 (ρ = 0.5): C = 1/3. c = 1: C = ρ.
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 10);
    expect(erlangC(1, 0.7)).toBeCloseTo(0.7, 10);
    // M/M/1 mean wait = ρ/(μ − λ): S = 10 ms, λ = 50/s → 0.5 / 50 s = 10 ms.
    expect(mmcMeanWaitMs(1, 10, 50)).toBeCloseTo(10, 6);
    // M/M/1 sojourn is exponential at μ − λ: p99 = ln(100)/(μ − λ).
    expect(mmcSojournPercentileMs(1, 10, 50, 99)).toBeCloseTo((Math.log(100) / 50) * 1000, 3);
  });
});

describe('M/M/c service', () => {
  const spec: ServiceSpec = { kind: 'mmc', servers: 8, meanServiceMs: 20 };
  it.each([200, 320, 360])('mean wait at %i r/s matches Erlang C within 5%', (rate) => {
    const { meanMs } = drive(spec, rate, 300_000);
    const expected = 20 + mmcMeanWaitMs(8, 20, rate);
    expect(Math.abs(meanMs - expected) / expected).toBeLessThan(0.05);
  });

  it('true capacity for p99 < 200ms under Poisson arrivals matches the closed form within 1.5%', () => {
    const truth = trueCapacity(spec, [parseSlo('p99 < 200ms')], { arrival: 'poisson', timeoutMs: 1000, errorStatus: is5xx });
    const exact = mmcCapacityForPercentile(8, 20, 99, 200);
    expect(exact).toBeGreaterThan(370);
    expect(exact).toBeLessThan(380);
    expect(Math.abs(truth - exact) / exact).toBeLessThan(0.015);
  });

  it('a 15% slower build loses more than 15% of its p99 capacity (slower service, same SLO)', () => {
    const exact = mmcCapacityForPercentile(8, 20, 99, 200);
    const slower = scaleService(spec, 0.85);
    expect(slower).toMatchObject({ kind: 'mmc', servers: 8 });
    const s = slower as Extract<ServiceSpec, { kind: 'mmc' }>;
    expect(mmcCapacityForPercentile(8, s.meanServiceMs, 99, 200) / exact).toBeLessThan(0.85);
  });
});

describe('token bucket (nginx limit_req nodelay)', () => {
  const spec: ServiceSpec = { kind: 'token-bucket', ratePerSec: 400, burst: 20, okMs: 8, rejectMs: 1 };
  it('accepts a burst of burst + 1 back-to-back requests, then rejects', () => {
    const svc = createService(spec);
    svc.reset(1);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      svc.admit(100);
      statuses.push(svc.status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(21);
    expect(statuses.slice(21).every((s) => s === 503)).toBe(true);
  });

  it('rejects exactly the excess of a steady uniform rate over its own', () => {
    expect(drive(spec, 390, 100_000, 'uniform').errorShare).toBe(0);
    expect(drive(spec, 500, 100_000, 'uniform').errorShare).toBeCloseTo(0.2, 2);
  });

  it('rejects some Poisson traffic below its rate (bursts overflow the bucket), so its Poisson capacity is lower', () => {
    const rules = [parseSlo('error_rate < 1%')];
    const poisson = trueCapacity(spec, rules, { arrival: 'poisson', timeoutMs: 2000, errorStatus: is5xx });
    const uniform = trueCapacity(spec, rules, { arrival: 'uniform', timeoutMs: 2000, errorStatus: is5xx });
    expect(uniform / (400 / 0.99)).toBeCloseTo(1, 3);
    expect(poisson).toBeLessThan(395);
    expect(poisson).toBeGreaterThan(350);
  });
});

describe('error cliff and smooth saturation', () => {
  it('the cliff serves without errors below C and fails slope × the relative overload above it', () => {
    const spec: ServiceSpec = { kind: 'error-cliff', capacity: 600, slope: 2, latencyMs: 5 };
    expect(drive(spec, 550, 50_000, 'uniform').errorShare).toBe(0);
    expect(drive(spec, 660, 50_000, 'uniform').errorShare).toBeCloseTo(0.2, 1);
  });

  it('the slow service has the median base · e^(rate/scale) at a steady rate', () => {
    const spec: ServiceSpec = { kind: 'slow', baseMs: 2, scaleRps: 200, sigma: 0.35 };
    const m = steadyState(spec, 400, { arrival: 'uniform', timeoutMs: 2000, errorStatus: is5xx, requests: 100_000 }).metrics;
    expect(m['p50']! / (2 * Math.exp(2))).toBeCloseTo(1, 1);
    // p99 of a log-normal: the median · e^(2.326σ).
    expect(m['p99']! / m['p50']!).toBeCloseTo(Math.exp(2.326 * 0.35), 1);
  });

  it('noise: pauses hold responses until they end, jitter adds its mean', () => {
    const base: ServiceSpec = { kind: 'slow', baseMs: 2, scaleRps: 1e9, sigma: 0.01 };
    const quiet = drive(base, 100, 50_000).meanMs;
    const jitter = drive({ ...base, noise: { jitterMs: 1, pausesPerSec: 0, pauseMs: 0 } }, 100, 50_000).meanMs;
    expect(jitter - quiet).toBeCloseTo(1, 1);
    // One 100 ms pause per second: 10% of responses wait on average 50 ms → +5 ms.
    const paused = drive({ ...base, noise: { jitterMs: 0.001, pausesPerSec: 1, pauseMs: 100 } }, 100, 100_000).meanMs;
    expect(paused - quiet).toBeGreaterThan(4);
    expect(paused - quiet).toBeLessThan(6);
  });
});

describe('MinHeap', () => {
  it('pops in order and replaces its top', () => {
    const h = new MinHeap(2);
    const rand = createRand(3);
    const xs = Array.from({ length: 500 }, () => rand());
    for (const x of xs) h.push(x);
    h.replaceTop(2);
    const out: number[] = [];
    while (h.size > 0) out.push(h.pop());
    const want = [...xs].sort((a, b) => a - b).slice(1).concat([2]);
    expect(out).toEqual(want);
  });
});
