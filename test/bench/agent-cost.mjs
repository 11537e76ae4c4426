// The agents' overhead (issue #14): the same open-model step at the same rate, sent once by an agent
// (`loadtest agent`, pinned to the load core, driven by a controller `loadtest run --agents 1` on the
// server core) and once by the in-process generator (run.mjs cpuAndRss). The agent's CPU per request
// is what its own generator measured (process-wide: its pings, progress frames and result included).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/loadtest.js', import.meta.url));
const TOKEN = 'bench-token-0123456789abcdef0123456789';

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

function spawnPinned(core, args) {
  const child = spawn('taskset', ['-c', String(core), process.execPath, BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOADTEST_AGENT_TOKEN: TOKEN, NO_COLOR: '1' },
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  child.stdout.resume();
  const exited = new Promise((r) => child.on('close', (code) => r({ code, err })));
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  exited.then(() => clearTimeout(killer));
  return exited;
}

/** One step at `rate` through one agent: its CPU µs per request and whether it kept its schedule. */
export async function agentCpu(url, rate, { controllerCore, agentCore, stepMs, warmMs }) {
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-bench-agent-'));
  try {
    const file = join(dir, 'agent.yaml');
    const json = join(dir, 'agent.json');
    writeFileSync(
      file,
      `name: agent bench\ntarget: ${url}\ntraffic: { request: { path: / }, arrival: uniform, connections: 50, workers: 1 }\n` +
        `load: { start: ${rate}, step: 1, max: ${rate}, step_duration: ${stepMs}ms, warmup: ${warmMs}ms }\nslo: [error_rate < 1%]\n`,
    );
    const port = await freePort();
    const ctl = spawnPinned(controllerCore, ['run', file, '--agents', '1', '--listen', `127.0.0.1:${port}`, '--json', json, '-q']);
    const agent = spawnPinned(agentCore, ['agent', '--connect', `127.0.0.1:${port}`, '--id', 'bench']);
    const [c] = await Promise.all([ctl, agent]);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    const step = r.steps[0];
    if (!step) throw new Error(`the controller ran no step (exit ${c.code}): ${c.err.slice(0, 400)}`);
    const a = step.generator.agents[0];
    return { rate, cpuUsPerRequest: a.health.cpuUsPerRequest, cpuPercent: a.health.cpuPercent, limited: a.health.limited, sent: a.sent, errors: a.errors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
