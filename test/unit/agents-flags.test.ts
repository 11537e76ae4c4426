// `run --agents …` and `agent --connect …` flags: every mistake is one line naming the flag (a
// UsageError, exit 2), found before anything listens or connects. And the traffic a controller
// sends its agents survives the wire (JSON) unchanged, for every kind of request the scenarios use.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentsFromFlags } from '../../src/cli/agents-flags.js';
import { parseConnect, agentCommand } from '../../src/cli/commands/agent.js';
import { loadScenario, parseScenario } from '../../src/scenario/load-scenario.js';
import { UsageError } from '../../src/errors.js';

const TOKEN = { LOADTEST_AGENT_TOKEN: 'a-token-of-enough-bytes-0123456789' };
const generate = parseScenario('name: g\ntarget: http://127.0.0.1:9\ntraffic: { request: { path: / } }\nload: { start: 10, step: 10, max: 20 }\nslo: [p99 < 100ms]\n', 'g.yaml');

describe('run --agents flags', () => {
  it.each([
    [{ listen: '127.0.0.1:7000' }, /^--listen needs --agents <n>$/],
    [{ agentsMin: '1' }, /^--agents-min needs --agents <n>$/],
    [{ tlsCert: 'c.pem' }, /^--tls-cert needs --agents <n>$/],
    [{ agents: '0' }, /^--agents: expected a whole number ≥ 1, got "0"$/],
    [{ agents: 'two' }, /^--agents: expected a whole number ≥ 1, got "two"$/],
    [{ agents: '2', agentsMin: '3' }, /^--agents-min: 3 is more than --agents 2$/],
    [{ agents: '2', agentsWait: '-1' }, /^--agents-wait: expected seconds > 0, got "-1"$/],
    [{ agents: '2', listen: 'nowhere' }, /^--listen: expected host:port/],
    [{ agents: '2', tlsCert: 'c.pem' }, /^--tls-cert needs --tls-key$/],
    [{ agents: '2', tlsCert: '/nonexistent/c.pem', tlsKey: '/nonexistent/k.pem' }, /^--tls-cert: cannot read \/nonexistent\/c\.pem \(ENOENT\)$/],
  ])('%j → %s', async (flags, message) => {
    const err = await agentsFromFlags(generate, flags, () => {}, TOKEN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });

  it('without --agents: nothing', async () => {
    expect(await agentsFromFlags(generate, {}, () => {}, TOKEN)).toBeUndefined();
  });

  it('needs the token, of at least 16 bytes, and never prints it', async () => {
    const none = await agentsFromFlags(generate, { agents: '1' }, () => {}, {}).catch((e: Error) => e);
    expect((none as Error).message).toMatch(/^LOADTEST_AGENT_TOKEN is not set/);
    const short = await agentsFromFlags(generate, { agents: '1' }, () => {}, { LOADTEST_AGENT_TOKEN: 'secret' }).catch((e: Error) => e);
    expect((short as Error).message).toMatch(/is 6 bytes long; use at least 16/);
    expect((short as Error).message).not.toContain('secret');
  });

  it('refuses a shift scenario and a unique feeder shared by several agents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agents-flags-'));
    writeFileSync(join(dir, 'users.csv'), 'id\n1\n2\n');
    const uniq = parseScenario(
      `name: u\ntarget: http://127.0.0.1:9\ndata: { users: { csv: ${join(dir, 'users.csv')}, order: unique } }\ntraffic: { request: { path: '/u/{{ users.id }}' } }\nload: { start: 10, step: 10, max: 20 }\nslo: [p99 < 100ms]\n`,
      join(dir, 'u.yaml'),
    );
    const e = await agentsFromFlags(uniq, { agents: '2' }, () => {}, TOKEN).catch((x: Error) => x);
    expect((e as Error).message).toMatch(/^--agents: data\.users has order: unique/);
    const shift = parseScenario(
      'name: s\ntraffic: { shift: { haproxy: { socket: /tmp/none.sock, backend: web, servers: [w1] } } }\nmetrics: haproxy\nload: { start: 1x, factor: 1.5, max: 2x }\nslo: [error_rate < 1%]\n',
      's.yaml',
    );
    const f = await agentsFromFlags(shift, { agents: '2' }, () => {}, TOKEN).catch((x: Error) => x);
    expect((f as Error).message).toMatch(/^--agents: agents generate load, and this scenario shifts live traffic/);
  });

  it('listens where told, and a port in use is one line', async () => {
    const a = (await agentsFromFlags(generate, { agents: '1', listen: '127.0.0.1:0' }, () => {}, TOKEN))!;
    try {
      expect(a.hub.address).toMatch(/^127\.0\.0\.1:\d+$/);
      const busy = await agentsFromFlags(generate, { agents: '1', listen: `127.0.0.1:${a.hub.port}` }, () => {}, TOKEN).catch((x: Error) => x);
      expect((busy as Error).message).toBe(`--listen 127.0.0.1:${a.hub.port}: the port is in use`);
    } finally {
      await a.traffic.close();
    }
  });
});

describe('agent flags', () => {
  it.each([
    ['10.0.0.5:7000', { host: '10.0.0.5', port: 7000 }],
    ['controller-host:7000', { host: 'controller-host', port: 7000 }],
    ['[::1]:7000', { host: '::1', port: 7000 }],
  ])('--connect %s', (v, want) => expect(parseConnect(v)).toEqual(want));

  it.each(['7000', 'host', 'host:0', 'host:70000', ':7000'])('--connect %s is refused', (v) => {
    expect(() => parseConnect(v)).toThrow(/^--connect: expected the controller's host:port/);
  });

  it.each([
    [{}, TOKEN, /^--connect <host:port> is required/],
    [{ connect: '127.0.0.1:7000', id: 'has space' }, TOKEN, /^--id: expected 1-64 letters/],
    [{ connect: '127.0.0.1:7000', connectTimeout: 'soon' }, TOKEN, /^--connect-timeout: expected seconds > 0/],
    [{ connect: '127.0.0.1:7000' }, {}, /^LOADTEST_AGENT_TOKEN is not set/],
    [{ connect: '127.0.0.1:7000', tlsCa: '/nonexistent/ca.pem' }, TOKEN, /^--tls-ca: cannot read \/nonexistent\/ca\.pem/],
  ])('%j is a usage error', async (flags, env, message) => {
    const err = await agentCommand(flags, env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('the traffic an agent is given', () => {
  it.each(['demo', 'checkout', 'sessions', 'templates', 'feeders', 'replay'])('scenarios/%s.yaml: survives JSON unchanged', async (name) => {
    const s = await loadScenario(`scenarios/${name}.yaml`, { env: { ...process.env, API_TOKEN: 't', TOKEN: 't' } });
    expect(s.traffic.kind).toBe('generate');
    expect(JSON.parse(JSON.stringify({ traffic: s.traffic, data: s.data }))).toEqual({ traffic: s.traffic, data: s.data });
  });
});
