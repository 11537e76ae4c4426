// When each request is meant to leave: the open-model schedule. Pure maths, no timers: the engine
// asks "what is the intended time of the next send?" and sends every request whose time has come,
// in batches per tick. Times are milliseconds from the step's start.
//
// Uniform: send i leaves at (i + phase) / rate. With n workers each gets rate/n and phase k/n, so
// the union of their schedules is exactly uniform at the full rate (send n·i + k at (n·i + k)/rate).
// Poisson: exponential inter-arrival gaps from a seeded PRNG (mulberry32); the union of independent
// Poisson processes is Poisson, so workers need no coordination beyond distinct seeds.

/** Number of uniform sends with intended time ≤ elapsedMs (sends 0..n-1 are due). */
export function uniformDueCount(elapsedMs: number, ratePerSec: number, phase = 0): number {
  if (ratePerSec <= 0 || elapsedMs < 0) return 0;
  const x = (elapsedMs * ratePerSec) / 1000 - phase;
  return x < 0 ? 0 : Math.floor(x + 1e-9) + 1;
}

/** Intended time (ms from start) of uniform send i. */
export function uniformTimeMs(i: number, ratePerSec: number, phase = 0): number {
  return ((i + phase) * 1000) / ratePerSec;
}

/** A small fast seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Exponential gap (ms) for rate λ per second, from a uniform u in [0, 1). */
export function exponentialGapMs(u: number, ratePerSec: number): number {
  return (-Math.log(1 - u) * 1000) / ratePerSec;
}

/**
 * Iterates intended send times in order. `nextAt` is the intended time (ms from start) of the next
 * send; `advance()` moves to the one after. Uniform times are computed from the index (no
 * accumulated floating-point drift).
 */
export class Pacer {
  nextAt: number;
  private i = 0;
  private readonly rand: () => number;

  constructor(
    private readonly arrival: 'uniform' | 'poisson',
    private readonly ratePerSec: number,
    private readonly phase: number,
    seed: number,
  ) {
    this.rand = mulberry32(seed);
    if (ratePerSec <= 0) this.nextAt = Infinity;
    else if (arrival === 'uniform') this.nextAt = uniformTimeMs(0, ratePerSec, phase);
    else this.nextAt = exponentialGapMs(this.rand(), ratePerSec);
  }

  advance(): void {
    this.i++;
    if (this.arrival === 'uniform') this.nextAt = uniformTimeMs(this.i, this.ratePerSec, this.phase);
    else this.nextAt += exponentialGapMs(this.rand(), this.ratePerSec);
  }
}

/** Splits a rate over n workers: each gets rate/n and a disjoint uniform phase k/n. */
export function splitRate(ratePerSec: number, workers: number): Array<{ rate: number; phase: number }> {
  const out: Array<{ rate: number; phase: number }> = [];
  for (let k = 0; k < workers; k++) out.push({ rate: ratePerSec / workers, phase: k / workers });
  return out;
}
