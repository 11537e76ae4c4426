// One request in flight, which is also its own undici dispatch handler (and what the lean client,
// http1-pool.ts, fills in directly: status, bytes, then onComplete or onError). It uses the legacy handler
// API (onConnect/onHeaders/onData/onComplete/onError): undici runs it as is, while a new-style
// handler is wrapped per request and has its headers parsed into an object. One small object per
// request and nothing else: the body is counted and dropped chunk by chunk.
import { performance } from 'node:perf_hooks';
import { TIMEOUT_CODE } from './classify.js';
import type { StepRecorder } from './step-recorder.js';
import type { ResponseTee } from '../../workload/session/captured-response.js';

/** One running session (the engine's): which session, its next step, what it captured so far. */
export interface SessionRun {
  readonly session: number;
  step: number;
  readonly vars: Map<string, string>;
  /** Arrived in the judged window: its outcome is counted. */
  readonly judged: boolean;
  /** A step failed and the session went on past it (`continue_on_failure`): it ends counted as failed. */
  failed: boolean;
}

class TimeoutError extends Error {
  readonly code = TIMEOUT_CODE;
}
/** The one error our timeout sweep aborts requests with (no allocation per timeout). */
export const TIMEOUT_ERR: Error = new TimeoutError('request timed out');

/** Where a finished request reports (the Engine). */
export interface RequestSink {
  complete(r: InFlightRequest): void;
  fail(r: InFlightRequest, err: Error): void;
}

export class InFlightRequest {
  abortFn: ((err?: Error) => void) | null = null;
  status = 0;
  bytes = 0;
  /** Set once the outcome is recorded (response, error or timeout); later callbacks are ignored. */
  finished = false;
  /** When the request was written on a connection (the uncorrected latency's start). */
  wireAt: number;
  /** The data rows it fills its columns from (workload/request-data.ts), or null. */
  rows: number[] | null = null;
  /** The session this request is a step of (`traffic.sessions`), or null. */
  session: SessionRun | null = null;
  /** A step that captures from its response: the client keeps its bytes here (capped), else null. */
  tee: ResponseTee | null = null;
  /** undici's raw response headers, kept for a capturing step. */
  rawHeaders: Buffer[] | null = null;

  constructor(
    readonly sink: RequestSink,
    readonly rec: StepRecorder,
    readonly name: number,
    readonly judged: boolean,
    /** Intended send time (the corrected latency's start), this thread's performance.now() ms. */
    readonly intended: number,
    readonly sentAt: number,
    readonly deadline: number,
  ) {
    this.wireAt = sentAt;
  }

  /** undici calls this just before writing the request on a connection. */
  onConnect(abort: (err?: Error) => void): void {
    if (this.finished) return abort(TIMEOUT_ERR); // timed out while queued for a connection
    this.abortFn = abort;
    // Uncorrected latency starts on the wire: time spent queued for a free connection is part of
    // the corrected latency only (as in wrk2, where a request is written when its connection frees).
    this.wireAt = performance.now();
  }

  /** The lean client (http1-pool.ts) calls this as it writes the request; `abort` destroys its connection. */
  onWire(abort: (err?: Error) => void, at: number = performance.now()): void {
    this.abortFn = abort;
    this.wireAt = at;
  }

  onHeaders(status: number, rawHeaders?: Buffer[]): boolean {
    this.status = status;
    if (this.tee !== null && rawHeaders) this.rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.tee !== null) this.tee.add(chunk);
    return true;
  }

  onComplete(): void {
    this.sink.complete(this);
  }

  onError(err: Error): void {
    this.sink.fail(this, err);
  }
}
