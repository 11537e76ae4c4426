// One step's StepStats from the agents' results, as if one generator had sent everything: the way the
// generator merges its worker threads today (generator.ts: StepRecorder.fromWire → mergeFrom →
// buildStepStats), one level up. Pure.
//
// Exact, never averaged: every histogram (corrected, uncorrected, send lag, per request name) is
// decoded and added bucket by bucket (metrics/histogram.ts mergeInto), so the merged p99 is the p99
// of all the requests; counters, status codes, error classes, batches and sessions are summed.
// Health: each agent judged itself (its own lag, event loop, CPU, threads); the step's health is
//   send lag p99/max   from the merged lag histogram (exact)
//   event-loop delay   the worst agent's
//   CPU %, dropped, peak in flight, workers   summed (peak in flight: an upper bound, as for threads)
//   CPU µs per request  total CPU over total sent
//   limited   when ANY agent was limited, or missing; each reason names its agent.
// A missing agent (disconnected, or its result unreadable) makes the step partial as well as limited:
// the service saw less than the asked rate, and a limited step that is not partial may still pass
// "conservatively" in the step verdict (analysis/step-verdict.ts) — right for a late generator, wrong
// for one whose share was never sent.
// `generator.agents[]` lists each agent's share and counts; the present agents' sent, completed and
// errors add up to the step's.
import type { GeneratorHealth, StepStats } from '../metrics/step-stats.js';
import { StepRecorder } from '../traffic/generator/step-recorder.js';
import { buildStepStats } from '../traffic/generator/stats.js';
import type { AgentStepResult } from './protocol.js';

/** One agent's part of a step, as `generator.agents[]` lists it. */
export interface AgentStepSummary {
  id: string;
  /** The rate this agent was asked for (requests/s). */
  rate: number;
  sent: number;
  completed: number;
  errors: number;
  dropped: number;
  /** Its own health (its reasons, unprefixed); absent when it sent no readable result. */
  health?: GeneratorHealth;
  /** Why there is no result from it (disconnected, unreadable). */
  missing?: string;
}

export type AgentsGeneratorHealth = GeneratorHealth & { agents: AgentStepSummary[] };

export interface MergeInput {
  level: number;
  startedAt: string;
  /** The judged window asked for (ms): used when no agent reports a shorter one. */
  windowMs: number;
  /** Request names of the mix (the same on every agent). */
  names: readonly string[];
  sessions?: boolean;
  /** Every agent the step was given to, and its share. */
  shares: ReadonlyArray<{ id: string; rate: number }>;
  /** The results that arrived. */
  results: readonly AgentStepResult[];
  /** Agents known to be gone during the step, and why (e.g. "connection reset"). */
  lost?: ReadonlyMap<string, string>;
}

const rps = (r: number) => (r >= 10 ? r.toFixed(0) : r.toFixed(1));

export function mergeAgentResults(input: MergeInput): StepStats & { generator: AgentsGeneratorHealth } {
  const byId = new Map<string, AgentStepResult>();
  const known = new Set(input.shares.map((s) => s.id));
  for (const r of input.results) {
    // A result from an agent the step was not given to, or twice from one, is a wiring bug.
    if (!known.has(r.agentId)) throw new Error(`step result from agent ${JSON.stringify(r.agentId)}, which was not given this step`);
    if (byId.has(r.agentId)) throw new Error(`two step results from agent ${JSON.stringify(r.agentId)}`);
    byId.set(r.agentId, r);
  }

  const merged = new StepRecorder(input.names.length);
  const agents: AgentStepSummary[] = [];
  const reasons: string[] = [];
  const notes: string[] = [];
  const present: GeneratorHealth[] = [];
  let windowMs = input.windowMs;
  let partial = false;
  let cpuUs = 0;
  let dataExhausted: string | undefined;

  for (const share of input.shares) {
    const r = byId.get(share.id);
    let rec: StepRecorder | undefined;
    let missing: string | undefined;
    if (r === undefined) {
      missing = input.lost?.get(share.id) ?? 'no result';
    } else {
      try {
        rec = StepRecorder.fromWire(r.rec);
        if (rec.names.length !== input.names.length) throw new Error(`${rec.names.length} request names, expected ${input.names.length}`);
      } catch (err) {
        rec = undefined;
        missing = `unreadable result (${err instanceof Error ? err.message : String(err)})`;
      }
    }
    if (rec === undefined || r === undefined) {
      agents.push({ id: share.id, rate: share.rate, sent: 0, completed: 0, errors: 0, dropped: 0, missing: missing! });
      reasons.push(`agent ${share.id}: ${missing}: its ${rps(share.rate)} rps share was not measured, so the service saw less than the asked rate`);
      partial = true;
      continue;
    }
    merged.mergeFrom(rec);
    const h = r.health;
    present.push(h);
    cpuUs += h.cpuUsPerRequest * rec.judged.sent;
    if (r.partial) {
      partial = true;
      windowMs = Math.min(windowMs, r.windowMs);
    }
    if (dataExhausted === undefined && r.dataExhausted !== undefined) dataExhausted = `agent ${share.id}: ${r.dataExhausted}`;
    for (const why of h.limited ? h.reasons : []) reasons.push(`agent ${share.id}: ${why}`);
    if (h.limited && h.reasons.length === 0) reasons.push(`agent ${share.id}: the generator fell behind its schedule`);
    for (const n of h.notes ?? []) notes.push(`agent ${share.id}: ${n}`);
    agents.push({ id: share.id, rate: share.rate, sent: rec.judged.sent, completed: rec.judged.completed, errors: rec.judged.errorCount, dropped: rec.judged.dropped, health: h });
  }

  const lag = merged.lag;
  const sent = merged.judged.sent;
  const generator: AgentsGeneratorHealth = {
    sendLagP99Ms: lag.totalCount > 0 ? lag.getValueAtPercentile(99) / 1000 : 0,
    sendLagMaxMs: lag.totalCount > 0 ? lag.maxValue / 1000 : 0,
    eventLoopDelayP99Ms: Math.max(0, ...present.map((h) => h.eventLoopDelayP99Ms)),
    cpuPercent: present.reduce((s, h) => s + h.cpuPercent, 0),
    cpuUsPerRequest: sent > 0 ? cpuUs / sent : 0,
    dropped: merged.judged.dropped,
    peakInFlight: present.reduce((s, h) => s + h.peakInFlight, 0),
    workers: present.reduce((s, h) => s + h.workers, 0),
    limited: reasons.length > 0,
    reasons,
    agents,
  };
  if (notes.length > 0) generator.notes = notes;

  const stats = buildStepStats(merged, {
    level: input.level,
    startedAt: input.startedAt,
    windowMs,
    partial,
    names: input.names,
    generator,
    ...(input.sessions ? { sessions: true } : {}),
  }) as StepStats & { generator: AgentsGeneratorHealth };
  if (dataExhausted !== undefined) stats.dataExhausted = dataExhausted;
  return stats;
}
