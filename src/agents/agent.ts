// `loadtest agent --connect host:port`: one load machine of a distributed run. It connects to the
// controller (retrying while the controller is not up yet), proves the token and checks that the
// controller knows it too (auth.ts), builds the generator the controller describes, probes the
// target, and then runs each step it is given: its share of the rate, from its seed and phase, from
// the step's start on the controller's clock converted with the offset it keeps measuring
// (clock.ts). Its result per step is the thread-merged recorder (exact histograms) and its own
// health, judged here on its own send lag, event loop and CPU.
//
// Dead-man: the agent pings every PING_MS and the controller answers; when the connection closes or
// nothing has come back for DEAD_MAN_MS, the agent aborts the step it is running (sending stops
// within a second: the generator's abort) and exits. A crashed or partitioned controller cannot
// leave load running.
import { connect, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { hostname, availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { DataSpec, GenerateTrafficSpec } from '../scenario/scenario.js';
import { createGenerator, type GeneratorTraffic, type RecorderProgress } from '../traffic/generator/generator.js';
import { ExitCode } from '../exit-codes.js';
import { VERSION } from '../version.js';
import { agentProof, newNonce, verifyControllerProof } from './auth.js';
import { controllerToLocal, estimateOffset, type ClockSample } from './clock.js';
import { Peer } from './peer.js';
import { PROTOCOL_VERSION, type AgentStepResult, type Message } from './protocol.js';

export const PING_MS = 250;
export const DEAD_MAN_MS = 1000;
/** How often a running step's figures go to the controller. */
const PROGRESS_MS = 1000;
/** Clock samples kept for the offset estimate (the last few seconds). */
const SAMPLES = 24;
/** Clock samples an agent has before it says it is ready. */
const MIN_SAMPLES = 3;

export interface AgentOptions {
  host: string;
  port: number;
  id: string;
  token: string;
  /** Keep trying to connect for this long (the controller may start after its agents). */
  connectTimeoutMs: number;
  log: (line: string) => void;
  /** Ends the agent (SIGINT/SIGTERM): the running step is aborted, the controller told. */
  signal?: AbortSignal;
  /** Added to this agent's clock (tests: a host whose clock is off; the offset estimate must absorb it). */
  clockSkewMs?: number;
  /** Connect with TLS (`--tls`), trusting `ca` (`--tls-ca`) or else the system's CAs. */
  tls?: { ca?: Buffer };
}

/** A connection that failed for a reason retrying cannot fix (TLS: a certificate not trusted, no TLS on the other side). */
class FatalDial extends Error {}

/** The payload of welcome.spec: what to generate. */
export interface AgentPayload {
  traffic: GenerateTrafficSpec;
  data?: Record<string, DataSpec>;
}

/** A default agent id: the Indexed Job's completion index, else host-pid. */
export function defaultAgentId(env: NodeJS.ProcessEnv): string {
  return env.LOADTEST_AGENT_ID || env.JOB_COMPLETION_INDEX || `${hostname()}-${process.pid}`;
}

function dial(host: string, port: number, tls: AgentOptions['tls']): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (tls) {
      const s = connectTls({ host, port, ...(tls.ca ? { ca: tls.ca } : {}), ...(isIP(host) === 0 ? { servername: host } : {}), minVersion: 'TLSv1.2' });
      s.once('secureConnect', () => {
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err: NodeJS.ErrnoException) => {
        // Refused or unreachable: the controller may not be up yet. Anything else happened in the TLS handshake.
        if (err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'ETIMEDOUT') reject(err);
        else {
          const hint = /self.signed|unable to (get|verify)|certificate/i.test(err.message)
            ? ' (trust the controller’s certificate, or the CA that signed it, with --tls-ca <file.pem>)'
            : ' (is the controller started with --tls-cert and --tls-key?)';
          reject(new FatalDial(`TLS handshake with the controller failed: ${err.message}${hint}`));
        }
      });
      return;
    }
    const s = connect({ host, port });
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Runs the agent until the controller ends the run (exit 0) or something stops it; returns the exit code. */
export async function runAgent(o: AgentOptions): Promise<number> {
  const skew = o.clockSkewMs ?? 0;
  const clock = () => performance.timeOrigin + performance.now() + skew;
  const where = `${o.host}:${o.port}`;

  // Connect, retrying every second while the controller is not listening yet.
  const until = Date.now() + o.connectTimeoutMs;
  let socket: Socket | undefined;
  let lastError = '';
  while (socket === undefined) {
    if (o.signal?.aborted) return ExitCode.INTERRUPTED;
    try {
      socket = await dial(o.host, o.port, o.tls);
    } catch (err) {
      if (err instanceof FatalDial) {
        o.log(`agent ${o.id}: ${err.message}`);
        return ExitCode.RUNTIME;
      }
      lastError = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      if (Date.now() >= until) {
        o.log(`cannot connect to the controller at ${where} (${lastError}) within ${Math.round(o.connectTimeoutMs / 1000)}s`);
        return ExitCode.RUNTIME;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  o.log(`agent ${o.id}: connected to ${where}`);

  return new Promise<number>((resolve) => {
    const nonce = newNonce();
    let challengeNonce = '';
    let welcomed = false;
    let gen: GeneratorTraffic | undefined;
    let step: { index: number; abort: AbortController } | undefined;
    let pingId = 0;
    const samples: ClockSample[] = [];
    let exitCode: number | undefined;
    const finish = (code: number, line?: string) => {
      if (exitCode !== undefined) return;
      exitCode = code;
      if (line) o.log(line);
      step?.abort.abort();
      clearInterval(pinger);
      clearInterval(deadMan);
      o.signal?.removeEventListener('abort', onSignal);
      void (async () => {
        await gen?.close();
        resolve(code);
      })();
    };
    const peer = new Peer(socket!, clock, (m) => onMessage(m));
    peer.onClose((why) => {
      if (!welcomed) return finish(ExitCode.RUNTIME, `agent ${o.id}: the controller at ${where} closed the connection before the handshake ended (${why})${o.tls ? '' : '; if it was started with --tls-cert, start the agent with --tls'}`);
      finish(ExitCode.RUNTIME, `agent ${o.id}: lost the controller (${why}): stopped sending`);
    });
    const pinger = setInterval(() => {
      if (welcomed) peer.send({ type: 'ping', id: ++pingId, t0: clock() });
    }, PING_MS);
    const deadMan = setInterval(() => {
      const silent = clock() - peer.lastHeard;
      if (welcomed && silent > DEAD_MAN_MS) peer.close(`no answer for ${(silent / 1000).toFixed(1)}s`);
    }, 100);
    const onSignal = () => {
      finish(ExitCode.INTERRUPTED, `agent ${o.id}: interrupted: stopped sending`);
      peer.close('interrupted', { type: 'stop', reason: `agent ${o.id} was interrupted` });
    };
    if (o.signal?.aborted) return onSignal();
    o.signal?.addEventListener('abort', onSignal, { once: true });

    peer.send({ type: 'hello', protocol: PROTOCOL_VERSION, agentId: o.id, version: VERSION, cores: availableParallelism() });

    function onMessage(m: Message): void {
      switch (m.type) {
        case 'challenge':
          // The controller's proof (in welcome) binds this nonce of its own.
          challengeNonce = m.nonce;
          try {
            peer.send({ type: 'proof', nonce, mac: agentProof(o.token, m.nonce, nonce, o.id) });
          } catch (err) {
            peer.close('bad challenge');
            finish(ExitCode.RUNTIME, `agent ${o.id}: the controller sent a malformed challenge (${(err as Error).message})`);
          }
          return;
        case 'reject':
          finish(ExitCode.USAGE, `agent ${o.id}: the controller at ${where} refused it: ${m.reason}`);
          peer.close('rejected');
          return;
        case 'welcome':
          if (!verifyControllerProof(o.token, challengeNonce, nonce, o.id, m.mac)) {
            const reason = 'the controller did not prove it knows LOADTEST_AGENT_TOKEN';
            finish(ExitCode.USAGE, `agent ${o.id}: ${reason}: refusing to send load for it`);
            peer.close(reason, { type: 'stop', reason });
            return;
          }
          welcomed = true;
          peer.send({ type: 'ping', id: ++pingId, t0: clock() });
          void start(m.spec as AgentPayload, m.runSeed, m.seqSlot);
          return;
        case 'pong':
          samples.push({ t0: m.t0, t1: m.t1, t2: m.t2, t3: clock() });
          if (samples.length > SAMPLES) samples.shift();
          return;
        case 'step-start':
          void runStep(m);
          return;
        case 'step-abort':
          if (step?.index === m.step) step.abort.abort();
          return;
        case 'stop':
          finish(ExitCode.OK, `agent ${o.id}: the controller ended the run (${m.reason})`);
          peer.close('stopped');
          return;
        default:
          return;
      }
    }

    async function start(payload: AgentPayload, runSeed: number, seqSlot: number): Promise<void> {
      try {
        gen = createGenerator(payload.traffic, { seed: runSeed, seqSlot, ...(payload.data ? { data: payload.data } : {}) });
        const probe = new AbortController();
        const stopProbe = () => probe.abort();
        peer.onClose(stopProbe);
        await gen.prepare(probe.signal);
        // Ready once the controller's clock is known (a few pings): a step's start is converted with it.
        for (let waited = 0; samples.length < MIN_SAMPLES && waited < 5000 && !peer.closed; waited += 50) await new Promise((r) => setTimeout(r, 50));
        if (peer.closed) return;
        peer.send({ type: 'ready' });
        o.log(`agent ${o.id}: ready (target ${payload.traffic.target})`);
      } catch (err) {
        const reason = `agent ${o.id}: ${err instanceof Error ? err.message : String(err)}`;
        finish(ExitCode.RUNTIME, reason);
        peer.close(reason, { type: 'stop', reason });
      }
    }

    async function runStep(m: Extract<Message, { type: 'step-start' }>): Promise<void> {
      if (gen === undefined || step !== undefined) {
        const reason = gen === undefined ? 'a step before the agent was ready' : `step ${m.step + 1} while step ${step!.index + 1} is running`;
        finish(ExitCode.RUNTIME, `agent ${o.id}: the controller sent ${reason}`);
        return peer.close(reason, { type: 'stop', reason });
      }
      const est = estimateOffset(samples);
      const offset = est?.offsetMs ?? 0;
      // The step's start on this process's performance clock (the generator's), from the controller's.
      const startAt = controllerToLocal(m.startAt, { offsetMs: offset }) - skew;
      const abort = new AbortController();
      step = { index: m.step, abort };
      const startLateMs = Math.max(0, performance.timeOrigin + performance.now() - startAt);
      let lastProgress = 0;
      const onRecorder: RecorderProgress = (rec, elapsedMs, inFlight) => {
        if (elapsedMs - lastProgress < PROGRESS_MS) return;
        lastProgress = elapsedMs;
        peer.send({ type: 'step-progress', step: m.step, elapsedMs, inFlight, rec: rec.toWire() });
      };
      try {
        const stats = await gen.runStep({
          index: m.step,
          level: m.rate,
          durationMs: m.durationMs,
          warmupMs: m.warmupMs,
          signal: abort.signal,
          tailThresholdsMs: m.tailThresholdsMs,
          schedule: { startAt, seed: m.seed, phase: m.phase },
        }, onRecorder);
        const rec = gen.lastStepRecorder;
        if (rec === undefined || stats.generator === undefined) throw new Error('the generator returned no recorder');
        const result: AgentStepResult = {
          agentId: o.id,
          windowMs: stats.durationMs,
          partial: stats.partial,
          rec: rec.toWire(),
          health: stats.generator,
          clockErrorMs: est?.errorMs ?? Infinity,
          startLateMs,
          ...(stats.dataExhausted !== undefined ? { dataExhausted: stats.dataExhausted } : {}),
        };
        if (!Number.isFinite(result.clockErrorMs!)) delete result.clockErrorMs;
        peer.send({ type: 'step-result', step: m.step, result });
      } catch (err) {
        const reason = `agent ${o.id}: step ${m.step + 1} failed: ${err instanceof Error ? err.message : String(err)}`;
        finish(ExitCode.RUNTIME, reason);
        peer.close(reason, { type: 'stop', reason });
      } finally {
        step = undefined;
      }
    }
  });
}
