// Each agent's share of a step: its rate, its uniform phase and its schedule seed, so that the union
// of the agents' schedules is the open-model schedule the step asked for. Pure.
//
// Poisson: the union of independent Poisson processes of rates r1..rn is a Poisson process of rate
// Σ ri (superposition), whatever the split, so agents need no coordination beyond INDEPENDENT
// streams: each agent draws from its own seed, mixed (splitmix32-style) from the run seed, the step
// and the agent's id, so no two agents — nor two steps of one agent — share a stream. (Inside an
// agent the generator splits again over its threads with seed + k·104729, as on one machine.)
// Uniform: with equal shares agent k of n gets phase k/n, and its threads split again with phases
// (j + k/n)/m (the wiring passes the agent's phase down): the union is exactly evenly spaced, up to
// the agents' clock error (clock.ts). With unequal weights no phase makes the union even; each
// agent's stream is then uniform and the union only uniform on average (a note, not an error).
// Re-split: when an agent leaves, the next step's rate is split over the agents left (splitStep is
// called with them); its seed does not change, so the remaining agents keep their identity.

export interface AgentSlot {
  /** The agent's id (LOADTEST_AGENT_ID, the Indexed Job's completion index, or one the controller gave). */
  id: string;
  /** Relative capacity, e.g. cores; default 1. Must be > 0. */
  weight?: number;
}

export interface AgentShare {
  id: string;
  /** Requests/s this agent sends. */
  rate: number;
  /** Uniform arrivals: the agent's phase in [0, 1) of the full-rate spacing (0 with unequal weights). */
  phase: number;
  /** The agent's schedule seed for this step (uint32). */
  seed: number;
}

/** A 32-bit hash of a string (FNV-1a): agent ids are strings. */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32's finaliser: nearby inputs give unrelated outputs. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The seed an agent draws its schedule from in a step: distinct per (run seed, step, agent id). */
export function agentSeed(runSeed: number, step: number, agentId: string): number {
  return mix32(mix32(mix32(runSeed >>> 0) ^ (step >>> 0)) ^ hashId(agentId));
}

/**
 * Splits `rate` over `agents` by weight (equal by default). Throws on no agents, a duplicate id, or a
 * weight that is not a positive finite number: those are wiring bugs, not user input. The shares
 * add up to `rate` (the last takes the remainder, so rounding cannot lose a fraction of a request/s).
 */
export function splitStep(rate: number, agents: readonly AgentSlot[], runSeed: number, step: number): AgentShare[] {
  if (agents.length === 0) throw new Error('no agents to split the rate over');
  const seen = new Set<string>();
  for (const a of agents) {
    if (seen.has(a.id)) throw new Error(`duplicate agent id ${JSON.stringify(a.id)}`);
    seen.add(a.id);
    const w = a.weight ?? 1;
    if (!(w > 0) || !Number.isFinite(w)) throw new Error(`agent ${a.id}: weight must be a positive number, got ${w}`);
  }
  const weights = agents.map((a) => a.weight ?? 1);
  const total = weights.reduce((s, w) => s + w, 0);
  const equal = weights.every((w) => w === weights[0]);
  const n = agents.length;
  let given = 0;
  return agents.map((a, k) => {
    const r = k === n - 1 ? Math.max(0, rate - given) : (rate * weights[k]!) / total;
    given += r;
    return { id: a.id, rate: r, phase: equal ? k / n : 0, seed: agentSeed(runSeed, step, a.id) };
  });
}

/**
 * After agents left: the agents still connected (in their original order), or the line saying why
 * the run stops because fewer than `minAgents` are left (`--agents-min`).
 */
export function remainingAgents<T extends AgentSlot>(
  agents: readonly T[],
  gone: ReadonlySet<string>,
  minAgents: number,
): { agents: T[] } | { stop: string } {
  const left = agents.filter((a) => !gone.has(a.id));
  if (left.length < Math.max(1, minAgents)) {
    const names = [...gone].join(', ');
    return { stop: `${left.length} of ${agents.length} agents left (agent ${names} disconnected), fewer than --agents-min ${minAgents}` };
  }
  return { agents: left };
}
