// prepare(): one real request to the target before the first step, through the client the steps
// use, so a wrong URL, a stopped service, an untrusted certificate or a response our client cannot
// frame fails fast with one clear line instead of a step full of errors.
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { LoadtestError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import type { GenerateTrafficSpec, RequestSpec } from '../../scenario/scenario.js';
import { classifyError, errorStatusTable } from './classify.js';
import type { ProbeReading } from '../../metrics/step-stats.js';
import { Http1Pool } from './http1-pool.js';
import { InFlightRequest } from './in-flight-request.js';
import { columnResolver, createTemplateRuntime, OutBuffer, type TemplateRuntime } from '../../workload/byte-template.js';
import { exhaustedMessage, type Feeder } from '../../workload/data/feeder.js';
import { applyRows, RequestData } from '../../workload/request-data.js';
import { SeqSource } from '../../workload/random-source.js';
import { compileRequestParts, renderParts } from '../../workload/request-template.js';

/** One line saying what went wrong reaching the target and what to do. */
export function probeFailureMessage(target: string, err: unknown, timeoutMs: number): string {
  const cls = classifyError(err);
  const code = (err as { code?: string } | null)?.code;
  switch (cls) {
    case 'refused':
      return `target ${target} refused the connection (is it running?)`;
    case 'dns':
      return `target ${target}: host name not found (${code ?? 'DNS error'}); check traffic.target`;
    case 'tls':
      if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
        // Trusted, but issued for another name: "self-signed?" would send the user the wrong way.
        return `target ${target}: TLS certificate is not valid for this host name (${code}); use the name it was issued for in target, or set traffic.insecure: true to accept it`;
      }
      return `target ${target}: TLS certificate is not trusted (${code ?? 'TLS error'}; self-signed?); set traffic.insecure: true to accept it`;
    case 'timeout':
      return `target ${target} did not answer within ${timeoutMs} ms (traffic.timeout)`;
    case 'reset':
      return `target ${target} closed the connection without answering (${code ?? 'reset'}); is it an HTTP${target.startsWith('https') ? 'S' : ''} server?`;
    case 'protocol':
      return `target ${target} did not answer with valid HTTP (${code ?? 'protocol error'})`;
    default:
      return `target ${target} could not be reached: ${(err as Error)?.message ?? String(err)}`;
  }
}

/**
 * The first request of the mix, ready to be sent one at a time: at prepare() to check the target
 * answers, and after a failed step to see whether the service has drained (controller/settle.ts).
 * Its data row is drawn once, here, and re-used by every send (a `unique` row is used up once).
 */
export class Prober {
  private readonly rt: TemplateRuntime;
  private readonly errorStatus: Uint8Array;
  readonly request: RequestSpec;
  /** The reading of the check prepare() made (probeTarget), on a service at rest. */
  rest?: ProbeReading;

  constructor(
    private readonly spec: GenerateTrafficSpec,
    seq: SeqSource = new SeqSource(),
    feeders: readonly Feeder[] = [],
  ) {
    const r = spec.requests[0];
    if (!r) throw new LoadtestError('traffic.requests is empty: nothing to send');
    this.request = r;
    const data = new RequestData(feeders, [r]);
    const rows = data.draw(0);
    if (rows === undefined) throw new LoadtestError(exhaustedMessage(data.exhausted!), ExitCode.INCONCLUSIVE);
    this.rt = createTemplateRuntime(seq, undefined, feeders);
    applyRows(this.rt, rows);
    this.errorStatus = errorStatusTable(spec.errorStatuses);
  }

  /** A reading of a response with this status. */
  reading(latencyMs: number, status: number): ProbeReading {
    return { latencyMs, status, failed: this.errorStatus[status] === 1 };
  }

  /** Sends the request once; resolves with its status, rejects with the client's error (a timeout as ETIMEDOUT). */
  async send(signal: AbortSignal, timeoutMs = Math.min(this.spec.timeoutMs, 10_000)): Promise<number> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const both = AbortSignal.any([signal, timeout]);
    try {
      // Through the client the steps use: what passes here, the generator can talk to.
      return await (this.spec.client === 'undici' ? sendWithUndici : sendWithLean)(this.spec, this.request, both, timeoutMs, this.rt);
    } catch (err) {
      if (timeout.aborted && !signal.aborted) throw Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' });
      throw err;
    }
  }

  /** Sends the request once and says how it went; never throws (an aborted `signal` reads as an error). */
  async read(signal: AbortSignal, timeoutMs?: number): Promise<ProbeReading> {
    const t0 = performance.now();
    try {
      const status = await this.send(signal, timeoutMs);
      return this.reading(performance.now() - t0, status);
    } catch (err) {
      return { latencyMs: performance.now() - t0, error: classifyError(err), failed: true };
    }
  }
}

/** Sends the first request of the mix once (a templated one filled in, taking a `seq` number); any HTTP response (any status) passes. */
export async function probeTarget(spec: GenerateTrafficSpec, signal: AbortSignal, seq: SeqSource = new SeqSource(), feeders: readonly Feeder[] = []): Promise<Prober> {
  // A request using data takes its row like any other (a `unique` row used here is not used again).
  const prober = new Prober(spec, seq, feeders);
  const timeoutMs = Math.min(spec.timeoutMs, 10_000);
  const t0 = performance.now();
  try {
    const status = await prober.send(signal, timeoutMs);
    prober.rest = prober.reading(performance.now() - t0, status);
  } catch (err) {
    if (signal.aborted) throw new LoadtestError(`interrupted while checking target ${spec.target}`);
    throw new LoadtestError(probeFailureMessage(spec.target, err, timeoutMs));
  }
  return prober;
}

async function sendWithUndici(spec: GenerateTrafficSpec, r: RequestSpec, signal: AbortSignal, timeoutMs: number, rt: TemplateRuntime): Promise<number> {
  const client = new Client(spec.target, {
    connect: { rejectUnauthorized: !spec.insecure, timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  try {
    const req = r.template ? renderParts(compileRequestParts(r, columnResolver(rt.feeders)), new OutBuffer(), rt) : { path: r.path, headers: r.headers, body: r.body ?? null };
    const res = await client.request({ path: req.path, method: r.method as 'GET', headers: req.headers, body: req.body, signal });
    await res.body.dump();
    return res.statusCode;
  } finally {
    await client.destroy().catch(() => undefined);
  }
}

async function sendWithLean(spec: GenerateTrafficSpec, r: RequestSpec, signal: AbortSignal, timeoutMs: number, rt: TemplateRuntime): Promise<number> {
  const pool = new Http1Pool(spec.target, [r], { connections: 1, rejectUnauthorized: !spec.insecure, templates: rt });
  try {
    return await new Promise<number>((resolve, reject) => {
      const now = performance.now();
      const sink = { complete: (done: InFlightRequest) => resolve(done.status), fail: (_: InFlightRequest, err: Error) => reject(err) };
      const req = new InFlightRequest(sink, null as never, 0, false, now, now, now + timeoutMs);
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener(
        'abort',
        () => {
          req.finished = true;
          req.abortFn?.();
          reject(signal.reason);
        },
        { once: true },
      );
      pool.dispatch(req);
    });
  } finally {
    await pool.destroy();
  }
}
