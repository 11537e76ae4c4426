// The hot path: one thread's open-model sender. Sends every request whose intended time has come,
// in 1 ms slots (one wake-up per slot from ticker.ts, never a timer per request), whether or not
// earlier requests returned; reads and discards bodies (counting bytes); records corrected and uncorrected latency
// in integer microseconds; times requests out with one ordered sweep instead of a timer per request.
// Runs in the main thread (one worker) or inside each worker thread (see worker.ts). Requests go
// out through the lean HTTP/1.1 client (http1-pool.ts) or, with `client: undici`, undici's Pool;
// either way each request is one small object (in-flight-request.ts).
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { GenerateTrafficSpec } from '../../scenario/scenario.js';
import { classifyError, errorStatusTable } from './classify.js';
import { InFlightRequest as Req, TIMEOUT_ERR, type RequestSink } from './in-flight-request.js';
import { createMix, requestNames, type Mix } from './mix.js';
import { mulberry32, Pacer } from './schedule.js';
import { Http1Pool } from './http1-pool.js';
import { Ring } from './ring.js';
import { TracePacer } from '../../workload/replay/trace-pacer.js';
import type { ReplayTrace } from '../../scenario/scenario.js';
import { createTicker, type Ticker } from './ticker.js';
import { ERR_INDEX, StepRecorder } from './step-recorder.js';
import { columnResolver, createTemplateRuntime, OutBuffer, type TemplateRuntime } from '../../workload/byte-template.js';
import { exhaustedMessage, type Feeder } from '../../workload/data/feeder.js';
import { applyRows, RequestData } from '../../workload/request-data.js';
import { applyCaptures, needsBody, type CaptureSpec } from '../../workload/session/capture.js';
import { rawCapturedResponse, ResponseTee, undiciCapturedResponse } from '../../workload/session/captured-response.js';
import type { SessionRun } from './in-flight-request.js';
import { DueQueue } from './due-queue.js';
import type { SessionSpec } from '../../scenario/scenario.js';
import { SeqSource } from '../../workload/random-source.js';
import { compileRequestParts, renderParts } from '../../workload/request-template.js';

/** What one engine is asked to do for one step. Times in ms. */
export interface EngineStep {
  /** Absolute start (performance.timeOrigin + performance.now() of any thread). */
  startAt: number;
  rate: number;
  /** Uniform phase in [0, 1): this engine's offset within the full-rate schedule. */
  phase: number;
  seed: number;
  durationMs: number;
  warmupMs: number;
  /** In-flight cap of this engine. */
  maxInFlight: number;
  /** Progress callback period (0 = none). */
  progressEveryMs: number;
  /** SLO latency thresholds (ms) whose exceedances are counted per slice of the judged window (batches.ts). */
  tailThresholdsMs?: number[];
  /** This engine's thread among `threads` (an ordered replay plays every threads-th entry from `thread`). */
  thread?: number;
  threads?: number;
}

/** Where the engine sends a request; each calls exactly one of r.onComplete / r.onError per request it writes. */
interface Transport {
  dispatch(r: Req): void;
  destroy(): Promise<void>;
}

/** undici's Pool behind the Transport interface (`traffic.client: undici`). */
function undiciTransport(spec: GenerateTrafficSpec, connections: number, rt: TemplateRuntime): Transport {
  const pool = new Pool(spec.target, {
    connections,
    pipelining: 1,
    // Timeouts are ours (one ordered sweep, see sweep()): undici's per-request timers cost CPU on the hot path.
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 30_000,
    connect: { rejectUnauthorized: !spec.insecure, timeout: spec.timeoutMs },
  });
  const opts = spec.requests.map((r) => {
    const flat: string[] = [];
    for (const [k, v] of Object.entries(r.headers)) flat.push(k, v);
    return { path: r.path, method: r.method, headers: flat.length > 0 ? flat : null, body: r.body === undefined ? null : Buffer.from(r.body) };
  });
  // Templated requests: undici takes a path string, header strings and a body per request.
  const columns = columnResolver(rt.feeders);
  const parts = spec.requests.map((r) => (r.template ? compileRequestParts(r, columns) : null));
  const scratch = new OutBuffer();
  return {
    dispatch: (r) => {
      const p = parts[r.name];
      let req;
      if (p) {
        applyRows(rt, r.rows);
        rt.vars = r.session?.vars ?? null;
        try {
          req = renderParts(p, scratch, rt);
        } catch (err) {
          // A captured value that cannot be sent where it goes (a line break in a header value).
          r.onError(err as Error);
          return;
        }
      } else req = opts[r.name];
      void pool.dispatch(req as never, r as never);
    },
    destroy: () => pool.destroy().catch(() => undefined),
  };
}

