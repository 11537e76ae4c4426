// How many generator threads a step gets. Pure.
/**
 * A rate one thread sustains comfortably (well inside its schedule and CPU budget) on a typical
 * core; measured with `npm run bench` (see README "Performance"). Below it, one thread (the main
 * thread, no worker start-up or merge cost) is best.
 */
export const RATE_PER_THREAD = 15_000;

/** Threads for a step: a fixed number, or 'auto' = enough threads for the rate, at most cores − 1. */
export function chooseWorkers(workers: number | 'auto', ratePerSec: number, cores: number): number {
  if (workers !== 'auto') return Math.max(1, Math.floor(workers));
  const max = Math.max(1, cores - 1);
  return Math.min(max, Math.max(1, Math.ceil(ratePerSec / RATE_PER_THREAD)));
}
