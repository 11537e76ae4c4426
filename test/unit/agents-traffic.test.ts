// agents-traffic.ts over a real hub with two scripted agents on loopback: one answers its step, one
// stays connected but never sends its result. The late one is dropped after the grace, its share
// named missing; the one that answered keeps its place for the next step.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentHub } from '../../src/agents/hub.js';
import { createAgentsTraffic } from '../../src/agents/agents-traffic.js';
import { agentProof, newNonce } from '../../src/agents/auth.js';
import { encodeFrame, FrameDecoder, PROTOCOL_VERSION, type Message } from '../../src/agents/protocol.js';
import { StepRecorder } from '../../src/traffic/generator/step-recorder.js';
import type { GenerateTrafficSpec } from '../../src/scenario/scenario.js';

const TOKEN = 'traffic-test-token-0123456789abcdef';
const spec = { kind: 'generate', target: 'http://127.0.0.1:9', requests: [{ name: 'GET /', method: 'GET', path: '/', headers: {}, weight: 1 }], arrival: 'poisson', maxInFlight: 1000, timeoutMs: 1000, connections: 4, workers: 1, errorStatuses: [[500, 599]], insecure: false } as GenerateTrafficSpec;
const health = { sendLagP99Ms: 0.2, sendLagMaxMs: 0.5, eventLoopDelayP99Ms: 1, cpuPercent: 3, cpuUsPerRequest: 30, dropped: 0, peakInFlight: 2, workers: 1, limited: false, reasons: [] };
let hub: AgentHub | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await hub?.close('test over');
  hub = undefined;
});

/** A scripted agent: handshakes, says ready, and answers steps with an empty result — or not at all. */
async function fakeAgent(port: number, id: string, answers: boolean): Promise<{ steps: number[] }> {
  const s = connect({ host: '127.0.0.1', port });
  sockets.push(s);
  await new Promise((r) => s.once('connect', r));
  const dec = new FrameDecoder();
  const send = (m: Message) => s.write(encodeFrame(m));
  const steps: number[] = [];
  const mine = newNonce();
  s.on('data', (c: Buffer) => {
    for (const m of dec.push(c)) {
      if (m.type === 'challenge') send({ type: 'proof', nonce: mine, mac: agentProof(TOKEN, m.nonce, mine, id) });
      else if (m.type === 'welcome') send({ type: 'ready' });
      else if (m.type === 'step-start') {
        steps.push(m.step);
        if (answers) {
          const rec = new StepRecorder(1);
          rec.judged.sent = 10;
          send({ type: 'step-result', step: m.step, result: { agentId: id, windowMs: m.durationMs - m.warmupMs, partial: false, rec: rec.toWire(), health, startLateMs: 0, clockErrorMs: 0.1 } });
        }
      }
    }
  });
  send({ type: 'hello', protocol: PROTOCOL_VERSION, agentId: id, version: 'test', cores: 1 });
  return { steps };
}

describe('agents traffic', () => {
  it('drops only the agent that owes its result past the grace; the one that answered stays for the next step', async () => {
    const logs: string[] = [];
    hub = await AgentHub.listen({ host: '127.0.0.1', port: 0, token: TOKEN, runSeed: 1, payload: {}, log: (l) => logs.push(l) });
    const traffic = createAgentsTraffic(spec, hub, { agents: 2, minAgents: 1, waitMs: 5000, runSeed: 1, resultGraceMs: 300 });
    const good = await fakeAgent(hub.port, 'good', true);
    await fakeAgent(hub.port, 'late', false);
    await traffic.prepare(new AbortController().signal);
    const step = (index: number) => traffic.runStep({ index, level: 100, durationMs: 200, warmupMs: 0, signal: new AbortController().signal });

    const first = await step(0);
    const agents = (first.generator as unknown as { agents: Array<{ id: string; sent: number; missing?: string }> }).agents;
    expect(agents.find((a) => a.id === 'good')).toMatchObject({ sent: 10 });
    expect(agents.find((a) => a.id === 'late')?.missing).toBe('no result for step 1 within 0.3s of its end');
    expect(first.partial).toBe(true);
    expect(first.generator!.limited).toBe(true);
    expect(first.generator!.reasons.join(' ')).toMatch(/^agent late: no result for step 1 within 0\.3s of its end: its 50 rps share was not measured/);
    expect(hub.ready().map((a) => a.id)).toEqual(['good']);

    // The next step goes to the agent left, with the whole rate.
    const second = await step(1);
    const after = (second.generator as unknown as { agents: Array<{ id: string; rate: number }> }).agents;
    expect(after).toEqual([expect.objectContaining({ id: 'good', rate: 100 })]);
    expect(good.steps).toEqual([0, 1]);
    expect(second.partial).toBe(false);
  });
});