export type EngineProgress = (rec: StepRecorder, elapsedMs: number, inFlight: number) => void;

/** How long an aborted step waits for in-flight requests before returning. */
const ABORT_DRAIN_MS = 400;
/** Longest sleep between ticks: bounds how late a timeout or an abort is noticed. */
const MAX_TICK_MS = 10;
const ELD_RESOLUTION_MS = 10;

const CLS_TIMEOUT = ERR_INDEX.timeout;

/**
 * Sends leave in 1 ms slots: a request whose schedule time falls in (k − 1, k] ms leaves in slot k,
 * and slot k is its intended send time, the start of its corrected latency. The rate is unchanged
 * (every request keeps its slot), the arrival process is exact down to the millisecond, and the
 * ticker (ticker.ts) wakes for a slot within ~0.1 ms of it — so the generator's own timing adds
 * that, not the half-millisecond average wait between a fractional schedule time and the next
 * tick, to each corrected latency.
 */
const SLOT_MS = 1;
const slotOf = (ms: number): number => Math.ceil(ms / SLOT_MS) * SLOT_MS;

interface RunningStep {
  p: EngineStep;
  rec: StepRecorder;
  /** Local (this thread's performance.now()) start. */
  start: number;
  /** The arrival schedule: Poisson or uniform, or the replayed log's own times. */
  pacer: { nextAt: number; advance(): void };
  /** `traffic.replay.mode: ordered`: the same object as `pacer`, which also says which request is next. */
  trace: TracePacer | null;
  stopped: boolean;
  sendingDone: boolean;
  drainDeadline: number;
  warmSeen: boolean;
  nextProgress: number;
  onProgress: EngineProgress | undefined;
  resolve: (rec: StepRecorder) => void;
}

export class Engine implements RequestSink {
  private readonly transport: Transport;
  private readonly mix: Mix;
  /** Request index → the index of its name in the recorder (requests sharing a name share stats). */
  private readonly nameOf: Uint32Array;
  private readonly nameCount: number;
  private readonly replayTrace: ReplayTrace | undefined;
  private readonly errorStatus: Uint8Array;
  private readonly timeoutMs: number;
  private readonly arrival: 'uniform' | 'poisson';
  private readonly eld: IntervalHistogram;
  private rand: () => number = Math.random;
  private inFlight = 0;
  /** In-flight requests in send order = deadline order (one timeout for all); finished ones are skipped lazily. */
  private readonly queue = new Ring<Req>();
  private step: RunningStep | null = null;
  private readonly ticker: Ticker;
  private closed = false;
  /** The rows each request draws from the data feeders; null when no request uses data. */
  private readonly data: RequestData | null;
  /** Told once per step when a `unique` feeder has run out (this engine stopped its step). */
  onExhausted: ((message: string) => void) | null = null;
  /** `traffic.sessions`: each arrival starts one; null for a plain request mix. */
  private readonly sessions: SessionSpec[] | null;
  private readonly sessionMix: Mix | null;
  /** Per request index (each is one session step): its captures, and whether they read the response. */
  private readonly captures: CaptureSpec[][];
  private readonly tees: boolean[];
  private readonly undici: boolean;
  /** Sessions waiting through a think time for their next step, by due time (this thread's ms). */
  private readonly thinking = new DueQueue<SessionRun>();
  /** When the ticker will next wake (a response may only bring it earlier: wakeAt replaces). */
  private nextWake = Infinity;

