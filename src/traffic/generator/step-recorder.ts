// Everything one generator thread counts during one step, in fixed-size structures (histograms and
// counters, no per-request arrays). Requests are judged by their INTENDED send time: those meant to
// leave during warm-up go to the `warm*` fields (used only for live progress), the rest to the
// judged-window fields. Serialisable (toWire/fromWire) so worker threads can ship it to the main
// thread, and mergeable (mergeFrom) so the main thread can sum the workers.
import type { ErrorClass } from '../../metrics/step-stats.js';
import { createHistogram, decodeHistogram, encodeHistogram, mergeInto, type Histogram } from '../../metrics/histogram.js';
import { Batches, type WireBatches } from './batches.js';

export const ERROR_CLASSES: readonly ErrorClass[] = ['http', 'timeout', 'refused', 'reset', 'dropped', 'dns', 'tls', 'protocol', 'other'];
export const ERR_INDEX: Readonly<Record<ErrorClass, number>> = Object.fromEntries(
  ERROR_CLASSES.map((c, i) => [c, i]),
) as Record<ErrorClass, number>;
const HTTP = 0;
const TIMEOUT = 1;
const DROPPED = 4;

/** Counts for one part of the step (the judged window, or the warm-up). */
export class Tally {
  sent = 0;
  dropped = 0;
  /** Responses received, any status. */
  completed = 0;
  errors = new Float64Array(ERROR_CLASSES.length);
  errorCount = 0;
  bytes = 0;
  /** Corrected latency (µs, from the intended send time) of responses and timeouts. */
  corrected: Histogram = createHistogram();

  mergeFrom(o: Tally): void {
    this.sent += o.sent;
    this.dropped += o.dropped;
    this.completed += o.completed;
    for (let i = 0; i < this.errors.length; i++) this.errors[i]! += o.errors[i]!;
    this.errorCount += o.errorCount;
    this.bytes += o.bytes;
    mergeInto(this.corrected, o.corrected);
  }
}

export interface NameTally {
  /** Judged requests of this name that finished (responses, errors, drops). */
  count: number;
  /** Responses received, any status. */
  responses: number;
  errors: number;
  corrected: Histogram | null;
}

/** The wire form of a StepRecorder (histograms as base64). */
export interface WireRecorder {
  judged: WireTally;
  warm: WireTally;
  statusCodes: Record<string, number>;
  uncorrected: string;
  lag: string;
  names: Array<{ count: number; responses: number; errors: number; corrected: string | null }>;
  pending: number;
  peakInFlight: number;
  eventLoopDelayP99Ms: number;
  batches: WireBatches;
  sessions: number[];
}
interface WireTally {
  sent: number;
  dropped: number;
  completed: number;
  errors: number[];
  errorCount: number;
  bytes: number;
  corrected: string;
}

export class StepRecorder {
  readonly judged = new Tally();
  readonly warm = new Tally();
  /** Status code → count (judged window). */
  readonly statusCounts = new Float64Array(1000);
  /** Uncorrected latency (µs, from the actual send), judged window. */
  uncorrected: Histogram = createHistogram();
  /** Send lag (µs, actual − intended), judged window. */
  lag: Histogram = createHistogram();
  /** Per request name (judged window); corrected histograms only when the mix has >1 request. */
  readonly names: NameTally[];
  /** Judged requests sent and not yet finished. */
  pending = 0;
  peakInFlight = 0;
  eventLoopDelayP99Ms = 0;
  /**
   * `traffic.sessions`: sessions that arrived in the judged window, by outcome:
   * [started, completed (every step answered and captured), failed (a step failed), cut (the step ended first)].
   */
  readonly sessions = new Float64Array(4);
  /** Set when the step's stats were taken: late callbacks then record nothing. */
  sealed = false;
  /** The judged window in slices (batches.ts), fed by the intended times the callbacks pass. */
  batches: Batches;

  constructor(nameCount: number, tailThresholdsMs: readonly number[] = []) {
    this.batches = new Batches(tailThresholdsMs);
    this.names = [];
    for (let i = 0; i < nameCount; i++) {
      this.names.push({ count: 0, responses: 0, errors: 0, corrected: nameCount > 1 ? createHistogram() : null });
    }
  }

  /** A request left; lagUs = actual − intended send time. */
  sent(judged: boolean, lagUs: number): void {
    if (this.sealed) return;
    if (!judged) {
      this.warm.sent++;
      return;
    }
    this.judged.sent++;
    this.pending++;
    this.lag.recordValue(lagUs);
  }

  /** A send was dropped at the in-flight cap. `intendedMs`: its intended send time (for the batches). */
  drop(judged: boolean, name: number, intendedMs = 0): void {
    if (this.sealed) return;
    const t = judged ? this.judged : this.warm;
    t.dropped++;
    t.errors[DROPPED]!++;
    t.errorCount++;
    if (judged) {
      const n = this.names[name]!;
      n.count++;
      n.errors++;
      this.batches.add(intendedMs, true, -1);
    }
  }

