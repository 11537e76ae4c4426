// How many generator threads a step gets. Pure.
import type { GenerateTrafficSpec } from '../../scenario/scenario.js';
import { requestsPerArrival } from '../../workload/requests-per-arrival.js';

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

/**
 * Threads for a step of `level` arrivals/s of this traffic: with sessions an arrival sends every
 * step of its session, so the requests/s a thread must carry is the level × requests per session.
 */
export function threadsForLevel(spec: Pick<GenerateTrafficSpec, 'workers' | 'requests' | 'sessions'>, level: number, cores: number): number {
  return chooseWorkers(spec.workers, spec.sessions ? level * requestsPerArrival(spec) : level, cores);
}