  /**
   * `seq`: this thread's share of the run's `{{ seq }}` counter (random-source.ts); a private one by
   * default. `feeders`: this thread's feeders (attached to the run's shared ones), in `data:` order.
   */
  constructor(spec: GenerateTrafficSpec, connections = spec.connections, seq: SeqSource = new SeqSource(), feeders: readonly Feeder[] = []) {
    this.timeoutMs = spec.timeoutMs;
    this.arrival = spec.arrival;
    const templates = createTemplateRuntime(seq, undefined, feeders);
    const data = new RequestData(feeders, spec.requests);
    this.data = data.any ? data : null;
    this.undici = spec.client === 'undici';
    this.sessions = spec.sessions ?? null;
    this.sessionMix = this.sessions ? createMix(this.sessions) : null;
    this.captures = spec.requests.map(() => []);
    for (const ss of this.sessions ?? []) for (const st of ss.steps) this.captures[st.request] = st.captures;
    // A status capture needs no bytes; headers and bodies are teed (capped) for the steps that read them.
    this.tees = this.captures.map((c) => c.some((x) => x.from.kind !== 'status') || needsBody(c));
    this.transport =
      spec.client === 'undici'
        ? undiciTransport(spec, connections, templates)
        : new Http1Pool(spec.target, spec.requests, { connections, rejectUnauthorized: !spec.insecure, templates });
    this.mix = createMix(spec.requests);
    const { names, nameOf } = requestNames(spec.requests);
    this.nameOf = nameOf;
    this.nameCount = names.length;
    this.replayTrace = spec.replay?.trace;
    this.errorStatus = errorStatusTable(spec.errorStatuses);
    this.eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
    this.ticker = createTicker(this.tick, spec.preciseTicks !== false);
  }

  /** Runs one step; resolves with the step's recorder (sealed) after in-flight judged requests finish. */
  runStep(p: EngineStep, onProgress?: EngineProgress): Promise<StepRecorder> {
    if (this.closed) return Promise.reject(new Error('generator closed'));
    if (this.step) return Promise.reject(new Error('a step is already running'));
    return new Promise((resolve) => {
      const start = p.startAt - performance.timeOrigin;
      this.rand = mulberry32(p.seed ^ 0x5bd1e995);
      const rec = new StepRecorder(this.nameCount, p.tailThresholdsMs);
      rec.batches.window(start + p.warmupMs, p.durationMs - p.warmupMs);
      const threads = p.threads ?? 1;
      const trace = this.replayTrace ? new TracePacer(this.replayTrace, p.rate * threads, p.thread ?? 0, threads) : null;
      this.step = {
        p,
        rec,
        start,
        pacer: trace ?? new Pacer(this.arrival, p.rate, p.phase, p.seed),
        trace,
        stopped: false,
        sendingDone: false,
        drainDeadline: start + p.durationMs + this.timeoutMs + 2 * MAX_TICK_MS,
        warmSeen: p.warmupMs <= 0,
        nextProgress: start + (p.progressEveryMs || Infinity),
        onProgress,
        resolve,
      };
      this.eld.reset();
      this.eld.enable();
      this.schedule(Math.max(0, start - performance.now()));
    });
  }

  /** Stops the running step at once: no more sends; in-flight requests get ≤ 400 ms to finish. */
  stop(): void {
    const s = this.step;
    if (!s || s.stopped) return;
    s.stopped = true;
    s.drainDeadline = Math.min(s.drainDeadline, performance.now() + ABORT_DRAIN_MS);
    this.schedule(0);
  }

  /** Stops everything and destroys the connections. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    if (this.step) this.finishStep(this.step);
    this.ticker.close();
    this.eld.disable();
    await this.transport.destroy();
  }

  private schedule(delayMs: number): void {
    this.nextWake = performance.now() + delayMs;
    this.ticker.wakeAt(this.nextWake);
  }

  private readonly tick = (): void => {
    const s = this.step;
    if (!s) return;
    let now = performance.now();
    const t0 = now - s.start;
    const p = s.p;
    if (!s.warmSeen && t0 >= p.warmupMs) {
      // The judged window starts: measure the event loop and the in-flight peak from here.
      s.warmSeen = true;
      this.eld.reset();
      s.rec.peakInFlight = this.inFlight;
    }
    if (!s.sendingDone) now = this.sendDue(s, now);
    if (this.sessions !== null) now = this.sendThinkers(s, now);
    this.sweep(now);
    if (now >= s.nextProgress && s.onProgress) {
      s.nextProgress += p.progressEveryMs;
      s.onProgress(s.rec, now - s.start, this.inFlight);
    }
    if (s.sendingDone) {
      if (s.rec.pending <= 0 || now >= s.drainDeadline) {
        this.finishStep(s);
        return;
      }
      this.schedule(Math.min(MAX_TICK_MS, Math.max(1, s.drainDeadline - now)));
      return;
    }
    // Sends wait for their slot's tick, never for a response: sending right after responses
    // doubled CPU per request at 10k req/s (44 vs 21 µs), because every response then woke the
    // loop for a single send instead of one tick for many.
    const wait = Math.min(s.start + slotOf(s.pacer.nextAt), this.thinking.nextAt) - now;
    this.schedule(Math.min(MAX_TICK_MS, Math.max(0, wait)));
  };

  /** Sends every session step whose think time is over; once sending is done, what still waits is cut. */
  private sendThinkers(s: RunningStep, now: number): number {
    const q = this.thinking;
    if (s.sendingDone) {
      for (const run of q.clear()) if (run.judged) s.rec.sessions[3]!++;
      return now;
    }
    while (q.nextAt <= now) {
      const { due, item } = q.pop()!;
      this.sendStep(s, item, due, now);
      now = performance.now();
    }
    return now;
  }

