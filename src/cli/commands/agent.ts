// `loadtest agent --connect host:port [--id ID]`: one load machine of a distributed run (src/agents/agent.ts).
// The token comes from LOADTEST_AGENT_TOKEN; SIGINT/SIGTERM stop it (the running step is aborted and the controller told).
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { readToken } from '../../agents/auth.js';
import { defaultAgentId, runAgent } from '../../agents/agent.js';
import type { SetExit } from '../commands.js';
import { readFlagFile } from '../agents-flags.js';

export interface AgentFlags {
  connect?: string;
  id?: string;
  connectTimeout?: string;
  tls?: boolean;
  tlsCa?: string;
}

/** host:port, [v6]:port → host and port; a UsageError naming --connect otherwise. */
export function parseConnect(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new UsageError(`--connect: expected the controller's host:port, such as 10.0.0.5:7000, got "${value}"`);
  return { host: m[1] ?? m[2]!, port };
}

export async function agentCommand(flags: AgentFlags, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (flags.connect === undefined) throw new UsageError('--connect <host:port> is required: the controller (`loadtest run … --agents N --listen …`) to take steps from');
  const { host, port } = parseConnect(flags.connect);
  const id = flags.id ?? defaultAgentId(env);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new UsageError(`--id: expected 1-64 letters, digits, '.', '_' or '-', got "${id}"`);
  let connectTimeoutMs = 120_000;
  if (flags.connectTimeout !== undefined) {
    const s = Number(flags.connectTimeout);
    if (!(s > 0) || flags.connectTimeout.trim() === '') throw new UsageError(`--connect-timeout: expected seconds > 0, got "${flags.connectTimeout}"`);
    connectTimeoutMs = s * 1000;
  }
  const token = readToken(env);
  if ('error' in token) throw new UsageError(token.error);
  const tls = flags.tls === true || flags.tlsCa !== undefined ? (flags.tlsCa !== undefined ? { ca: readFlagFile('--tls-ca', flags.tlsCa) } : {}) : undefined;
  // Tests only: pretend this host's clock is off by this much (the offset estimate must absorb it).
  const skew = Number(env.LOADTEST_AGENT_CLOCK_SKEW_MS ?? 0);
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await runAgent({
      host,
      port,
      id,
      token: token.token,
      connectTimeoutMs,
      log: (l) => process.stderr.write(l + '\n'),
      signal: ac.signal,
      ...(tls ? { tls } : {}),
      ...(Number.isFinite(skew) && skew !== 0 ? { clockSkewMs: skew } : {}),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function registerAgent(program: Command, setExit: SetExit): void {
  program
    .command('agent')
    .description('send load for a controller (`loadtest run … --agents N`): connect, take each step, report back')
    .option('--connect <host:port>', 'the controller to connect to (required)')
    .option('--id <id>', 'this agent’s id (default: LOADTEST_AGENT_ID, JOB_COMPLETION_INDEX, else host-pid)')
    .option('--connect-timeout <seconds>', 'keep trying to reach the controller this long (default 120)')
    .option('--tls', 'connect over TLS (the controller runs with --tls-cert/--tls-key); its certificate must be trusted by the system or --tls-ca')
    .option('--tls-ca <file>', 'trust this CA (or self-signed) certificate, PEM, for the controller’s; implies --tls')
    .action(async (flags: AgentFlags) => {
      setExit(await agentCommand(flags));
    });
}
