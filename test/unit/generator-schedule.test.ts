import { describe, expect, it } from 'vitest';
import { exponentialGapMs, mulberry32, Pacer, splitRate, uniformDueCount, uniformTimeMs } from '../../src/traffic/generator/schedule.js';
import { chooseWorkers, threadsForLevel } from '../../src/traffic/generator/workers.js';

describe('uniform schedule', () => {
  it.each([
    // elapsed ms, rate, phase, due
    [0, 1000, 0, 1], // send 0 is due at t=0
    [0.999, 1000, 0, 1],
    [1, 1000, 0, 2],
    [10, 1000, 0, 11],
    [999, 1000, 0, 1000],
    [0, 1000, 0.5, 0], // phase 0.5 → first send at 0.5 ms
    [0.5, 1000, 0.5, 1],
    [1000, 3, 0, 4], // 0, 333.3, 666.7, 1000
    [-1, 1000, 0, 0],
    [100, 0, 0, 0],
  ])('at %s ms, %s/s, phase %s: %s sends due', (t, rate, phase, due) => {
    expect(uniformDueCount(t, rate, phase)).toBe(due);
  });

  it('due counts per tick add up to rate × time whatever the tick length, never more', () => {
    for (const tick of [1, 1.1, 3.7, 10]) {
      let sent = 0;
      let t = 0;
      for (; t < 2000; t += tick) {
        const due = uniformDueCount(t, 40_000, 0) - sent;
        expect(due).toBeLessThanOrEqual(Math.ceil(tick * 40) + 1); // one tick's worth at most
        sent += due;
      }
      sent += uniformDueCount(1999.999, 40_000, 0) - sent; // the last tick of a 2 s step
      expect(sent).toBe(80_000);
    }
  });

  it('workers with split rates and phases interleave into exactly the full-rate schedule', () => {
    const rate = 900;
    const shares = splitRate(rate, 3);
    expect(shares.map((s) => s.rate)).toEqual([300, 300, 300]);
    const times: number[] = [];
    for (const s of shares) {
      const p = new Pacer('uniform', s.rate, s.phase, 1);
      while (p.nextAt < 1000) {
        times.push(p.nextAt);
        p.advance();
      }
    }
    times.sort((a, b) => a - b);
    expect(times).toHaveLength(900);
    times.forEach((t, i) => expect(t).toBeCloseTo(uniformTimeMs(i, rate), 9));
  });
});

describe('poisson schedule', () => {
  it('exponential gaps have mean 1/rate', () => {
    const rand = mulberry32(42);
    let sum = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) sum += exponentialGapMs(rand(), 500);
    expect(sum / n).toBeGreaterThan(1.98);
    expect(sum / n).toBeLessThan(2.02);
  });

  it('a poisson pacer sends about rate × time, and the same seed gives the same schedule', () => {
    const count = (seed: number) => {
      const p = new Pacer('poisson', 1000, 0, seed);
      let n = 0;
      while (p.nextAt < 10_000) {
        n++;
        p.advance();
      }
      return n;
    };
    const a = count(7);
    expect(a).toBeGreaterThan(9700); // mean 10000, sd 100
    expect(a).toBeLessThan(10300);
    expect(count(7)).toBe(a);
    expect(count(8)).not.toBe(a);
  });

  it('mulberry32 yields floats in [0, 1)', () => {
    const r = mulberry32(1);
    for (let i = 0; i < 10_000; i++) {
      const u = r();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });
});

describe('chooseWorkers', () => {
  it.each([
    [4, 100, 8, 4],
    [1, 100_000, 8, 1],
    ['auto', 500, 8, 1],
    ['auto', 40_000, 8, 3],
    ['auto', 1_000_000, 8, 7],
    ['auto', 100_000, 2, 1],
    ['auto', 100_000, 1, 1],
  ] as const)('workers %s at %s/s on %s cores → %s', (w, rate, cores, n) => {
    expect(chooseWorkers(w, rate, cores)).toBe(n);
  });
});

describe('threadsForLevel', () => {
  const req = (name: string) => ({ name, method: 'GET', path: '/', headers: {}, weight: 1 });
  const mix = { workers: 'auto' as const, requests: [req('a'), req('b')] };
  // Three-step sessions: 10,000 sessions/s send 30,000 requests/s, two threads' worth, not one.
  const sessions = { ...mix, requests: [req('a'), req('b'), req('c')], sessions: [{ name: 's', weight: 1, steps: [{ request: 0 }, { request: 1 }, { request: 2 }] }] };
  it.each([
    ['a mix: the level is requests/s', mix, 10_000, 1],
    ['a mix at 20k', mix, 20_000, 2],
    ['3-step sessions at 10k sessions/s = 30k req/s', sessions, 10_000, 2],
    ['3-step sessions at 4k sessions/s = 12k req/s', sessions, 4_000, 1],
  ])('%s', (_what, spec, level, n) => {
    expect(threadsForLevel(spec as Parameters<typeof threadsForLevel>[0], level, 8)).toBe(n);
  });
});

describe('Ring', () => {
  it('is a FIFO that grows past its capacity and keeps order', async () => {
    const { Ring } = await import('../../src/traffic/generator/ring.js');
    const r = new Ring<number>(4);
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < (round % 7) + 1; i++) r.push(next++);
      for (let i = 0; i < (round % 5); i++) {
        const v = r.shift();
        if (v !== undefined) out.push(v);
      }
    }
    while (r.peek() !== undefined) out.push(r.shift()!);
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(r.size).toBe(0);
    expect(r.shift()).toBeUndefined();
  });
});
