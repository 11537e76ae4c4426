// The judged window cut into BATCHES equal slices by intended send time, with the counts the step
// verdict needs to see how the window varied (analysis/step-verdict.ts): requests that finished, the
// errors, how many were slower than each SLO latency threshold, and the mean latency. Requests near
// a service's capacity are not independent — a queue or a rate limiter makes them come bad in runs —
// so an interval that counts requests as independent is too narrow; the spread between slices says
// by how much. And a latency still rising from slice to slice means the service had not settled.
// Fixed-size arrays (no per-request memory), mergeable across threads, serialisable.

export const BATCHES = 40;

export interface WireBatches {
  thresholdsMs: number[];
  finished: number[];
  errors: number[];
  /** Row-major: above[k * BATCHES + b] = requests of slice b slower than thresholdsMs[k]. */
  above: number[];
  latencyN: number[];
  latencySumMs: number[];
}

export class Batches {
  readonly finished = new Float64Array(BATCHES);
  readonly errors = new Float64Array(BATCHES);
  readonly latencyN = new Float64Array(BATCHES);
  readonly latencySumMs = new Float64Array(BATCHES);
  readonly above: Float64Array;
  private readonly thresholdsUs: Float64Array;
  /** Window start and slice length, in the caller's clock (ms); a slice of 0 disables the counts. */
  private startMs = 0;
  private sliceMs = 0;

  constructor(readonly thresholdsMs: readonly number[] = []) {
    this.thresholdsUs = Float64Array.from(thresholdsMs, (t) => t * 1000);
    this.above = new Float64Array(thresholdsMs.length * BATCHES);
  }

  /** The judged window, in the clock of the intended times passed to add(). */
  window(startMs: number, lengthMs: number): void {
    this.startMs = startMs;
    this.sliceMs = lengthMs > 0 ? lengthMs / BATCHES : 0;
  }

  /** One finished judged request; latencyUs < 0 when it has none (a transport error, a drop). */
  add(intendedMs: number, isError: boolean, latencyUs: number): void {
    if (this.sliceMs <= 0) return;
    let b = Math.floor((intendedMs - this.startMs) / this.sliceMs);
    if (b < 0) b = 0;
    else if (b >= BATCHES) b = BATCHES - 1;
    this.finished[b]!++;
    if (isError) this.errors[b]!++;
    if (latencyUs < 0) return;
    this.latencyN[b]!++;
    this.latencySumMs[b]! += latencyUs / 1000;
    const t = this.thresholdsUs;
    for (let k = 0; k < t.length; k++) if (latencyUs > t[k]!) this.above[k * BATCHES + b]!++;
  }

  mergeFrom(o: Batches): void {
    for (let b = 0; b < BATCHES; b++) {
      this.finished[b]! += o.finished[b]!;
      this.errors[b]! += o.errors[b]!;
      this.latencyN[b]! += o.latencyN[b]!;
      this.latencySumMs[b]! += o.latencySumMs[b]!;
    }
    if (o.above.length === this.above.length) for (let i = 0; i < this.above.length; i++) this.above[i]! += o.above[i]!;
  }

  toWire(): WireBatches {
    return {
      thresholdsMs: [...this.thresholdsMs],
      finished: Array.from(this.finished),
      errors: Array.from(this.errors),
      above: Array.from(this.above),
      latencyN: Array.from(this.latencyN),
      latencySumMs: Array.from(this.latencySumMs),
    };
  }

  static fromWire(w: WireBatches): Batches {
    const r = new Batches(w.thresholdsMs);
    r.finished.set(w.finished);
    r.errors.set(w.errors);
    r.above.set(w.above);
    r.latencyN.set(w.latencyN);
    r.latencySumMs.set(w.latencySumMs);
    return r;
  }

  /** Whether any judged request was counted (the window was set). */
  get counted(): boolean {
    return this.finished.some((x) => x > 0);
  }
}
