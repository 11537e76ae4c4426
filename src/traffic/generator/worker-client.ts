// The main thread's side of a generator worker: the same runStep/stop/close surface as Engine, over
// messages. Also finds the compiled worker file (see resolveWorkerFile).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LoadtestError } from '../../errors.js';
import type { GenerateTrafficSpec } from '../../scenario/scenario.js';
import type { EngineProgress, EngineStep } from './engine.js';
import { StepRecorder } from './step-recorder.js';
import type { SharedFeeder } from '../../workload/data/feeder.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker.js';

/**
 * The worker entry must be JavaScript. From dist/ it sits next to this module (worker.js). When this
 * module runs from src/ (vitest executes the .ts directly), use the compiled copy in dist/ at the same
 * relative path — integration tests build dist/ first (test/helpers/build-once.ts).
 */
export function resolveWorkerFile(here: string = import.meta.url): string {
  const sibling = fileURLToPath(new URL('./worker.js', here));
  if (!here.endsWith('.ts') && existsSync(sibling)) return sibling;
  const fromSrc = fileURLToPath(here).replace(/([\\/])src([\\/]traffic[\\/]generator[\\/])[^\\/]+$/, '$1dist$2worker.js');
  if (existsSync(fromSrc)) return fromSrc;
  if (existsSync(sibling)) return sibling;
  throw new LoadtestError(`generator worker file not found (looked for ${fromSrc}); run \`npm run build\` first`);
}

export class WorkerEngine {
  private readonly worker: Worker;
  private pending: { resolve: (r: StepRecorder) => void; reject: (e: Error) => void; onProgress?: EngineProgress } | null = null;
  private closing: Promise<void> | null = null;
  private exited = false;
  /** Resolves once the worker has loaded and built its engine (steps are timed from then on). */
  readonly ready: Promise<void>;
  private markReady: () => void = () => undefined;

  /** Told when this worker's engine stopped its step because a `unique` feeder ran out. */
  onExhausted: ((message: string) => void) | null = null;

  constructor(spec: GenerateTrafficSpec, connections: number, seqCounter: SharedArrayBuffer, feeders: SharedFeeder[] = [], feederSeed = 1) {
    const init: WorkerInit = { spec, connections, seqCounter, feeders, feederSeed };
    this.ready = new Promise<void>((resolve) => (this.markReady = resolve));
    this.worker = new Worker(resolveWorkerFile(), { workerData: init });
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (err) => this.failPending(err));
    this.worker.on('exit', () => {
      this.exited = true;
      this.markReady(); // nothing to wait for any more; runStep then fails
      this.failPending(new Error('generator worker exited'));
    });
  }

  private onMessage(m: FromWorker): void {
    const p = this.pending;
    if (m.type === 'ready') {
      this.markReady();
    } else if (m.type === 'progress') {
      p?.onProgress?.(StepRecorder.fromWire(m.rec), m.elapsedMs, m.inFlight);
    } else if (m.type === 'result') {
      this.pending = null;
      p?.resolve(StepRecorder.fromWire(m.rec));
    } else if (m.type === 'exhausted') {
      this.onExhausted?.(m.message);
    } else if (m.type === 'error') {
      this.failPending(new Error(m.message));
    }
  }

  private failPending(err: Error): void {
    const p = this.pending;
    this.pending = null;
    p?.reject(err);
  }

  private post(m: ToWorker): void {
    if (!this.exited) this.worker.postMessage(m);
  }

  runStep(step: EngineStep, onProgress?: EngineProgress): Promise<StepRecorder> {
    if (this.exited) return Promise.reject(new Error('generator worker exited'));
    if (this.pending) return Promise.reject(new Error('a step is already running'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, ...(onProgress ? { onProgress } : {}) };
      this.post({ type: 'step', step });
    });
  }

  stop(): void {
    this.post({ type: 'stop' });
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      const done = () => resolve();
      this.worker.once('exit', done);
      this.post({ type: 'close' });
      // A worker that does not exit by itself within 2 s is terminated.
      setTimeout(() => void this.worker.terminate().then(done, done), 2000).unref();
    });
    return this.closing;
  }
}
