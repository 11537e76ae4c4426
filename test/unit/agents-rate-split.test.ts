import { describe, expect, it } from 'vitest';
import { agentSeed, remainingAgents, splitStep, type AgentShare } from '../../src/agents/rate-split.js';
import { Pacer, splitRate, uniformTimeMs } from '../../src/traffic/generator/schedule.js';

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

describe('splitStep', () => {
  it.each([
    // rate, weights, expected rates, phases
    [1000, [1, 1], [500, 500], [0, 0.5]],
    [900, [1, 1, 1], [300, 300, 300], [0, 1 / 3, 2 / 3]],
    [1000, [4, 2, 2], [500, 250, 250], [0, 0, 0]], // weights by cores: unequal → no phase
    [10, [1], [10], [0]],
    [0, [1, 1], [0, 0], [0, 0.5]],
  ])('%s rps over weights %j', (rate, weights, rates, phases) => {
    const agents = weights.map((w, i) => ({ id: String(i), weight: w }));
    const shares = splitStep(rate, agents, 7, 1);
    expect(shares.map((s) => s.id)).toEqual(agents.map((a) => a.id));
    shares.forEach((s, i) => {
      expect(s.rate).toBeCloseTo(rates[i]!, 9);
      expect(s.phase).toBeCloseTo(phases[i]!, 12);
    });
    expect(sum(shares.map((s) => s.rate))).toBe(rate); // exactly: the last takes the remainder
  });

  it('shares add up exactly even when the weights do not divide the rate', () => {
    for (const rate of [1, 7, 999.9, 12_345.6]) {
      const shares = splitStep(rate, [{ id: 'a', weight: 3 }, { id: 'b', weight: 7 }, { id: 'c', weight: 11 }], 1, 1);
      expect(sum(shares.map((s) => s.rate))).toBe(rate);
      expect(shares.every((s) => s.rate >= 0)).toBe(true);
    }
  });

  it.each([
    [[], /no agents/],
    [[{ id: 'a' }, { id: 'a' }], /duplicate agent id "a"/],
    [[{ id: 'a', weight: 0 }], /agent a: weight must be a positive number, got 0/],
    [[{ id: 'a', weight: NaN }], /positive number/],
  ])('rejects %j', (agents, msg) => {
    expect(() => splitStep(100, agents, 1, 1)).toThrow(msg);
  });

  it('seeds: distinct per agent and per step, stable for a given run seed, step and id', () => {
    const seeds = new Set<number>();
    for (let step = 1; step <= 50; step++) for (let a = 0; a < 40; a++) seeds.add(agentSeed(42, step, String(a)));
    expect(seeds.size).toBe(2000);
    expect(agentSeed(42, 3, '7')).toBe(agentSeed(42, 3, '7'));
    expect(agentSeed(42, 3, '7')).not.toBe(agentSeed(43, 3, '7'));
    // An agent keeps its seed when another leaves (re-split changes rates, not identities).
    const before = splitStep(900, [{ id: '0' }, { id: '1' }, { id: '2' }], 5, 4);
    const after = splitStep(900, [{ id: '0' }, { id: '2' }], 5, 4);
    expect(after.map((s) => s.seed)).toEqual([before[0]!.seed, before[2]!.seed]);
    expect(after.map((s) => s.rate)).toEqual([450, 450]);
  });

  it('uniform: equal shares with phases k/n, each split again over its threads, interleave into the full-rate schedule', () => {
    const rate = 1200;
    const shares = splitStep(rate, [{ id: 'a' }, { id: 'b' }, { id: 'c' }], 1, 1);
    const times: number[] = [];
    for (const s of shares) {
      const threads = 2;
      // The agent's threads: rate/threads each, phase (j + agent phase)/threads.
      splitRate(s.rate, threads).forEach((t, j) => {
        const phase = (j + s.phase) / threads;
        for (let i = 0; i < 200; i++) times.push(uniformTimeMs(i, t.rate, phase));
      });
    }
    times.sort((a, b) => a - b);
    times.forEach((t, i) => expect(t).toBeCloseTo((i * 1000) / rate, 6));
  });
});

describe('remainingAgents (re-split after a disconnect)', () => {
  const agents = [{ id: '0' }, { id: '1' }, { id: '2' }];
  it.each([
    [['1'], 2, { agents: [{ id: '0' }, { id: '2' }] }],
    [[], 3, { agents }],
    [['1'], 3, { stop: '2 of 3 agents left (agent 1 disconnected), fewer than --agents-min 3' }],
    [['0', '1', '2'], 0, { stop: '0 of 3 agents left (agent 0, 1, 2 disconnected), fewer than --agents-min 0' }],
  ])('gone %j, min %s', (gone, min, expected) => {
    expect(remainingAgents(agents, new Set(gone), min)).toEqual(expected);
  });
});

