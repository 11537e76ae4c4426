// The controller's side of distributed generation: it listens, lets in the agents that prove the
// token (auth.ts), answers their clock pings (clock.ts), and gives each step to the agents that are
// ready (agents-traffic.ts). Agents connect to it, so they work from behind NAT, in pods, over ssh.
//
// An agent is in one of three states: connecting (the handshake, then its generator's probe of the
// target), ready, or gone (its connection closed, it broke the protocol, or it was silent for
// SILENCE_MS). Whatever ends an agent is said once, on the log, and a step it was running gets no
// result from it: that step is inconclusive (merge.ts), never waited on.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { PROTOCOL_VERSION, type AgentStepResult, type Message } from './protocol.js';
import { controllerProof, newNonce, verifyAgentProof } from './auth.js';
import { Peer } from './peer.js';
import { LoadtestError } from '../errors.js';

/** An agent silent for this long (it pings every 250 ms) is gone. */
export const SILENCE_MS = 3000;
/** The handshake (hello → proof) must be done within this. */
const HANDSHAKE_MS = 5000;

export interface HubOptions {
  host: string;
  port: number;
  token: string;
  runSeed: number;
  /** What every agent generates: { traffic, data } (sent in welcome). */
  payload: unknown;
  /** One line per event worth telling the operator (agent joined, refused, lost). */
  log: (line: string) => void;
  /** This process's clock (tests may shift it); default performance.timeOrigin + now(). */
  clock?: () => number;
  /** Serve TLS (`--tls-cert`/`--tls-key`): agents must connect with `--tls`; everything after is encrypted. */
  tls?: { cert: Buffer; key: Buffer };
}

/** An agent's running figures of a step (protocol.ts step-progress). */
export interface AgentProgress {
  elapsedMs: number;
  inFlight: number;
  rec: unknown;
}

export interface HubAgent {
  id: string;
  cores: number;
  /** Where it connected from. */
  from: string;
  ready: boolean;
  /** Set once it is gone, with why. */
  gone?: string;
}

interface Conn extends HubAgent {
  peer: Peer;
  /** The step result it owes, if any, and where its running figures go. */
  waiting?: { step: number; resolve: (r: AgentStepResult | { lost: string }) => void; progress?: (p: AgentProgress) => void };
}

export class AgentHub {
  private readonly agents = new Map<string, Conn>();
  private readonly server: Server;
  private readonly clock: () => number;
  private readonly changed = new Set<() => void>();
  private closing = false;
  /** Each agent let in gets the next slot for its `{{ seq }}` numbers (a replacement too: never reused). */
  private nextSeqSlot = 0;
  private silenceTimer: NodeJS.Timeout;

  private constructor(private readonly o: HubOptions) {
    this.clock = o.clock ?? (() => performance.timeOrigin + performance.now());
    if (o.tls) {
      const server = createTlsServer({ cert: o.tls.cert, key: o.tls.key, minVersion: 'TLSv1.2' }, (s) => this.accept(s));
      server.on('tlsClientError', (err, s) => {
        const from = s.remoteAddress !== undefined ? `from ${s.remoteAddress}:${s.remotePort ?? '?'} ` : '';
        o.log(`a connection ${from}was refused: no TLS handshake (${err.message.split('\n')[0]}); agents of this controller need --tls`);
      });
      this.server = server;
    } else {
      this.server = createServer((s) => this.accept(s));
    }
    this.silenceTimer = setInterval(() => {
      const now = this.clock();
      for (const a of this.agents.values()) if (!a.gone && now - a.peer.lastHeard > SILENCE_MS) a.peer.close(`silent for ${((now - a.peer.lastHeard) / 1000).toFixed(1)}s`);
    }, 250);
    this.silenceTimer.unref();
  }

  /** Listens on host:port; a port in use or an address that is not ours is a LoadtestError. */
  static async listen(o: HubOptions): Promise<AgentHub> {
    const hub = new AgentHub(o);
    await new Promise<void>((resolve, reject) => {
      hub.server.once('error', (err: NodeJS.ErrnoException) => reject(new LoadtestError(`--listen ${o.host}:${o.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EADDRNOTAVAIL' ? 'not an address of this machine' : err.message}`)));
      hub.server.listen(o.port, o.host, () => resolve());
    });
    hub.server.on('error', (err) => o.log(`agents listener: ${err.message}`));
    return hub;
  }

