// The schedule of `traffic.replay.mode: ordered`: the log's own send times, time-scaled so its mean
// rate becomes the step's rate, looping when the log runs out. The same contract as the generator's
// Pacer (schedule.ts) — `nextAt` is the intended time (ms from the step's start) of the next send,
// `advance()` moves on — plus `request`: which of the mix's requests that send is. Pure maths.
//
// Threads: with n generator threads, thread k plays entries k, k + n, k + 2n … of the same scaled
// timeline, so their union is the whole log in order at the full rate (as uniform phases do).
import type { ReplayTrace } from '../../scenario/scenario.js';

export class TracePacer {
  nextAt = Infinity;
  /** The request (index into the spec's requests) of the send at `nextAt`. */
  request = 0;
  private i: number;
  private loop = 0;
  /** Step ms per log ms. */
  private readonly scale: number;

  constructor(
    private readonly trace: Pick<ReplayTrace, 'index' | 'atMs' | 'spanMs' | 'recordedRps'>,
    /** The step's whole rate (all threads), requests/s. */
    ratePerSec: number,
    thread = 0,
    private readonly threads = 1,
  ) {
    this.scale = trace.recordedRps / ratePerSec;
    this.i = thread;
    if (ratePerSec > 0 && trace.index.length > 0 && Number.isFinite(this.scale)) this.set();
  }

  advance(): void {
    if (this.nextAt === Infinity) return;
    this.i += this.threads;
    this.set();
  }

  private set(): void {
    const n = this.trace.index.length;
    if (this.i >= n) {
      this.loop += Math.floor(this.i / n);
      this.i %= n;
    }
    this.request = this.trace.index[this.i]!;
    this.nextAt = (this.loop * this.trace.spanMs + this.trace.atMs[this.i]!) * this.scale;
  }
}

/**
 * Builds the trace from the usable lines in file order: `ids[j]` the request of line j, `times[j]`
 * its logged time (epoch ms). Sorted by time (logs are written as requests END, so a slow request
 * is logged after later ones), ties kept in log order; requests within one tick of the log's clock
 * are spread evenly across it.
 */
export function buildTrace(ids: ArrayLike<number>, times: ArrayLike<number>, resolutionMs: number): ReplayTrace {
  const n = ids.length;
  const order = new Uint32Array(n);
  for (let j = 0; j < n; j++) order[j] = j;
  order.sort((a, b) => times[a]! - times[b]! || a - b);
  const index = new Uint32Array(n);
  const atMs = new Float64Array(n);
  const t0 = n > 0 ? times[order[0]!]! : 0;
  for (let j = 0; j < n; ) {
    // One tick: every entry in [t, t + resolution) shares it, spread evenly.
    const tick = Math.floor((times[order[j]!]! - t0) / resolutionMs);
    let k = j;
    while (k < n && Math.floor((times[order[k]!]! - t0) / resolutionMs) === tick) k++;
    const count = k - j;
    for (let m = j; m < k; m++) {
      index[m] = ids[order[m]!]!;
      atMs[m] = resolutionMs === 1 ? times[order[m]!]! - t0 : tick * resolutionMs + ((m - j) * resolutionMs) / count;
    }
    j = k;
  }
  const lastT = n > 0 ? times[order[n - 1]!]! - t0 : 0;
  const spanMs = Math.floor(lastT / resolutionMs) * resolutionMs + resolutionMs;
  return { index, atMs, spanMs, recordedRps: (n * 1000) / spanMs, resolutionMs };
}