/** Intended send times (ms) of the union of the agents' Poisson schedules over [0, spanMs). */
function unionTimes(shares: readonly AgentShare[], spanMs: number): number[] {
  const times: number[] = [];
  for (const s of shares) {
    const p = new Pacer('poisson', s.rate, 0, s.seed);
    while (p.nextAt < spanMs) {
      times.push(p.nextAt);
      p.advance();
    }
  }
  return times.sort((a, b) => a - b);
}

function meanVar(xs: readonly number[]): { mean: number; variance: number } {
  const mean = sum(xs) / xs.length;
  return { mean, variance: sum(xs.map((x) => (x - mean) ** 2)) / (xs.length - 1) };
}

/** Kolmogorov–Smirnov distance between the gaps and the exponential distribution of the given mean. */
function ksExponential(gaps: number[], mean: number): number {
  gaps.sort((a, b) => a - b);
  const n = gaps.length;
  let d = 0;
  gaps.forEach((g, i) => {
    const f = 1 - Math.exp(-g / mean);
    d = Math.max(d, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
  });
  return d;
}

describe('the union of the agents\' seeded Poisson schedules is Poisson at the total rate', () => {
  const TOTAL = 1000; // requests/s
  const SPAN = 10_000; // ms: λT = 10,000 arrivals per run
  const RUNS = 200;
  const AGENTS = [{ id: '0', weight: 4 }, { id: '1', weight: 2 }, { id: '2', weight: 1 }, { id: '3', weight: 1 }];

  /** Counts per run, and all gaps pooled, for runs 1..RUNS (run seed = run number, step 1). */
  function simulate(seedOf: (run: number) => (s: AgentShare) => number, runs = RUNS) {
    const counts: number[] = [];
    const gaps: number[] = [];
    const windowDispersion: number[] = [];
    for (let run = 1; run <= runs; run++) {
      const shares = splitStep(TOTAL, AGENTS, run, 1).map((s) => ({ ...s, seed: seedOf(run)(s) }));
      const times = unionTimes(shares, SPAN);
      counts.push(times.length);
      for (let i = 1; i < times.length; i++) gaps.push(times[i]! - times[i - 1]!);
      // Counts in 100 ms windows within the run (100 windows, mean 100 each).
      const perWindow = new Array<number>(100).fill(0);
      for (const t of times) perWindow[Math.floor(t / 100)]!++;
      const w = meanVar(perWindow);
      windowDispersion.push(w.variance / w.mean);
    }
    return { counts, gaps, windowDispersion };
  }

  it('count, dispersion index and inter-arrival distribution match Poisson(1000/s) over 200 seeds', () => {
    const { counts, gaps, windowDispersion } = simulate(() => (s) => s.seed);
    const c = meanVar(counts);
    // Mean count: λT = 10,000 with a standard error of sqrt(λT / RUNS) ≈ 5.8; allow 4 SE.
    expect(Math.abs(c.mean - TOTAL * (SPAN / 1000))).toBeLessThan(4 * Math.sqrt(10_000 / RUNS));
    // Dispersion index var/mean of the 200 run counts: 1 for Poisson; for near-normal counts the
    // sample variance's relative standard error is sqrt(2 / (RUNS − 1)) ≈ 0.10; allow ±0.35 (3.5
    // SE: a false failure about 5 in 10,000 seed sets). A shared seed gives ≈ 3 (see below).
    expect(Math.abs(c.variance / c.mean - 1)).toBeLessThan(0.35);
    // Within runs: the mean over 200 runs of the 100-window dispersion; each has SE ≈ sqrt(2/99) ≈ 0.14,
    // so the mean's SE ≈ 0.010; allow ±0.05 (5 SE).
    const wd = sum(windowDispersion) / windowDispersion.length;
    expect(Math.abs(wd - 1)).toBeLessThan(0.05);
    // Gaps: exponential with mean 1 ms. KS distance on ~2 million pooled gaps; the 0.1% critical value
    // is 1.95 / sqrt(n) ≈ 0.0014.
    const n = gaps.length;
    const g = meanVar(gaps);
    expect(Math.abs(g.mean - 1000 / TOTAL)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(g.variance) / g.mean - 1)).toBeLessThan(0.01); // coefficient of variation 1
    expect(ksExponential(gaps, 1000 / TOTAL)).toBeLessThan(1.95 / Math.sqrt(n));
  });

  it('negative control: agents sharing one seed are detected (the checks above have power)', () => {
    const { counts, gaps } = simulate((run) => () => agentSeed(run, 1, 'same'), 50);
    const c = meanVar(counts);
    // Equal seeds make the streams rescaled copies of one another: far from Poisson.
    expect(c.variance / c.mean).toBeGreaterThan(1.5);
    expect(ksExponential(gaps, 1000 / TOTAL)).toBeGreaterThan(1.95 / Math.sqrt(gaps.length));
  });
});
