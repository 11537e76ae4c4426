// Wakes the engine at a given time, to a tenth of a millisecond rather than to one millisecond.
// setTimeout runs on libuv's millisecond clock, cached at the start of each loop turn: a 1 ms timer
// fires 1–2 ms after it was set, so every request waited ~0.7 ms for its tick, and that wait —
// the generator's own, not the service's — went into each corrected latency. A tiny helper thread
// sleeps on Atomics.wait (sub-millisecond, no libuv clock) until the wake time and posts one
// message; the message wakes the engine's event loop within ~0.1 ms. Costs one thread switch per
// tick, about what a timer costs (measured: README, Performance). If no thread can be started,
// setTimeout does the job with its usual lateness.
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

/** One pending wake-up at most: a new wakeAt replaces the previous one. */
export interface Ticker {
  /** Calls the callback once, as soon as possible after `at` (this thread's performance.now(), ms). */
  wakeAt(at: number): void;
  /** Forgets the pending wake-up (a message already posted may still arrive: the callback must tolerate an early call). */
  cancel(): void;
  /** Stops the helper thread. Idempotent. */
  close(): void;
}

// The helper: sleeps until the wake time in the shared array (absolute ms, epoch-based, so both
// threads agree), re-checking whenever the generation counter moves; fires once per generation.
// Only the engine's thread writes the shared array (a wake time, then generation + 1): the helper
// keeps what it fired for to itself, so a new wake time set while it fires is never lost, at
// worst preceded by one early call.
const HELPER = `
const { workerData, parentPort } = require('node:worker_threads');
const i32 = new Int32Array(workerData, 0, 2);
const f64 = new Float64Array(workerData, 8, 1);
const origin = performance.timeOrigin;
let fired = 0;
for (;;) {
  if (Atomics.load(i32, 1) === 1) break;
  const gen = Atomics.load(i32, 0);
  if (gen === fired) { Atomics.wait(i32, 0, gen); continue; }
  const at = f64[0];
  if (!(at > 0)) { fired = gen; continue; }
  const wait = at - (origin + performance.now());
  if (wait > 0.01) { Atomics.wait(i32, 0, gen, wait); continue; }
  if (Atomics.load(i32, 0) !== gen) continue;
  fired = gen;
  parentPort.postMessage(0);
}
`;

/** A Ticker on a helper thread (sub-millisecond), or on setTimeout when `precise` is false or no thread starts. */
export function createTicker(callback: () => void, precise = true): Ticker {
  if (precise) {
    try {
      return threadTicker(callback);
    } catch {
      /* fall back to timers */
    }
  }
  return timerTicker(callback);
}

function threadTicker(callback: () => void): Ticker {
  const shared = new SharedArrayBuffer(16);
  const i32 = new Int32Array(shared, 0, 2);
  const f64 = new Float64Array(shared, 8, 1);
  // execArgv: [] — the helper is CommonJS whatever flags started this process (--input-type=module would break it).
  const worker = new Worker(HELPER, { eval: true, workerData: shared, stdout: false, stderr: false, execArgv: [] });
  worker.unref();
  worker.on('message', callback);
  let closed = false;
  let held = false; // the thread holds the process open only while a wake-up is pending
  let pending = 0; // the wake time asked for (0: none), re-issued to timers if the helper dies
  let fallback: Ticker | null = null;
  const lost = (): void => {
    // The helper cannot fail by itself, but a thread can be refused or killed: never lose a wake-up.
    if (closed || fallback) return;
    fallback = timerTicker(callback);
    if (pending > 0) fallback.wakeAt(pending);
  };
  worker.on('error', lost);
  worker.on('exit', lost);
  const origin = performance.timeOrigin;
  const set = (v: number): void => {
    f64[0] = v;
    Atomics.add(i32, 0, 1);
    Atomics.notify(i32, 0);
  };
  return {
    wakeAt(at: number): void {
      if (closed) return;
      pending = at;
      if (fallback) return fallback.wakeAt(at);
      if (!held) {
        held = true;
        worker.ref();
      }
      set(origin + at);
    },
    cancel(): void {
      if (closed) return;
      pending = 0;
      if (fallback) return fallback.cancel();
      if (held) {
        held = false;
        worker.unref();
      }
      set(0);
    },
    close(): void {
      if (closed) return;
      closed = true;
      fallback?.close();
      Atomics.store(i32, 1, 1);
      set(0);
      void worker.terminate();
    },
  };
}

function timerTicker(callback: () => void): Ticker {
  let timer: NodeJS.Timeout | null = null;
  let due = 0;
  const fire = (): void => {
    // libuv's clock is whole milliseconds: a timer may fire up to 1 ms before `due` by ours.
    const early = due - performance.now();
    if (early > 0) {
      timer = setTimeout(fire, early);
      return;
    }
    timer = null;
    callback();
  };
  return {
    wakeAt(at: number): void {
      if (timer) clearTimeout(timer);
      due = at;
      timer = setTimeout(fire, Math.max(0, at - performance.now()));
    },
    cancel(): void {
      if (timer) clearTimeout(timer);
      timer = null;
    },
    close(): void {
      this.cancel();
    },
  };
}
