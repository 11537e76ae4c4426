// `loadtest run --agents N --listen host:port [--agents-min M] [--agents-wait S]`: flags → the
// controller's agent hub and its Traffic (src/agents/). Usage errors name the flag (exit 2).
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Traffic } from '../traffic/traffic.js';
import { readToken } from '../agents/auth.js';
import { AgentHub } from '../agents/hub.js';
import { createAgentsTraffic } from '../agents/agents-traffic.js';
import type { AgentPayload } from '../agents/agent.js';
import { DEFAULT_AGENT_PORT } from '../agents/k8s.js';
import { parseListenAddress } from '../report/metrics-endpoint.js';

export interface AgentsFlags {
  agents?: string;
  listen?: string;
  agentsMin?: string;
  agentsWait?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** A file a TLS flag names, read; a UsageError naming the flag when it cannot be. */
export function readFlagFile(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

export function addAgentsFlags(cmd: Command): Command {
  return cmd
    .option('--agents <n>', 'generate the load from n agents (`loadtest agent --connect`), not from this process')
    .option('--listen <host:port>', `with --agents: where agents connect (default 0.0.0.0:${DEFAULT_AGENT_PORT})`)
    .option('--agents-min <n>', 'with --agents: stop the run when fewer agents than this are left (default 1: go on with the rest)')
    .option('--agents-wait <seconds>', 'with --agents: how long to wait for the agents before the first step (default 120)')
    .option('--tls-cert <file>', 'with --agents: serve agents over TLS with this certificate (PEM); agents then need --tls')
    .option('--tls-key <file>', 'with --agents: the private key (PEM) of --tls-cert');
}

function whole(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !(n >= min)) throw new UsageError(`${flag}: expected a whole number ≥ ${min}, got "${value}"`);
  return n;
}

export interface AgentsSetup {
  traffic: Traffic;
  hub: AgentHub;
}

/** Undefined without --agents; otherwise the hub (listening) and the Traffic the run drives. */
export async function agentsFromFlags(scenario: Scenario, flags: AgentsFlags, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<AgentsSetup | undefined> {
  if (flags.agents === undefined) {
    for (const [flag, v] of [['--listen', flags.listen], ['--agents-min', flags.agentsMin], ['--agents-wait', flags.agentsWait], ['--tls-cert', flags.tlsCert], ['--tls-key', flags.tlsKey]] as const) {
      if (v !== undefined) throw new UsageError(`${flag} needs --agents <n>`);
    }
    return undefined;
  }
  const agents = whole('--agents', flags.agents, 1);
  const minAgents = flags.agentsMin === undefined ? 1 : whole('--agents-min', flags.agentsMin, 1);
  if (minAgents > agents) throw new UsageError(`--agents-min: ${minAgents} is more than --agents ${agents}`);
  let waitMs = 120_000;
  if (flags.agentsWait !== undefined) {
    const s = Number(flags.agentsWait);
    if (!(s > 0) || flags.agentsWait.trim() === '') throw new UsageError(`--agents-wait: expected seconds > 0, got "${flags.agentsWait}"`);
    waitMs = s * 1000;
  }
  const addr = parseListenAddress(flags.listen ?? `0.0.0.0:${DEFAULT_AGENT_PORT}`, '--listen');
  const spec = scenario.traffic;
  if (spec.kind !== 'generate') throw new UsageError('--agents: agents generate load, and this scenario shifts live traffic (traffic.shift)');
  for (const [name, d] of Object.entries(scenario.data ?? {})) {
    if (agents > 1 && d.order === 'unique') {
      throw new UsageError(`--agents: data.${name} has order: unique, which each of ${agents} agents would apply to its own copy of the rows (rows used twice); use sequential or random`);
    }
  }
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new UsageError(flags.tlsCert === undefined ? '--tls-key needs --tls-cert' : '--tls-cert needs --tls-key');
  const tls = flags.tlsCert !== undefined ? { cert: readFlagFile('--tls-cert', flags.tlsCert), key: readFlagFile('--tls-key', flags.tlsKey!) } : undefined;
  const token = readToken(env);
  if ('error' in token) throw new UsageError(token.error);
  const runSeed = randomInt(0x7fffffff);
  const payload: AgentPayload = { traffic: spec, ...(scenario.data ? { data: { ...scenario.data } } : {}) };
  const hub = await AgentHub.listen({ host: addr.host, port: addr.port, token: token.token, runSeed, payload, log, ...(tls ? { tls } : {}) });
  return { hub, traffic: createAgentsTraffic(spec, hub, { agents, minAgents, waitMs, runSeed }) };
}
