// The controller's Traffic when the load comes from agents (`loadtest run --agents N`): the same
// interface as the in-process generator, so the search, the verdicts and the reports do not know
// the difference. Per step: split the level over the agents that are ready (rate-split.ts), give
// each its share, its seed, its phase and the start time on this clock, collect their results and
// merge them exactly (merge.ts). The controller itself sends no load.
//
// Failure behaviour:
// - An agent that goes during a step (connection lost, silent for SILENCE_MS, or no result within
//   RESULT_GRACE_MS of the step's end) is dropped: the step has no result from it, so it is partial
//   and inconclusive, naming the agent (merge.ts), and the search re-runs it with the agents left,
//   their rates re-split — or stops with an error when fewer than --agents-min are left.
// - Any agent that judged itself limited makes the step inconclusive, naming it (merge.ts).
// - Start skew: every agent starts at startAt on the controller's clock, converted with its own
//   offset estimate; it reports how late its schedule really started (event loop, a late message)
//   and the estimate's error bound. The step's skew is the spread of those starts; it is reported,
//   with the worst clock error bound, in generator.startSkewMs / clockErrorMs.
import { performance } from 'node:perf_hooks';
import type { GenerateTrafficSpec } from '../scenario/scenario.js';
import type { StepStats } from '../metrics/step-stats.js';
import type { StepRequest, Traffic } from '../traffic/traffic.js';
import { LoadtestError } from '../errors.js';
import { describeGenerateLevel } from '../scenario/level-unit.js';
import { requestNames } from '../traffic/generator/mix.js';
import type { AgentHub, AgentProgress } from './hub.js';
import { StepRecorder, type WireRecorder } from '../traffic/generator/step-recorder.js';
import { buildProgress } from '../traffic/generator/stats.js';
import { mergeAgentResults } from './merge.js';
import type { AgentStepResult } from './protocol.js';
import { splitStep } from './rate-split.js';

/** How long after a step's end an agent may take to send its result. */
export const RESULT_GRACE_MS = 10_000;
/** How far ahead of now a step starts: time for the step-start to reach every agent and its threads to be ready. */
export const START_LEAD_MS = 300;

export interface AgentsTrafficOptions {
  /** Agents to wait for before the first step (--agents). */
  agents: number;
  /** Fewer agents than this left: the run stops (--agents-min; default 1). */
  minAgents: number;
  /** How long prepare() waits for the agents (--agents-wait). */
  waitMs: number;
  runSeed: number;
  clock?: () => number;
  /** How long after a step's end an agent may take to send its result (default RESULT_GRACE_MS; tests shorten it). */
  resultGraceMs?: number;
}

export type AgentsStepExtras = { startSkewMs?: number; clockErrorMs?: number };

export function createAgentsTraffic(spec: GenerateTrafficSpec, hub: AgentHub, o: AgentsTrafficOptions): Traffic {
  const { names } = requestNames(spec.requests);
  const clock = o.clock ?? (() => performance.timeOrigin + performance.now());
  const grace = o.resultGraceMs ?? RESULT_GRACE_MS;
  let closed = false;

  async function runStep(step: StepRequest): Promise<StepStats> {
    if (closed) throw new Error('agents traffic is closed');
    const agents = hub.ready();
    if (agents.length < Math.max(1, o.minAgents)) {
      throw new LoadtestError(`${agents.length} agent${agents.length === 1 ? '' : 's'} left, fewer than --agents-min ${o.minAgents}: the run stops`);
    }
    const shares = splitStep(step.level, agents, o.runSeed, step.index);
    const startAt = clock() + START_LEAD_MS;
    const startedAt = new Date(Date.now() + START_LEAD_MS).toISOString();
    // Running figures: each agent's latest recorder, merged exactly, once every agent still owing
    // its result has sent one (an agent lost mid-step no longer holds the others' figures back).
    const latest = new Map<string, AgentProgress>();
    const answered = new Set<string>();
    const onAgentProgress = (id: string) => (p: AgentProgress) => {
      latest.set(id, p);
      if (!step.onProgress || shares.some((s) => !latest.has(s.id) && !answered.has(s.id))) return;
      const merged = new StepRecorder(names.length);
      let inFlight = 0;
      try {
        for (const q of latest.values()) {
          merged.mergeFrom(StepRecorder.fromWire(q.rec as WireRecorder));
          inFlight += q.inFlight;
        }
      } catch {
        return; // an unreadable snapshot: its step result will say so
      }
      step.onProgress(buildProgress(merged, Math.min(...[...latest.values()].map((q) => q.elapsedMs)), step.warmupMs, inFlight));
    };
    const pending = shares.map((s) =>
      hub.result(s.id, step.index, onAgentProgress(s.id)).then((r) => {
        answered.add(s.id);
        return r;
      }),
    );
    for (const s of shares) {
      hub.send(s.id, {
        type: 'step-start',
        step: step.index,
        rate: s.rate,
        phase: s.phase,
        seed: s.seed,
        startAt,
        durationMs: step.durationMs,
        warmupMs: step.warmupMs,
        tailThresholdsMs: step.tailThresholdsMs ?? [],
      });
    }
    const onAbort = () => {
      for (const s of shares) hub.send(s.id, { type: 'step-abort', step: step.index });
    };
    if (step.signal.aborted) onAbort();
    else step.signal.addEventListener('abort', onAbort, { once: true });
    // An agent that owes its result long after the step's end is dropped (its connection closed),
    // which resolves its pending result as lost.
    const deadline = setTimeout(
      () => {
        for (const s of shares) if (!answered.has(s.id)) hub.drop(s.id, `no result for step ${step.index + 1} within ${grace / 1000}s of its end`);
      },
      Math.max(0, startAt - clock()) + step.durationMs + grace,
    );
    let settled: Array<AgentStepResult | { lost: string }>;
    try {
      settled = await Promise.all(pending);
    } finally {
      clearTimeout(deadline);
      step.signal.removeEventListener('abort', onAbort);
    }
    const results: AgentStepResult[] = [];
    const lost = new Map<string, string>();
    settled.forEach((r, k) => {
      if ('lost' in r) lost.set(shares[k]!.id, r.lost);
      else results.push(r);
    });
    const stats = mergeAgentResults({
      level: step.level,
      startedAt,
      windowMs: Math.max(0, step.durationMs - step.warmupMs),
      names,
      ...(spec.sessions ? { sessions: true } : {}),
      shares: shares.map((s) => ({ id: s.id, rate: s.rate })),
      results,
      lost,
    });
    if (results.length > 0) {
      const lates = results.map((r) => r.startLateMs ?? 0);
      const extras = stats.generator as typeof stats.generator & AgentsStepExtras;
      extras.startSkewMs = Math.max(...lates) - Math.min(...lates);
      extras.clockErrorMs = Math.max(...results.map((r) => r.clockErrorMs ?? 0));
    }
    return stats;
  }

  return {
    kind: 'generate',
    async prepare(signal) {
      await hub.waitForAgents(o.agents, o.waitMs, signal);
    },
    describe: (level) => describeGenerateLevel(level, spec.sessions !== undefined),
    runStep,
    async close() {
      closed = true;
      await hub.close('the run is over');
      return [];
    },
  };
}