  /** A response arrived. Latencies in µs; `intendedMs`: its intended send time (for the batches). */
  response(judged: boolean, name: number, status: number, isError: boolean, bytes: number, correctedUs: number, uncorrectedUs: number, intendedMs = 0): void {
    if (this.sealed) return;
    if (!judged) {
      const w = this.warm;
      w.completed++;
      w.bytes += bytes;
      if (isError) {
        w.errors[HTTP]!++;
        w.errorCount++;
      }
      w.corrected.recordValue(correctedUs);
      return;
    }
    this.pending--;
    const t = this.judged;
    t.completed++;
    t.bytes += bytes;
    this.statusCounts[status < 1000 ? status : 0]!++;
    const n = this.names[name]!;
    n.count++;
    n.responses++;
    if (isError) {
      t.errors[HTTP]!++;
      t.errorCount++;
      n.errors++;
    }
    t.corrected.recordValue(correctedUs);
    this.uncorrected.recordValue(uncorrectedUs);
    if (n.corrected !== null) n.corrected.recordValue(correctedUs);
    this.batches.add(intendedMs, isError, correctedUs);
  }

  /** A transport failure (no response). Timeouts also record their latency (a lower bound). */
  failure(judged: boolean, name: number, cls: number, bytes: number, correctedUs: number, uncorrectedUs: number, intendedMs = 0): void {
    if (this.sealed) return;
    const t = judged ? this.judged : this.warm;
    t.errors[cls]!++;
    t.errorCount++;
    t.bytes += bytes;
    if (cls === TIMEOUT) t.corrected.recordValue(correctedUs);
    if (!judged) return;
    this.pending--;
    const n = this.names[name]!;
    n.count++;
    n.errors++;
    if (cls === TIMEOUT) {
      this.uncorrected.recordValue(uncorrectedUs);
      if (n.corrected !== null) n.corrected.recordValue(correctedUs);
    }
    this.batches.add(intendedMs, true, cls === TIMEOUT ? correctedUs : -1);
  }

  mergeFrom(o: StepRecorder): void {
    this.judged.mergeFrom(o.judged);
    this.warm.mergeFrom(o.warm);
    for (let i = 0; i < this.statusCounts.length; i++) this.statusCounts[i]! += o.statusCounts[i]!;
    mergeInto(this.uncorrected, o.uncorrected);
    mergeInto(this.lag, o.lag);
    for (let i = 0; i < this.names.length; i++) {
      const a = this.names[i]!;
      const b = o.names[i]!;
      a.count += b.count;
      a.responses += b.responses;
      a.errors += b.errors;
      if (a.corrected !== null && b.corrected !== null) mergeInto(a.corrected, b.corrected);
    }
    this.pending += o.pending;
    for (let i = 0; i < this.sessions.length; i++) this.sessions[i]! += o.sessions[i]!;
    this.peakInFlight += o.peakInFlight; // threads peak at about the same time: the sum is an upper bound
    this.eventLoopDelayP99Ms = Math.max(this.eventLoopDelayP99Ms, o.eventLoopDelayP99Ms);
    if (this.batches.thresholdsMs.length < o.batches.thresholdsMs.length) {
      // A merged recorder made without thresholds takes the threads' (they all have the same).
      const b = new Batches(o.batches.thresholdsMs);
      b.mergeFrom(this.batches);
      this.batches = b;
    }
    this.batches.mergeFrom(o.batches);
  }

  toWire(): WireRecorder {
    const statusCodes: Record<string, number> = {};
    for (let s = 0; s < this.statusCounts.length; s++) if (this.statusCounts[s]! > 0) statusCodes[s] = this.statusCounts[s]!;
    return {
      judged: tallyToWire(this.judged),
      warm: tallyToWire(this.warm),
      statusCodes,
      uncorrected: encodeHistogram(this.uncorrected),
      lag: encodeHistogram(this.lag),
      names: this.names.map((n) => ({ count: n.count, responses: n.responses, errors: n.errors, corrected: n.corrected ? encodeHistogram(n.corrected) : null })),
      pending: this.pending,
      peakInFlight: this.peakInFlight,
      eventLoopDelayP99Ms: this.eventLoopDelayP99Ms,
      batches: this.batches.toWire(),
      sessions: [...this.sessions],
    };
  }

  static fromWire(w: WireRecorder): StepRecorder {
    const r = new StepRecorder(w.names.length);
    tallyFromWire(r.judged, w.judged);
    tallyFromWire(r.warm, w.warm);
    for (const [s, c] of Object.entries(w.statusCodes)) r.statusCounts[Number(s)] = c;
    r.uncorrected = decodeHistogram(w.uncorrected);
    r.lag = decodeHistogram(w.lag);
    w.names.forEach((n, i) => {
      const t = r.names[i]!;
      t.count = n.count;
      t.responses = n.responses;
      t.errors = n.errors;
      if (n.corrected !== null) t.corrected = decodeHistogram(n.corrected);
    });
    r.pending = w.pending;
    r.peakInFlight = w.peakInFlight;
    r.eventLoopDelayP99Ms = w.eventLoopDelayP99Ms;
    r.batches = Batches.fromWire(w.batches);
    w.sessions.forEach((x, i) => (r.sessions[i] = x));
    return r;
  }
}

function tallyToWire(t: Tally): WireTally {
  return {
    sent: t.sent,
    dropped: t.dropped,
    completed: t.completed,
    errors: Array.from(t.errors),
    errorCount: t.errorCount,
    bytes: t.bytes,
    corrected: encodeHistogram(t.corrected),
  };
}

function tallyFromWire(t: Tally, w: WireTally): void {
  t.sent = w.sent;
  t.dropped = w.dropped;
  t.completed = w.completed;
  t.errors = Float64Array.from(w.errors);
  t.errorCount = w.errorCount;
  t.bytes = w.bytes;
  t.corrected = decodeHistogram(w.corrected);
}
