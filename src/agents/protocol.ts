// The controller ↔ agent protocol: its messages, and a framing codec usable over any byte stream (a
// TCP socket, a TLS socket, a PassThrough in tests). Pure apart from readMessages/writeMessage, which
// only adapt the codec to a stream.
//
// Frame: 4-byte big-endian unsigned length N, then N bytes of UTF-8 JSON (one message object).
// N must be 1..maxFrameBytes (default 16 MiB: a step result carries base64 histograms, per request
// name too, a few hundred KB at most). The length is checked BEFORE the body is buffered, so a
// garbage or hostile header cannot make a peer allocate. Any framing or message error is fatal for
// the connection: the decoder stays failed (a stream cannot resynchronise after a bad length).
//
// Conversation (auth.ts has the handshake's maths; clock.ts the ping/pong's):
//   agent → hello; controller → challenge; agent → proof; controller → welcome | reject
//   agent → ready | stop                         (it built its generator and reached the target, or not)
//   agent → ping … controller → pong …          (every 250 ms, all along: the clock offset, and the
//                                                  heartbeat both ways — silence ⇒ the peer is gone)
//   controller → step-start; agent → step-result (per step; the agent keeps to startAt on the
//                                                  controller's clock, converted with its offset)
//   agent → step-progress (about every second: the running recorder, for the progress line and abort rules)
//   controller → step-abort (the step ends early; the agent still sends its partial step-result)
//   either → stop (the run is over, or the agent cannot go on; the reason is for the other's log)
import type { GeneratorHealth } from '../metrics/step-stats.js';
import type { WireRecorder } from '../traffic/generator/step-recorder.js';

export const PROTOCOL_VERSION = 1;
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** What one agent measured in one step: the thread-merged recorder (exact histograms) and its own health. */
export interface AgentStepResult {
  agentId: string;
  /** Length of the judged window the agent ran (ms); shorter than asked when partial. */
  windowMs: number;
  partial: boolean;
  /** The agent's threads merged, as worker threads ship it (histograms base64). */
  rec: WireRecorder;
  /** The agent judged itself (analysis/generator-health.ts) on its own send lag, event loop and CPU. */
  health: GeneratorHealth;
  /** The clock estimate's error bound when the step started (clock.ts), ms. */
  clockErrorMs?: number;
  /** How late the agent's schedule started after startAt (ms, ≥ 0): it got the step-start late, or its event loop was busy. */
  startLateMs?: number;
  dataExhausted?: string;
}

export type Message =
  | { type: 'hello'; protocol: number; agentId: string; version: string; cores: number }
  | { type: 'challenge'; nonce: string }
  | { type: 'proof'; nonce: string; mac: string }
  /** `spec`: the normalized traffic spec the agent generates (the controller's GenerateTrafficSpec). */
  /** `seqSlot`: the agent's slot for `{{ seq }}` numbers, distinct per agent of the run. */
  | { type: 'welcome'; mac: string; runSeed: number; spec: unknown; seqSlot: number }
  | { type: 'reject'; reason: string }
  | { type: 'ready' }
  | { type: 'ping'; id: number; t0: number }
  | { type: 'pong'; id: number; t0: number; t1: number; t2: number }
  | {
      type: 'step-start';
      step: number;
      /** This agent's share (requests/s), its uniform phase and its seed (rate-split.ts). */
      rate: number;
      phase: number;
      seed: number;
      /** Controller clock (ms, performance.timeOrigin + now()) at which the step starts. */
      startAt: number;
      durationMs: number;
      warmupMs: number;
      /** SLO latency thresholds for the batches (traffic/generator/batches.ts); the same on every agent. */
      tailThresholdsMs: number[];
    }
  | { type: 'step-abort'; step: number }
  /** The step so far: ms since its start, requests in flight, the running recorder (WireRecorder). */
  | { type: 'step-progress'; step: number; elapsedMs: number; inFlight: number; rec: unknown }
  | { type: 'step-result'; step: number; result: AgentStepResult }
  | { type: 'stop'; reason: string }
  | { type: 'heartbeat'; at: number };

export type MessageType = Message['type'];