  /** host:port it listens on (the real port when asked for 0). */
  get address(): string {
    const a = this.server.address();
    if (a === null || typeof a === 'string') return String(a);
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  get port(): number {
    const a = this.server.address();
    return a !== null && typeof a !== 'string' ? a.port : 0;
  }

  /** The agents ready for a step, in the order they became ready. */
  ready(): HubAgent[] {
    return [...this.agents.values()].filter((a) => a.ready && !a.gone);
  }

  /**
   * Resolves when `n` agents are ready; rejects (LoadtestError) when `timeoutMs` passes first or
   * the signal aborts. Logs how many it is waiting for.
   */
  async waitForAgents(n: number, timeoutMs: number, signal: AbortSignal): Promise<HubAgent[]> {
    if (this.ready().length >= n) return this.ready().slice(0, n);
    this.o.log(`waiting for ${n} agent${n === 1 ? '' : 's'} on ${this.address} (loadtest agent --connect <this host>:${this.port})`);
    return new Promise((resolve, reject) => {
      const done = (f: () => void) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.changed.delete(check);
        f();
      };
      const check = () => {
        if (this.ready().length >= n) done(() => resolve(this.ready().slice(0, n)));
      };
      const onAbort = () => done(() => reject(new LoadtestError('interrupted while waiting for agents')));
      const timer = setTimeout(
        () => done(() => reject(new LoadtestError(`only ${this.ready().length} of ${n} agents were ready within ${timeoutMs % 1000 === 0 ? timeoutMs / 1000 : (timeoutMs / 1000).toFixed(1)}s (--agents-wait); nothing was sent`))),
        timeoutMs,
      );
      this.changed.add(check);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Sends agent `id` a message; false when it is gone. */
  send(id: string, msg: Message): boolean {
    const a = this.agents.get(id);
    return a !== undefined && !a.gone && a.peer.send(msg);
  }

  /** The step result agent `id` owes for `step`: resolves with it, or { lost } when the agent goes (or is already gone). */
  result(id: string, step: number, progress?: (p: AgentProgress) => void): Promise<AgentStepResult | { lost: string }> {
    const a = this.agents.get(id);
    if (a === undefined || a.gone) return Promise.resolve({ lost: a?.gone ?? 'not connected' });
    return new Promise((resolve) => {
      a.waiting = { step, resolve, ...(progress ? { progress } : {}) };
    });
  }

  /** Ends an agent (e.g. it owes a result long past the step's end). */
  drop(id: string, reason: string): void {
    this.agents.get(id)?.peer.close(reason, { type: 'stop', reason });
  }

  /** Tells every agent the run is over and stops listening. Idempotent. */
  async close(reason: string): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.silenceTimer);
    for (const a of this.agents.values()) a.peer.close(reason, { type: 'stop', reason });
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private notify(): void {
    for (const f of [...this.changed]) f();
  }

  private accept(socket: Socket): void {
    const from = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (this.closing) {
      socket.destroy();
      return;
    }
    const nonce = newNonce();
    let conn: Conn | undefined;
    let hello: { agentId: string; cores: number } | undefined;
    const handshake = setTimeout(() => peer.close('no handshake within 5s'), HANDSHAKE_MS);
    const refuse = (reason: string, line: string) => {
      this.o.log(line);
      peer.close(reason, { type: 'reject', reason });
    };
    const peer = new Peer(socket, this.clock, (m) => {
      if (conn === undefined) {
        if (hello === undefined) {
          if (m.type !== 'hello') return refuse('expected hello', `agent at ${from} refused: it did not start with hello`);
          if (m.protocol !== PROTOCOL_VERSION) return refuse(`protocol ${m.protocol} is not ${PROTOCOL_VERSION}`, `agent ${m.agentId} at ${from} refused: it speaks protocol ${m.protocol}, the controller ${PROTOCOL_VERSION} (loadtest ${m.version}: use one version everywhere)`);
          const other = this.agents.get(m.agentId);
          if (other !== undefined && !other.gone) return refuse(`agent id ${m.agentId} is already connected`, `agent ${m.agentId} at ${from} refused: an agent with that id is already connected (from ${other.from}); give each agent its own --id`);
          hello = { agentId: m.agentId, cores: m.cores };
          peer.send({ type: 'challenge', nonce });
          return;
        }
        if (m.type !== 'proof') return refuse('expected proof', `agent ${hello.agentId} at ${from} refused: it did not answer the challenge`);
        clearTimeout(handshake);
        if (!verifyAgentProof(this.o.token, nonce, m.nonce, hello.agentId, m.mac)) {
          return refuse('wrong token', `agent ${hello.agentId} at ${from} refused: its proof does not match LOADTEST_AGENT_TOKEN (a different token)`);
        }
        conn = { id: hello.agentId, cores: hello.cores, from, ready: false, peer };
        this.agents.set(conn.id, conn);
        peer.onClose((why) => this.lost(conn!, why));
        peer.send({ type: 'welcome', mac: controllerProof(this.o.token, nonce, m.nonce, hello.agentId), runSeed: this.o.runSeed, spec: this.o.payload, seqSlot: this.nextSeqSlot++ });
        return;
      }
      this.handle(conn, m);
    });
    peer.onClose((why) => {
      clearTimeout(handshake);
      if (conn === undefined && why.startsWith('protocol error')) {
        this.o.log(`a connection from ${from} was refused: ${why}${this.o.tls ? '' : ' (an agent with --tls? this controller has no --tls-cert)'}`);
      }
    });
  }

  private handle(a: Conn, m: Message): void {
    switch (m.type) {
      case 'ping': {
        const t = this.clock();
        a.peer.send({ type: 'pong', id: m.id, t0: m.t0, t1: t, t2: this.clock() });
        return;
      }
      case 'ready':
        if (!a.ready) {
          a.ready = true;
          this.o.log(`agent ${a.id} ready (${a.from}, ${a.cores} core${a.cores === 1 ? '' : 's'})`);
          this.notify();
        }
        return;
      case 'step-result': {
        const w = a.waiting;
        if (w === undefined || w.step !== m.step) return; // a result for a step given up on
        a.waiting = undefined;
        if (m.result.agentId !== a.id) return w.resolve({ lost: `sent a result for agent ${m.result.agentId}` });
        w.resolve(m.result);
        return;
      }
      case 'step-progress':
        if (a.waiting?.step === m.step) a.waiting.progress?.({ elapsedMs: m.elapsedMs, inFlight: m.inFlight, rec: m.rec });
        return;
      case 'stop':
        a.peer.close(`it stopped: ${m.reason}`);
        return;
      case 'heartbeat':
        return;
      default:
        a.peer.close(`unexpected ${m.type} message`, { type: 'stop', reason: `unexpected ${m.type} message` });
    }
  }

  private lost(a: Conn, why: string): void {
    if (a.gone) return;
    a.gone = why;
    a.ready = false;
    if (!this.closing) this.o.log(`agent ${a.id} (${a.from}) gone: ${why}`);
    const w = a.waiting;
    a.waiting = undefined;
    w?.resolve({ lost: why });
    this.notify();
  }
}
