// Services with a known capacity, for the decision simulator: each is a small state machine that
// takes requests in arrival order (virtual ms) and says when each response leaves and with which
// status. No objects per request: state lives in typed arrays and numbers.
//
//   mmc           M/M/c queue: c servers, exponential service times, one FIFO queue (a thread pool).
//   token-bucket  nginx `limit_req rate=R burst=B nodelay`: excess requests get a fast 503.
//   error-cliff   fine below C requests/s; above, a growing share of 503s (the rate is the service's
//                 own count of arrivals over the last second, as a load-shedding service would see it).
//   slow          latency grows smoothly with the rate it sees (no cliff): log-normal around
//                 base · e^(rate/scale).
// Optional noise on any of them: network jitter on every response and rare pauses (a stop-the-world
// GC: every response due during a pause leaves when it ends).
import { createRand, exponential, lognormal, type Rand } from './random.js';

export interface Noise {
  /** Mean of the exponential network jitter added to every response (ms). */
  jitterMs: number;
  /** Rate of pauses (per second) and the length of each (ms). */
  pausesPerSec: number;
  pauseMs: number;
}

export type ServiceSpec = (
  | { kind: 'mmc'; servers: number; meanServiceMs: number }
  | { kind: 'token-bucket'; ratePerSec: number; burst: number; okMs: number; rejectMs: number }
  | { kind: 'error-cliff'; capacity: number; slope: number; latencyMs: number }
  | { kind: 'slow'; baseMs: number; scaleRps: number; sigma: number }
) & { noise?: Noise };

export interface ServiceModel {
  /** Starts afresh (empty queues, full bucket, no rate history) with its own random stream. */
  reset(seed: number): void;
  /**
   * A request reaches the service at `t` (ms; calls come in non-decreasing `t`). Returns when its
   * response reaches the client (ms) and sets `status`.
   */
  admit(t: number): number;
  status: number;
}

/** The same service with its capacity scaled by k (k = 0.85: a 15% slower build). */
export function scaleService(spec: ServiceSpec, k: number): ServiceSpec {
  switch (spec.kind) {
    case 'mmc':
      // Fewer servers cannot be 0.85 of 8; slower servers scale the saturation point exactly
      // (c/S), and the p99 capacity a little more (latency grows with S too): the truth is computed.
      return { ...spec, meanServiceMs: spec.meanServiceMs / k };
    case 'token-bucket':
      return { ...spec, ratePerSec: spec.ratePerSec * k, burst: Math.round(spec.burst * k) };
    case 'error-cliff':
      return { ...spec, capacity: spec.capacity * k };
    case 'slow':
      return { ...spec, scaleRps: spec.scaleRps * k };
  }
}

/** Service saturation or cliff point (requests/s), for descriptions only: the truth is computed. */
export function nominalCapacity(spec: ServiceSpec): number {
  switch (spec.kind) {
    case 'mmc':
      return (spec.servers * 1000) / spec.meanServiceMs;
    case 'token-bucket':
      return spec.ratePerSec;
    case 'error-cliff':
      return spec.capacity;
    case 'slow':
      return spec.scaleRps;
  }
}

export function createService(spec: ServiceSpec): ServiceModel {
  const inner = createInner(spec);
  return spec.noise ? withNoise(inner, spec.noise) : inner;
}

function createInner(spec: ServiceSpec): ServiceModel {
  switch (spec.kind) {
    case 'mmc':
      return new MmcQueue(spec.servers, spec.meanServiceMs);
    case 'token-bucket':
      return new TokenBucket(spec.ratePerSec, spec.burst, spec.okMs, spec.rejectMs);
    case 'error-cliff':
      return new ErrorCliff(spec.capacity, spec.slope, spec.latencyMs);
    case 'slow':
      return new SlowService(spec.baseMs, spec.scaleRps, spec.sigma);
  }
}

export class MmcQueue implements ServiceModel {
  status = 200;
  private readonly free: Float64Array;
  private rand: Rand = createRand(1);

  constructor(
    servers: number,
    private readonly meanServiceMs: number,
  ) {
    this.free = new Float64Array(servers);
  }

  reset(seed: number): void {
    this.free.fill(0);
    this.rand = createRand(seed);
  }

  admit(t: number): number {
    // FIFO with arrivals in order: the request takes the server that frees first.
    const free = this.free;
    let k = 0;
    for (let i = 1; i < free.length; i++) if (free[i]! < free[k]!) k = i;
    const start = free[k]! > t ? free[k]! : t;
    const done = start + exponential(this.rand, this.meanServiceMs);
    free[k] = done;
    return done;
  }
}