type FieldKind = 'string' | 'number' | 'boolean' | 'object' | 'numbers' | 'any';
const FIELDS: Record<MessageType, Record<string, FieldKind>> = {
  hello: { protocol: 'number', agentId: 'string', version: 'string', cores: 'number' },
  challenge: { nonce: 'string' },
  proof: { nonce: 'string', mac: 'string' },
  welcome: { mac: 'string', runSeed: 'number', spec: 'any', seqSlot: 'number' },
  reject: { reason: 'string' },
  ready: {},
  ping: { id: 'number', t0: 'number' },
  pong: { id: 'number', t0: 'number', t1: 'number', t2: 'number' },
  'step-start': {
    step: 'number',
    rate: 'number',
    phase: 'number',
    seed: 'number',
    startAt: 'number',
    durationMs: 'number',
    warmupMs: 'number',
    tailThresholdsMs: 'numbers',
  },
  'step-abort': { step: 'number' },
  'step-progress': { step: 'number', elapsedMs: 'number', inFlight: 'number', rec: 'object' },
  'step-result': { step: 'number', result: 'object' },
  stop: { reason: 'string' },
  heartbeat: { at: 'number' },
};
const RESULT_FIELDS: Record<string, FieldKind> = { agentId: 'string', windowMs: 'number', partial: 'boolean', rec: 'object', health: 'object' };

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

function kindOk(v: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'any':
      return v !== undefined;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'numbers':
      return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    default:
      return typeof v === kind;
  }
}

function checkFields(o: Record<string, unknown>, fields: Record<string, FieldKind>, where: string): void {
  for (const [k, kind] of Object.entries(fields)) {
    if (!kindOk(o[k], kind)) throw new ProtocolError(`${where}: field "${k}" must be ${kind === 'numbers' ? 'an array of numbers' : kind === 'any' ? 'present' : kind === 'object' ? 'an object' : `a ${kind}`}`);
  }
}

/** Checks a decoded JSON value is a known message with its fields of the right kinds. */
export function parseMessage(value: unknown): Message {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtocolError('message is not a JSON object');
  const o = value as Record<string, unknown>;
  const type = o.type;
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) throw new ProtocolError(`unknown message type ${JSON.stringify(type)}`);
  checkFields(o, FIELDS[type as MessageType], type);
  if (type === 'step-result') checkFields(o.result as Record<string, unknown>, RESULT_FIELDS, 'step-result.result');
  return o as unknown as Message;
}

/** One frame for a message. Throws ProtocolError when it would exceed maxFrameBytes. */
export function encodeFrame(msg: Message, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const body = Buffer.from(JSON.stringify(msg), 'utf8');
  if (body.length > maxFrameBytes) throw new ProtocolError(`${msg.type} message of ${body.length} bytes exceeds the ${maxFrameBytes}-byte frame limit`);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/** Incremental decoder: push chunks as they arrive (split anywhere), get whole messages back. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed: ProtocolError | null = null;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Messages completed by this chunk, in order. Throws ProtocolError (and keeps throwing) on a bad frame. */
  push(chunk: Uint8Array): Message[] {
    if (this.failed) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.buffered += chunk.length;
    }
    const out: Message[] = [];
    try {
      for (;;) {
        if (this.buffered < 4) break;
        const head = this.peek(4);
        const n = head.readUInt32BE(0);
        if (n === 0 || n > this.maxFrameBytes) throw new ProtocolError(`frame length ${n} is outside 1..${this.maxFrameBytes} bytes`);
        if (this.buffered < 4 + n) break;
        const frame = this.take(4 + n);
        let value: unknown;
        try {
          value = JSON.parse(frame.toString('utf8', 4));
        } catch {
          throw new ProtocolError(`frame of ${n} bytes is not JSON`);
        }
        out.push(parseMessage(value));
      }
    } catch (err) {
      this.failed = err instanceof ProtocolError ? err : new ProtocolError(String(err));
      this.chunks = [];
      this.buffered = 0;
      throw this.failed;
    }
    return out;
  }

  /** Bytes received that do not make a whole frame yet (a stream ending here was cut mid-frame). */
  get pendingBytes(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const frame = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return frame;
  }
}

/** Messages from a byte stream (a socket is an async iterable of Buffers). Throws on a bad frame or a stream cut mid-frame. */
export async function* readMessages(source: AsyncIterable<Uint8Array | string>, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): AsyncGenerator<Message> {
  const dec = new FrameDecoder(maxFrameBytes);
  for await (const chunk of source) {
    yield* dec.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }
  if (dec.pendingBytes > 0) throw new ProtocolError(`connection closed in the middle of a frame (${dec.pendingBytes} bytes pending)`);
}

/** Writes one message; returns the stream's write() result (false: wait for 'drain'). */
export function writeMessage(sink: { write(chunk: Buffer): boolean }, msg: Message, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): boolean {
  return sink.write(encodeFrame(msg, maxFrameBytes));
}
