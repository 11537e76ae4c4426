// The true capacity of a service model for given SLOs: the highest steady-state rate at which every
// SLO holds. Found by bisection over the rate, each probe one long simulation (hundreds of
// thousands of requests, the first tenth dropped as the warm-up) with an ideal generator — sends
// on their slots, no lag, as many connections as needed — and the same arrival process the
// generator draws (the real Pacer, 1 ms slots). Every probe reuses the same random streams (common
// random numbers), so the SLO's answer moves smoothly with the rate and the bisection converges.
// The SLOs are judged by the real evaluateSlos on the same metric names a step produces.
import type { SloRule } from '../slo/slo.js';
import { evaluateSlos } from '../slo/evaluate.js';
import { Pacer } from '../traffic/generator/schedule.js';
import { mixSeed } from './random.js';
import { createService, nominalCapacity, type ServiceSpec } from './services.js';

export interface SteadyState {
  rate: number;
  requests: number;
  /** SLO metrics as a step names them (latency in ms). */
  metrics: Record<string, number>;
}

/** Latency bins (ms) for the steady-state percentiles: fine enough for any SLO threshold here. */
const BIN_MS = 0.01;

export interface TruthOptions {
  arrival: 'poisson' | 'uniform';
  timeoutMs: number;
  errorStatus: (status: number) => boolean;
  /** Requests per probe (default 400 000). */
  requests?: number;
  seed?: number;
}

/** Steady-state SLO metrics of `spec` at `rate` requests/s. */
export function steadyState(spec: ServiceSpec, rate: number, o: TruthOptions): SteadyState {
  const n = o.requests ?? 400_000;
  const skip = Math.floor(n / 10);
  const service = createService(spec);
  // Distinct streams: the same seed would tie each service time to its inter-arrival gap.
  service.reset(mixSeed(o.seed ?? 7, 3));
  const pacer = new Pacer(o.arrival, rate, 0, mixSeed(o.seed ?? 7, 1));
  const bins = new Uint32Array(Math.ceil(o.timeoutMs / BIN_MS) + 1);
  let errors = 0;
  let sum = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const t = Math.ceil(pacer.nextAt);
    pacer.advance();
    const done = service.admit(t);
    let latency = done - t;
    let error = o.errorStatus(service.status);
    if (latency > o.timeoutMs) {
      latency = o.timeoutMs;
      error = true;
    }
    if (i < skip) continue;
    if (error) errors++;
    bins[Math.floor(latency / BIN_MS)]!++;
    sum += latency;
    if (latency > max) max = latency;
  }
  const counted = n - skip;
  const pct = (p: number): number => {
    const want = Math.ceil((p / 100) * counted);
    let seen = 0;
    for (let b = 0; b < bins.length; b++) {
      seen += bins[b]!;
      if (seen >= want) return (b + 1) * BIN_MS;
    }
    return o.timeoutMs;
  };
  const metrics: Record<string, number> = {
    p50: pct(50),
    p90: pct(90),
    p95: pct(95),
    p99: pct(99),
    p999: pct(99.9),
    max,
    mean_latency: sum / counted,
    error_rate: errors / counted,
    throughput: 1,
    rps: rate,
    offered_rps: rate,
  };
  return { rate, requests: counted, metrics };
}

export function slosHold(rules: readonly SloRule[], metrics: Record<string, number>): boolean {
  return evaluateSlos(rules, metrics).length === 0;
}

const cache = new Map<string, number>();

/** Highest rate (requests/s, to 0.01%) at which every SLO holds in steady state. */
export function trueCapacity(spec: ServiceSpec, rules: readonly SloRule[], o: TruthOptions): number {
  const key = JSON.stringify([spec, rules.map((r) => r.text), o.arrival, o.timeoutMs, o.requests, o.seed]);
  const known = cache.get(key);
  if (known !== undefined) return known;
  const holdsAt = (rate: number): boolean => slosHold(rules, steadyState(spec, rate, o).metrics);
  let lo = nominalCapacity(spec) / 4;
  let hi = nominalCapacity(spec) * 4;
  while (!holdsAt(lo)) lo /= 2;
  while (holdsAt(hi)) hi *= 2;
  while (hi / lo > 1.0001) {
    const mid = Math.sqrt(lo * hi);
    if (holdsAt(mid)) lo = mid;
    else hi = mid;
  }
  cache.set(key, lo);
  return lo;
}