/** nginx's limit_req (ngx_http_limit_req_module.c): excess = max(0, excess − rate·elapsed) + 1, rejected when > burst. */
export class TokenBucket implements ServiceModel {
  status = 200;
  private excess = 0;
  private last = -Infinity;
  private rand: Rand = createRand(1);

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly okMs: number,
    private readonly rejectMs: number,
  ) {}

  reset(seed: number): void {
    this.excess = 0;
    this.last = -Infinity;
    this.rand = createRand(seed);
  }

  admit(t: number): number {
    const drained = this.last === -Infinity ? 0 : Math.max(0, this.excess - ((t - this.last) * this.ratePerSec) / 1000);
    const excess = this.last === -Infinity ? 0 : drained + 1;
    if (excess > this.burst) {
      // Rejected requests leave the state as it was (as nginx does).
      this.status = 503;
      return t + this.rejectMs * (0.5 + this.rand());
    }
    this.excess = excess;
    this.last = t;
    this.status = 200;
    return t + lognormal(this.rand, this.okMs, 0.3);
  }
}

/** Arrivals over the last second, as the service itself would count them. */
class RateWindow {
  private times = new Float64Array(4096);
  private head = 0;
  private tail = 0;

  reset(): void {
    this.head = 0;
    this.tail = 0;
  }

  /** Records an arrival at t and returns the arrivals in (t − 1 s, t]. */
  arrive(t: number): number {
    if (this.tail === this.times.length) {
      // Full: move what is still in the window to the front, growing when it fills half the buffer.
      const live = this.tail - this.head;
      if (live * 2 > this.times.length) {
        const next = new Float64Array(this.times.length * 2);
        next.set(this.times.subarray(this.head, this.tail));
        this.times = next;
      } else this.times.copyWithin(0, this.head, this.tail);
      this.tail = live;
      this.head = 0;
    }
    this.times[this.tail++] = t;
    while (this.times[this.head]! <= t - 1000) this.head++;
    return this.tail - this.head;
  }
}

export class ErrorCliff implements ServiceModel {
  status = 200;
  private readonly window = new RateWindow();
  private rand: Rand = createRand(1);

  constructor(
    private readonly capacity: number,
    /** Share of errors per unit of relative overload: (rate − C)/C · slope, at most 100%. */
    private readonly slope: number,
    private readonly latencyMs: number,
  ) {}

  reset(seed: number): void {
    this.window.reset();
    this.rand = createRand(seed);
  }

  admit(t: number): number {
    const rate = this.window.arrive(t);
    const share = rate > this.capacity ? Math.min(1, ((rate - this.capacity) / this.capacity) * this.slope) : 0;
    this.status = share > 0 && this.rand() < share ? 503 : 200;
    return t + lognormal(this.rand, this.latencyMs, 0.3);
  }
}

export class SlowService implements ServiceModel {
  status = 200;
  private readonly window = new RateWindow();
  private rand: Rand = createRand(1);

  constructor(
    private readonly baseMs: number,
    private readonly scaleRps: number,
    private readonly sigma: number,
  ) {}

  reset(seed: number): void {
    this.window.reset();
    this.rand = createRand(seed);
  }

  admit(t: number): number {
    const rate = this.window.arrive(t);
    return t + lognormal(this.rand, this.baseMs * Math.exp(rate / this.scaleRps), this.sigma);
  }
}

/** Jitter on every response and rare pauses (every response due during one leaves when it ends). */
function withNoise(inner: ServiceModel, noise: Noise): ServiceModel {
  let rand: Rand = createRand(1);
  let starts: number[] = [];
  let horizon = 0;
  const pauseEnd = (t: number): number => {
    if (noise.pausesPerSec <= 0) return t;
    while (horizon <= t) {
      horizon += exponential(rand, 1000 / noise.pausesPerSec);
      starts.push(horizon);
    }
    // Last pause starting at or before t (few pauses per step: a binary search is plenty).
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found >= 0 && t < starts[found]! + noise.pauseMs) return starts[found]! + noise.pauseMs;
    return t;
  };
  const model: ServiceModel = {
    status: 200,
    reset(seed: number) {
      inner.reset(seed);
      rand = createRand((seed ^ 0x6a09e667) >>> 0);
      starts = [];
      horizon = 0;
    },
    admit(t: number) {
      const done = pauseEnd(inner.admit(t));
      model.status = inner.status;
      return done + exponential(rand, noise.jitterMs);
    },
  };
  return model;
}
