// Seeded random draws for the decision simulator. One stream per (run, step, purpose), so a case
// re-run with the same seeds gives the same table, and a service's randomness does not shift when
// the generator's draws change. Uniforms come from the generator's own PRNG (schedule.ts).
import { mulberry32 } from '../traffic/generator/schedule.js';

export type Rand = () => number;

/** A 32-bit seed mixed from several integers (run seed, step index, purpose). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    h = (h ^ (h >>> 12)) >>> 0;
  }
  return h >>> 0;
}

export function createRand(seed: number): Rand {
  return mulberry32(seed);
}

/** Exponential with the given mean. */
export function exponential(rand: Rand, mean: number): number {
  return -Math.log(1 - rand()) * mean;
}

/** Standard normal (Box–Muller; one of the pair is enough here). */
export function normal(rand: Rand): number {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Log-normal with the given median and shape σ (p99 = median · e^(2.326σ)). */
export function lognormal(rand: Rand, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(rand));
}
