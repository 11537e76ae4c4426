// The simulator's cases: a service × an arrival process × a generator machine, as a scenario a user
// would write (parsed by the real loader, so every default is the one users get), and the gates:
// a baseline run, then the same service again and a 15% slower one, judged with --max-regression 10%.
import { parseScenario } from '../scenario/load-scenario.js';
import type { GenerateTrafficSpec, Scenario } from '../scenario/scenario.js';
import { errorStatusTable } from '../traffic/generator/classify.js';
import type { GeneratorSpec } from './simulated-traffic.js';
import { scaleService, type Noise, type ServiceSpec } from './services.js';
import { trueCapacity } from './truth.js';

export interface ServiceCase {
  /** Short name used in case names: mmc, bucket, cliff, slow. */
  name: string;
  describe: string;
  spec: ServiceSpec;
  slo: string[];
  timeout: string;
}

export const SERVICES: readonly ServiceCase[] = [
  {
    name: 'mmc',
    describe: 'M/M/8 queue, mean service 20 ms (saturates at 400 r/s)',
    spec: { kind: 'mmc', servers: 8, meanServiceMs: 20 },
    slo: ['p99 < 200ms', 'error_rate < 1%'],
    timeout: '1s',
  },
  {
    name: 'bucket',
    describe: 'token bucket 400 r/s, burst 20, nodelay (fast 503s)',
    spec: { kind: 'token-bucket', ratePerSec: 400, burst: 20, okMs: 8, rejectMs: 1 },
    slo: ['error_rate < 1%', 'p99 < 200ms'],
    timeout: '2s',
  },
  {
    name: 'cliff',
    describe: 'error cliff at 600 r/s (503 share 2 × relative overload)',
    spec: { kind: 'error-cliff', capacity: 600, slope: 2, latencyMs: 5 },
    slo: ['error_rate < 1%', 'p99 < 200ms'],
    timeout: '2s',
  },
  {
    name: 'slow',
    describe: 'smooth saturation: median 2 ms · e^(rate/200), log-normal σ 0.35',
    spec: { kind: 'slow', baseMs: 2, scaleRps: 200, sigma: 0.35 },
    slo: ['p99 < 100ms'],
    timeout: '2s',
  },
];

/** Measurement noise for `--noise`: 0.3 ms mean jitter, a 50 ms pause every 10 s on average. */
export const DEFAULT_NOISE: Noise = { jitterMs: 0.3, pausesPerSec: 0.1, pauseMs: 50 };

/** A starved generator: half a core, 250 sends/s at most, 8 connections. */
export const STARVED: GeneratorSpec = { kind: 'starved', maxRps: 250, coreShare: 0.5 };
const STARVED_CONNECTIONS = 8;

/**
 * The plans a case can run. `default` is what a user gets who writes only start, factor, max and
 * refine: the loader's default steps (30 s, of which 5 s warm-up) — the figures the README states.
 * `ci` is a hurried CI plan (5 s steps, 1 s warm-up), to show what short steps cost.
 */
export const PLANS = {
  default: { start: 50, factor: 1.5, max: 2000, refine: '5%' },
  ci: { start: 50, factor: 1.5, max: 2000, refine: '5%', stepDuration: '5s', warmup: '1s' },
} as const;
export type PlanName = keyof typeof PLANS;

export interface SimCase {
  name: string;
  service: ServiceCase;
  arrival: 'poisson' | 'uniform';
  generator: GeneratorSpec;
  noise: boolean;
  /** The load plan (default: the loader's default step length). */
  plan?: PlanName;
}

export function allCases(): SimCase[] {
  const out: SimCase[] = [];
  for (const s of SERVICES) {
    for (const arrival of ['poisson', 'uniform'] as const) {
      out.push({ name: `${s.name}-${arrival}`, service: s, arrival, generator: { kind: 'healthy' }, noise: false });
    }
  }
  for (const s of SERVICES.filter((x) => x.name === 'mmc' || x.name === 'slow')) {
    for (const arrival of ['poisson', 'uniform'] as const) {
      out.push({ name: `${s.name}-${arrival}-starved`, service: s, arrival, generator: STARVED, noise: false });
    }
  }
  out.push({ name: 'mmc-poisson-noisy', service: SERVICES[0]!, arrival: 'poisson', generator: { kind: 'healthy' }, noise: true });
  return out;
}

/** The gate cases: one per service, Poisson arrivals (the default), healthy generator. */
export function gateCases(): SimCase[] {
  return SERVICES.map((s) => ({ name: `gate-${s.name}`, service: s, arrival: 'poisson' as const, generator: { kind: 'healthy' as const }, noise: false }));
}

export function serviceSpecOf(c: SimCase, scale = 1): ServiceSpec {
  const spec = c.noise ? { ...c.service.spec, noise: DEFAULT_NOISE } : c.service.spec;
  return scale === 1 ? spec : scaleService(spec, scale);
}

/** The scenario YAML a user would write for this case. */
export function scenarioYaml(c: SimCase, refine?: string): string {
  const plan = PLANS[c.plan ?? 'default'];
  const steps = 'stepDuration' in plan ? `, step_duration: ${plan.stepDuration}, warmup: ${plan.warmup}` : '';
  const connections = c.generator.kind === 'starved' ? `\n  connections: ${STARVED_CONNECTIONS}` : '';
  return `name: ${c.name}
target: http://127.0.0.1:9
traffic:
  request: { path: / }
  arrival: ${c.arrival}
  timeout: ${c.service.timeout}${connections}
load: { start: ${plan.start}, factor: ${plan.factor}, max: ${plan.max}${steps}, refine: ${refine ?? plan.refine} }
slo: [${c.service.slo.join(', ')}]
`;
}

export function scenarioOf(c: SimCase, refine?: string): Scenario {
  return parseScenario(scenarioYaml(c, refine), `${c.name}.yaml`, {});
}

/** True capacity of the case's service (scaled by `scale`) under its SLOs and arrival process. */
export function truthOf(c: SimCase, scenario: Scenario, scale = 1): number {
  const spec = scenario.traffic as GenerateTrafficSpec;
  const table = errorStatusTable(spec.errorStatuses);
  return trueCapacity(serviceSpecOf(c, scale), scenario.slo, {
    arrival: c.arrival,
    timeoutMs: spec.timeoutMs,
    errorStatus: (s) => table[s < 1000 ? s : 0] === 1,
  });
}