  /** A new session: its first step's intended time is the arrival's slot. */
  private startSession(s: RunningStep, at: number): void {
    const k = this.sessionMix!.size === 1 ? 0 : this.sessionMix!.pick(this.rand());
    const run: SessionRun = { session: k, step: 0, vars: new Map(), judged: at >= s.p.warmupMs, failed: false };
    if (run.judged) s.rec.sessions[0]!++;
    this.sendStep(s, run, s.start + at, performance.now());
  }

  private sendStep(s: RunningStep, run: SessionRun, intended: number, now: number): void {
    const name = this.sessions![run.session]!.steps[run.step]!.request;
    const r = this.dispatchRequest(s, name, intended, now, intended - s.start >= s.p.warmupMs, run);
    if (r === null) this.endSession(s.rec, run, 2);
  }

  /** A session is over: 1 completed, 2 failed, 3 cut; counted in the step it arrived in. */
  private endSession(rec: StepRecorder, run: SessionRun, outcome: 1 | 2 | 3): void {
    if (run.judged && !rec.sealed) rec.sessions[outcome]!++;
  }

  /**
   * A session step's request finished: capture, then queue the next step after its think time (or
   * end the session). A failed step ends it, unless the step has `continue_on_failure` (it then
   * has no captures: read-sessions.ts refuses both) and the step it arrived in still runs.
   */
  private stepFinished(r: Req, ok: boolean, now: number): void {
    const run = r.session!;
    const s = this.step;
    const steps = this.sessions![run.session]!.steps;
    const current = s !== null && s.rec === r.rec;
    if (!ok && !(current && steps[run.step]!.continueOnFailure)) return this.endSession(r.rec, run, 2);
    if (!current) return this.endSession(r.rec, run, 3);
    if (!ok) run.failed = true;
    const captures = this.captures[r.name]!;
    if (ok && captures.length > 0) {
      const tee = r.tee ?? new ResponseTee();
      const res = this.undici ? undiciCapturedResponse(r.status, r.rawHeaders, tee) : rawCapturedResponse(r.status, tee);
      const got = applyCaptures(captures, res);
      if (!got.ok) return this.endSession(r.rec, run, 2);
      for (const [k, v] of got.values) run.vars.set(k, v);
    }
    run.step++;
    if (run.step >= steps.length) return this.endSession(r.rec, run, run.failed ? 2 : 1);
    if (s.sendingDone) return this.endSession(r.rec, run, 3);
    const think = steps[run.step]!.think;
    // The next step's intended time: this response's end plus the think time, rounded up to the
    // 1 ms send slot as arrivals are (its latency counts from there). The slot's tick sends it:
    // waking the loop for each response instead cost 1.44× the CPU per request of a plain mix.
    const ready = think ? now + think.minMs + this.rand() * (think.maxMs - think.minMs) : now;
    const due = s.start + slotOf(ready - s.start);
    this.thinking.push(due, run);
    if (due < this.nextWake) this.schedule(Math.max(0, due - performance.now()));
  }

  /** Sends every request whose slot has come by `now`; returns the time after the last send. */
  private sendDue(s: RunningStep, now: number): number {
    const pacer = s.pacer;
    const end = s.stopped ? 0 : s.p.durationMs;
    const t = now - s.start;
    // `s.stopped` too: a send may stop the step (a data feeder ran out).
    while (!s.stopped && slotOf(pacer.nextAt) <= t && pacer.nextAt < end) {
      this.send(s, slotOf(pacer.nextAt), now);
      pacer.advance();
      now = performance.now();
    }
    if (s.stopped || pacer.nextAt >= s.p.durationMs) {
      s.sendingDone = true;
      // The last judged request left just now (late, if the generator lagged): it has until its
      // timeout, and the sweep needs one more tick to notice.
      if (!s.stopped) s.drainDeadline = now + this.timeoutMs + 2 * MAX_TICK_MS;
    }
    return now;
  }

