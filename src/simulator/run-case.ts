// Runs the real capacity search (findCapacity) over many seeds of a case and counts how often its
// answer is right: the stated bracket [highest passing level, lowest failing level) contains the
// true capacity. Also the gate: a baseline run against a second run of the same service (a
// regression verdict is a false fail) and of a 15% slower one (a pass is a false pass).
import type { RunResult } from '../result.js';
import type { Scenario } from '../scenario/scenario.js';
import { findCapacity, type FindCapacityOptions } from '../controller/find-capacity.js';
import { judgeCapacityChange, type CapacityBracket, type CapacityChangeOutcome } from '../analysis/capacity-change.js';
import { bracketOf as gateBracketOf, gateDecided, gateTargets } from '../analysis/gate.js';
import { scenarioOf, serviceSpecOf, truthOf, type SimCase } from './cases.js';
import { mixSeed } from './random.js';
import { createSimulatedTraffic } from './simulated-traffic.js';

/** One simulated run: the real RunResult, in virtual time. */
export async function simulateRun(c: SimCase, scenario: Scenario, seed: number, scale = 1, opts: Pick<FindCapacityOptions, 'decided' | 'targets'> = {}): Promise<RunResult> {
  const clock = { now: Date.UTC(2025, 0, 1) };
  const traffic = createSimulatedTraffic({
    spec: scenario.traffic as never,
    service: serviceSpecOf(c, scale),
    generator: c.generator,
    seed,
    clock,
  });
  return findCapacity(scenario, traffic, { ...opts, now: () => clock.now });
}

/** The run's bracket in plan levels: low = highest passing level, high = lowest failing level. */
export function bracketOf(result: RunResult): CapacityBracket {
  let low: number | null = null;
  let high: number | null = null;
  for (const s of result.steps) {
    if (s.verdict === 'pass' && !s.partial && (low === null || s.level > low)) low = s.level;
    if (s.verdict === 'fail' && (high === null || s.level < high)) high = s.level;
  }
  return { low, high };
}

export function answered(result: RunResult): boolean {
  const v = result.capacity.verdict;
  return v === 'found' || v === 'above-max' || v === 'below-start';
}

export function contains(b: CapacityBracket, truth: number): boolean {
  return (b.low ?? 0) <= truth && truth < (b.high ?? Infinity);
}

/** A run whose answer was wrong, kept for the report (seed and what it said). */
export interface Miss {
  seed: number;
  low: number | null;
  high: number | null;
  summary: string;
}

export interface CaseStats {
  name: string;
  truth: number;
  runs: number;
  answers: number;
  /** Answers whose bracket contains the truth. */
  correct: number;
  inconclusive: number;
  /** Inconclusive runs whose summary names the load generator. */
  generatorNamed: number;
  /** Median |reported max servable load − truth| / truth over answers with a servable load. */
  medianRelError: number | null;
  meanSteps: number;
  /** Inconclusive steps per run (re-runs included): what the search had to spend on undecided or spoilt levels. */
  meanInconclusiveSteps: number;
  misses: Miss[];
}

const MAX_MISSES_KEPT = 5;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Seeds of a case: distinct per case name, so cases do not share random streams. */
export function seedOf(caseName: string, i: number, role = 0): number {
  let h = 0;
  for (let k = 0; k < caseName.length; k++) h = (Math.imul(h, 31) + caseName.charCodeAt(k)) >>> 0;
  return mixSeed(h, i, role);
}

export async function runCase(c: SimCase, seeds: number): Promise<CaseStats> {
  const scenario = scenarioOf(c);
  const truth = truthOf(c, scenario);
  const st: CaseStats = { name: c.name, truth, runs: 0, answers: 0, correct: 0, inconclusive: 0, generatorNamed: 0, medianRelError: null, meanSteps: 0, meanInconclusiveSteps: 0, misses: [] };
  const errors: number[] = [];
  let steps = 0;
  let inconclusiveSteps = 0;
  for (let i = 0; i < seeds; i++) {
    const seed = seedOf(c.name, i);
    const r = await simulateRun(c, scenario, seed);
    st.runs++;
    steps += r.steps.length;
    inconclusiveSteps += r.steps.filter((x) => x.verdict === 'inconclusive').length;
    if (!answered(r)) {
      st.inconclusive++;
      if (r.capacity.summary.includes('load generator')) st.generatorNamed++;
      continue;
    }
    st.answers++;
    const b = bracketOf(r);
    if (contains(b, truth)) st.correct++;
    else if (st.misses.length < MAX_MISSES_KEPT) st.misses.push({ seed, ...b, summary: r.capacity.summary });
    if (r.capacity.maxServableLoad !== null) errors.push(Math.abs(r.capacity.maxServableLoad - truth) / truth);
  }
  st.medianRelError = median(errors);
  st.meanSteps = st.runs > 0 ? steps / st.runs : 0;
  st.meanInconclusiveSteps = st.runs > 0 ? inconclusiveSteps / st.runs : 0;
  return st;
}

export type GateTally = Record<CapacityChangeOutcome, number>;

export interface GateStats {
  name: string;
  /** True capacities: baseline service and the slower one. */
  truth: number;
  truthSlower: number;
  runs: number;
  /** Baseline vs the same service again: 'regressed' is a false fail. */
  same: GateTally;
  /** Baseline vs the 15% slower service: 'pass' is a false pass. */
  slower: GateTally;
  /** Mean steps of the gated runs (which refine until the gate is decided). */
  meanSteps: number;
}

export const GATE_MAX_REGRESSION = 0.1;
export const GATE_SLOWER = 0.85;

/**
 * The gate's answer, as `loadtest run --baseline base.json --max-regression 10%` gives it: the two
 * brackets judged by judgeCapacityChange; an inconclusive current run that did not pass exits 5,
 * counted here as inconclusive.
 */
export function gateOutcome(base: RunResult, cur: RunResult): CapacityChangeOutcome {
  const outcome = judgeCapacityChange(gateBracketOf(base), gateBracketOf(cur), GATE_MAX_REGRESSION).outcome;
  if (cur.capacity.verdict === 'inconclusive' && outcome !== 'pass') return 'inconclusive';
  return outcome;
}

export async function runGate(c: SimCase, seeds: number): Promise<GateStats> {
  const scenario = scenarioOf(c);
  const st: GateStats = {
    name: c.name,
    truth: truthOf(c, scenario),
    truthSlower: truthOf(c, scenario, GATE_SLOWER),
    runs: 0,
    same: { pass: 0, regressed: 0, inconclusive: 0 },
    slower: { pass: 0, regressed: 0, inconclusive: 0 },
    meanSteps: 0,
  };
  let steps = 0;
  for (let i = 0; i < seeds; i++) {
    // The baseline is an ordinary run; the runs gated against it refine until the gate is decided.
    const base = await simulateRun(c, scenario, seedOf(c.name, i, 0));
    const asked = { baseline: base, maxRegression: GATE_MAX_REGRESSION };
    const decided = gateDecided(asked);
    const gate = decided ? { decided, ...(process.env.LOADTEST_SIM_NO_TARGETS ? {} : { targets: gateTargets(asked) }) } : {};
    const same = await simulateRun(c, scenario, seedOf(c.name, i, 1), 1, gate);
    const slower = await simulateRun(c, scenario, seedOf(c.name, i, 2), GATE_SLOWER, gate);
    st.runs++;
    steps += same.steps.length + slower.steps.length;
    st.same[gateOutcome(base, same)]++;
    st.slower[gateOutcome(base, slower)]++;
  }
  st.meanSteps = st.runs > 0 ? steps / (2 * st.runs) : 0;
  return st;
}
