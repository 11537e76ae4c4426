// The controller's listener (hub.ts) at the protocol level, with raw sockets on loopback: what it
// refuses, and the one line it logs for each.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentHub } from '../../src/agents/hub.js';
import { agentProof, newNonce, verifyControllerProof } from '../../src/agents/auth.js';
import { encodeFrame, FrameDecoder, PROTOCOL_VERSION, type Message } from '../../src/agents/protocol.js';

const TOKEN = 'hub-test-token-0123456789abcdef';
let hub: AgentHub | undefined;
const logs: string[] = [];

afterEach(async () => {
  await hub?.close('test over');
  hub = undefined;
  logs.length = 0;
});

async function listen(): Promise<AgentHub> {
  hub = await AgentHub.listen({ host: '127.0.0.1', port: 0, token: TOKEN, runSeed: 7, payload: { traffic: 'x' }, log: (l) => logs.push(l) });
  return hub;
}

/** A raw connection: send frames, read the messages that come back, and see it close. */
async function raw(port: number) {
  const s: Socket = connect({ host: '127.0.0.1', port });
  await new Promise((r) => s.once('connect', r));
  const dec = new FrameDecoder();
  const got: Message[] = [];
  let waiters: Array<() => void> = [];
  let closed = false;
  s.on('data', (c: Buffer) => {
    got.push(...dec.push(c));
    for (const w of waiters.splice(0)) w();
  });
  s.on('close', () => {
    closed = true;
    for (const w of waiters.splice(0)) w();
  });
  const next = async (): Promise<Message | undefined> => {
    while (got.length === 0 && !closed) await new Promise<void>((r) => waiters.push(r));
    return got.shift();
  };
  return { s, next, send: (m: Message) => s.write(encodeFrame(m)), isClosed: () => closed };
}

const hello = (agentId: string, protocol = PROTOCOL_VERSION): Message => ({ type: 'hello', protocol, agentId, version: 'test', cores: 2 });

describe('AgentHub', () => {
  it('lets in an agent that proves the token, and proves it back', async () => {
    const h = await listen();
    const c = await raw(h.port);
    c.send(hello('a1'));
    const ch = (await c.next()) as Extract<Message, { type: 'challenge' }>;
    expect(ch.type).toBe('challenge');
    const mine = newNonce();
    c.send({ type: 'proof', nonce: mine, mac: agentProof(TOKEN, ch.nonce, mine, 'a1') });
    const w = (await c.next()) as Extract<Message, { type: 'welcome' }>;
    expect(w.type).toBe('welcome');
    expect(verifyControllerProof(TOKEN, ch.nonce, mine, 'a1', w.mac)).toBe(true);
    expect(w.runSeed).toBe(7);
    expect(w.seqSlot).toBe(0);
    expect(h.ready()).toEqual([]);
    c.send({ type: 'ready' });
    await new Promise((r) => setTimeout(r, 50));
    expect(h.ready().map((a) => a.id)).toEqual(['a1']);
    // A ping is answered with the controller's times.
    c.send({ type: 'ping', id: 1, t0: 123 });
    const pong = (await c.next()) as Extract<Message, { type: 'pong' }>;
    expect(pong).toMatchObject({ type: 'pong', id: 1, t0: 123 });
    expect(pong.t2).toBeGreaterThanOrEqual(pong.t1);
    c.s.destroy();
  });

  it.each([
    ['a wrong token', 'wrong token', /agent a1 at 127\.0\.0\.1:\d+ refused: its proof does not match LOADTEST_AGENT_TOKEN/],
    ['another protocol version', 'protocol 99 is not 1', /agent a1 at .* refused: it speaks protocol 99, the controller 1/],
  ])('refuses %s, with the reason and one log line', async (what, reason, line) => {
    const h = await listen();
    const c = await raw(h.port);
    c.send(hello('a1', what === 'another protocol version' ? 99 : PROTOCOL_VERSION));
    if (what === 'a wrong token') {
      const ch = (await c.next()) as Extract<Message, { type: 'challenge' }>;
      const mine = newNonce();
      c.send({ type: 'proof', nonce: mine, mac: agentProof('another-token-0123456789abcdef', ch.nonce, mine, 'a1') });
    }
    expect(await c.next()).toEqual({ type: 'reject', reason });
    expect(logs.join('\n')).toMatch(line);
    expect(logs.join('\n')).not.toContain(TOKEN);
  });

  it('refuses a second agent with an id already connected', async () => {
    const h = await listen();
    const first = await raw(h.port);
    first.send(hello('dup'));
    const ch = (await first.next()) as Extract<Message, { type: 'challenge' }>;
    const mine = newNonce();
    first.send({ type: 'proof', nonce: mine, mac: agentProof(TOKEN, ch.nonce, mine, 'dup') });
    expect((await first.next())?.type).toBe('welcome');
    const second = await raw(h.port);
    second.send(hello('dup'));
    expect(await second.next()).toEqual({ type: 'reject', reason: 'agent id dup is already connected' });
    expect(logs.join('\n')).toMatch(/an agent with that id is already connected \(from 127\.0\.0\.1:\d+\); give each agent its own --id/);
    first.s.destroy();
  });

  it('closes a connection that does not speak the protocol (a TLS agent, a port scanner) with one line', async () => {
    const h = await listen();
    const c = await raw(h.port);
    c.s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
    await c.next();
    expect(c.isClosed()).toBe(true);
    expect(logs.join('\n')).toMatch(/a connection from 127\.0\.0\.1:\d+ was refused: protocol error: frame length \d+ is outside .*\(an agent with --tls\? this controller has no --tls-cert\)/);
  });

  it('waitForAgents gives up after its time with a line saying how many came', async () => {
    const h = await listen();
    const err = await h.waitForAgents(2, 200, new AbortController().signal).catch((e: Error) => e);
    expect((err as Error).message).toBe('only 0 of 2 agents were ready within 0.2s (--agents-wait); nothing was sent');
    expect(logs[0]).toMatch(/^waiting for 2 agents on 127\.0\.0\.1:\d+/);
  });
});