  /** `at`: the request's slot (its intended send time), ms from the step's start. */
  private send(s: RunningStep, at: number, now: number): void {
    if (this.sessions !== null) return this.startSession(s, at);
    // The request's index in the mix (what the clients send); its stats go to nameOf[index].
    const name = s.trace !== null ? s.trace.request : this.mix.size === 1 ? 0 : this.mix.pick(this.rand());
    this.dispatchRequest(s, name, s.start + at, now, at >= s.p.warmupMs);
  }

  /** Sends request `name` intended at `intended` (this thread's ms); null when it was not sent (dropped, no data row). */
  private dispatchRequest(s: RunningStep, name: number, intended: number, now: number, judged: boolean, run: SessionRun | null = null): Req | null {
    if (this.inFlight >= s.p.maxInFlight) {
      s.rec.drop(judged, this.nameOf[name]!, intended);
      return null;
    }
    let rows: number[] | null = null;
    if (this.data !== null) {
      const drawn = this.data.draw(name);
      if (drawn === undefined) {
        // A `unique` feeder has no row left: this request is not sent, and the run stops.
        this.stop();
        this.onExhausted?.(exhaustedMessage(this.data.exhausted!));
        return null;
      }
      rows = drawn;
    }
    const r = new Req(this, s.rec, name, judged, intended, now, now + this.timeoutMs);
    r.rows = rows;
    r.session = run;
    if (this.tees[name] === true) r.tee = new ResponseTee();
    this.inFlight++;
    if (this.inFlight > s.rec.peakInFlight) s.rec.peakInFlight = this.inFlight;
    s.rec.sent(judged, Math.round((now - intended) * 1000));
    this.queue.push(r);
    this.transport.dispatch(r);
    return r;
  }

  /** Times out, in send order, every request past its deadline. */
  private sweep(now: number): void {
    const q = this.queue;
    for (let r = q.peek(); r !== undefined; r = q.peek()) {
      if (!r.finished) {
        if (r.deadline > now) break;
        this.fail(r, TIMEOUT_ERR);
        r.abortFn?.(TIMEOUT_ERR);
      }
      q.shift();
    }
  }

  complete(r: Req): void {
    if (r.finished) return;
    r.finished = true;
    this.inFlight--;
    const now = performance.now();
    const st = r.status;
    r.rec.response(
      r.judged,
      this.nameOf[r.name]!,
      st,
      this.errorStatus[st < 1000 ? st : 0] === 1,
      r.bytes,
      Math.round((now - r.intended) * 1000),
      Math.round((now - r.wireAt) * 1000),
      r.intended,
    );
    if (r.session !== null) this.stepFinished(r, this.errorStatus[st < 1000 ? st : 0] !== 1, now);
  }

  fail(r: Req, err: Error): void {
    if (r.finished) return;
    r.finished = true;
    this.inFlight--;
    const now = performance.now();
    const cls = err === TIMEOUT_ERR ? CLS_TIMEOUT : ERR_INDEX[classifyError(err)];
    r.rec.failure(r.judged, this.nameOf[r.name]!, cls, r.bytes, Math.round((now - r.intended) * 1000), Math.round((now - r.wireAt) * 1000), r.intended);
    if (r.session !== null) this.stepFinished(r, false, now);
  }

  private finishStep(s: RunningStep): void {
    if (this.step !== s) return;
    for (const run of this.thinking.clear()) if (run.judged) s.rec.sessions[3]!++;
    this.step = null;
    // Node's histogram holds whole timer intervals (resolution included): subtract it to get the delay.
    const eldP99 = this.eld.count > 0 ? Math.max(0, this.eld.percentile(99) / 1e6 - ELD_RESOLUTION_MS) : 0;
    this.eld.disable();
    s.rec.eventLoopDelayP99Ms = eldP99;
    this.ticker.cancel();
    s.rec.sealed = true;
    s.resolve(s.rec);
  }
}
