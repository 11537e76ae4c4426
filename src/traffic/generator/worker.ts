// Worker-thread entry: runs one Engine (its own connection pool, its share of the rate) and talks
// to the main thread by messages. Histograms travel as base64 (StepRecorder.toWire).
import { parentPort, workerData } from 'node:worker_threads';
import type { GenerateTrafficSpec } from '../../scenario/scenario.js';
import { Engine, type EngineStep } from './engine.js';
import { SeqSource } from '../../workload/random-source.js';
import { attachFeeder, type SharedFeeder } from '../../workload/data/feeder.js';

export interface WorkerInit {
  spec: GenerateTrafficSpec;
  connections: number;
  /** The run's `{{ seq }}` counter, shared with every thread (random-source.ts). */
  seqCounter: SharedArrayBuffer;
  /** The run's data feeders, opened once in the main thread (their buffers and cursors shared), in `data:` order. */
  feeders: SharedFeeder[];
  /** This thread's seed for `order: random` feeders (each thread its own: else they draw the same rows). */
  feederSeed: number;
}

export type ToWorker = { type: 'step'; step: EngineStep } | { type: 'stop' } | { type: 'close' };
export type FromWorker =
  | { type: 'progress'; rec: ReturnType<import('./step-recorder.js').StepRecorder['toWire']>; elapsedMs: number; inFlight: number }
  | { type: 'result'; rec: ReturnType<import('./step-recorder.js').StepRecorder['toWire']> }
  | { type: 'error'; message: string }
  /** A `unique` feeder ran out: this thread stopped its step (exhaustedMessage). */
  | { type: 'exhausted'; message: string }
  | { type: 'ready' }
  | { type: 'closed' };

if (parentPort) {
  const port = parentPort;
  const init = workerData as WorkerInit;
  const feeders = init.feeders.map((f, i) => attachFeeder(f, { seed: (init.feederSeed + i * 7919) >>> 0 }));
  const engine = new Engine(init.spec, init.connections, new SeqSource(init.seqCounter), feeders);
  // The engine keeps what it built (serialized requests, the mix); the cloned spec's request list —
  // 100k objects, ~33 MB, for a replayed log of 100k distinct paths — is not needed any more.
  init.spec.requests = [];
  const post = (m: FromWorker) => port.postMessage(m);
  engine.onExhausted = (message) => post({ type: 'exhausted', message });
  post({ type: 'ready' });
  port.on('message', (m: ToWorker) => {
    if (m.type === 'step') {
      engine
        .runStep(m.step, (rec, elapsedMs, inFlight) => post({ type: 'progress', rec: rec.toWire(), elapsedMs, inFlight }))
        .then((rec) => post({ type: 'result', rec: rec.toWire() }))
        .catch((err: Error) => post({ type: 'error', message: err.message }));
    } else if (m.type === 'stop') {
      engine.stop();
    } else if (m.type === 'close') {
      void engine.close().then(() => {
        post({ type: 'closed' });
        port.close();
      });
    }
  });
}
