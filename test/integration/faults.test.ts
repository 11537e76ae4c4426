// Faults seen by the generator: each broken target (test/helpers/fault-server.ts) gives a short step
// whose failures carry the right error class, and nothing crashes or hangs. prepare() fails fast
// with one clear line where the target cannot be used at all. The same faults through the real CLI
// (report, verdict, exit code, memory) are in faults-cli.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { LoadtestError } from '../../src/errors.js';
import type { ErrorClass, StepStats } from '../../src/metrics/step-stats.js';
import type { GenerateTrafficSpec } from '../../src/scenario/scenario.js';
import { createGenerator } from '../../src/traffic/generator/generator.js';
import type { StepRequest } from '../../src/traffic/traffic.js';
import {
  makeSelfSignedCert,
  refusedPort,
  startFaultServer,
  UNRESOLVABLE_HOST,
  type FaultServer,
  type FaultServerOptions,
} from '../helpers/fault-server.js';

const servers: FaultServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function start(opts: FaultServerOptions): Promise<FaultServer> {
  const s = await startFaultServer(opts);
  servers.push(s);
  return s;
}

function spec(target: string, over: Partial<GenerateTrafficSpec> = {}): GenerateTrafficSpec {
  return {
    kind: 'generate',
    target,
    requests: [{ name: 'home', method: 'GET', path: '/', headers: {}, weight: 1 }],
    arrival: 'uniform',
    maxInFlight: 1_000,
    timeoutMs: 400,
    connections: 4,
    workers: 1,
    errorStatuses: [[500, 599]],
    insecure: false,
    ...over,
  };
}

function step(level: number, durationMs: number, over: Partial<StepRequest> = {}): StepRequest {
  return { index: 0, level, durationMs, warmupMs: 0, signal: new AbortController().signal, ...over };
}

/** Runs one step against the target (no prepare: that is what a target failing mid-run looks like). */
async function runFaultStep(target: string, level: number, durationMs: number, over: Partial<GenerateTrafficSpec> = {}): Promise<StepStats> {
  const g = createGenerator(spec(target, over));
  try {
    return await g.runStep(step(level, durationMs));
  } finally {
    expect(await g.close()).toEqual([]);
  }
}

/** Every send ended in this one error class: counted, classified, and nothing else. */
function expectAllFailedAs(s: StepStats, cls: ErrorClass): void {
  expect(s.sent).toBeGreaterThan(0);
  expect(s.errors[cls], `errors: ${JSON.stringify(s.errors)}`).toBe(s.sent);
  expect(s.errorCount).toBe(s.sent);
  expect(s.errorRate).toBe(1);
  expect(s.metrics.error_rate).toBe(1);
}

async function prepareError(target: string, over: Partial<GenerateTrafficSpec> = {}): Promise<LoadtestError> {
  const g = createGenerator(spec(target, over));
  try {
    await g.prepare(AbortSignal.timeout(15_000));
  } catch (err) {
    return err as LoadtestError;
  } finally {
    await g.close();
  }
  throw new Error('prepare() should have failed');
}

describe('faults through the generator: error classes', () => {
  it('refused: nothing listens on the port', async () => {
    const port = await refusedPort();
    expectAllFailedAs(await runFaultStep(`http://127.0.0.1:${port}`, 50, 1_000), 'refused');
  });

  it('refused at 2000 req/s: every send counted and classified, the step ends on time', async () => {
    const port = await refusedPort();
    const t0 = performance.now();
    const st = await runFaultStep(`http://127.0.0.1:${port}`, 2_000, 1_500);
    expectAllFailedAs(st, 'refused');
    expect(st.sent).toBeGreaterThan(2_000);
    expect(performance.now() - t0).toBeLessThan(15_000); // bounded: it does not crawl through a backlog
  });

  it('reset: the server resets the connection mid-response', async () => {
    const s = await start({ fault: 'reset' });
    expectAllFailedAs(await runFaultStep(s.url, 40, 1_000), 'reset');
  });

  it('timeout: slower than traffic.timeout', async () => {
    const s = await start({ fault: 'slow', slowMs: 3_000 });
    expectAllFailedAs(await runFaultStep(s.url, 20, 1_000), 'timeout');
  });

  it('timeout: accepts and never answers', async () => {
    const s = await start({ fault: 'hang' });
    expectAllFailedAs(await runFaultStep(s.url, 20, 1_000), 'timeout');
  });

  it('timeout: slowloris trickle of headers (a byte every 200 ms)', async () => {
    const s = await start({ fault: 'slowloris', trickleMs: 200 });
    expectAllFailedAs(await runFaultStep(s.url, 20, 1_000), 'timeout');
  });

  it('timeout: headers at once, then the body a byte every 200 ms', async () => {
    const s = await start({ fault: 'slowbody', trickleMs: 200 });
    expectAllFailedAs(await runFaultStep(s.url, 20, 1_000), 'timeout');
  });

  it('protocol: a garbage status line', async () => {
    const s = await start({ fault: 'malformed' });
    expectAllFailedAs(await runFaultStep(s.url, 40, 1_000), 'protocol');
  });

  it.each<[FaultServerOptions['fault'], ErrorClass]>([
    ['bigheaders', 'protocol'],
    ['truncated', 'reset'],
    ['empty', 'reset'],
  ])('%s → %s', async (fault, cls) => {
    const s = await start({ fault });
    expectAllFailedAs(await runFaultStep(s.url, 40, 1_000), cls);
  });

  it('http: 500 answers count as http errors, with their status', async () => {
    const s = await start({ fault: 'http500' });
    const st = await runFaultStep(s.url, 40, 1_000);
    expectAllFailedAs(st, 'http');
    expect(st.completed).toBe(st.sent);
    expect(st.statusCodes).toEqual({ '500': st.sent });
  });

  it('tls: an untrusted self-signed certificate fails every request; insecure: true accepts it', async () => {
    const s = await start({ fault: 'ok', tls: makeSelfSignedCert() });
    expectAllFailedAs(await runFaultStep(s.url, 30, 1_000), 'tls');
    const ok = await runFaultStep(s.url, 30, 1_000, { insecure: true });
    expect(ok.errorCount).toBe(0);
    expect(ok.completed).toBe(ok.sent);
  });

  it('dns: a name that does not resolve (.invalid), bounded in time', async () => {
    const t0 = Date.now();
    expectAllFailedAs(await runFaultStep(`http://${UNRESOLVABLE_HOST}:80`, 20, 1_000), 'dns');
    expect(Date.now() - t0).toBeLessThan(30_000); // generous: it must end, not hang
  });

  it('huge: 100 MB bodies are read (counted) without failing', async () => {
    const s = await start({ fault: 'huge', hugeBytes: 100 * 1024 * 1024 });
    const st = await runFaultStep(s.url, 2, 1_000, { timeoutMs: 20_000 });
    expect(st.sent).toBe(2);
    expect(st.errorCount).toBe(0);
    expect(st.bytesReceived).toBe(st.sent * 100 * 1024 * 1024);
  });
});

describe('faults through the generator: worker threads classify the same way', () => {
  it.each<[FaultServerOptions['fault'], ErrorClass]>([
    ['reset', 'reset'],
    ['malformed', 'protocol'],
    ['hang', 'timeout'],
  ])('%s with 2 workers → %s', async (fault, cls) => {
    const s = await start({ fault });
    expectAllFailedAs(await runFaultStep(s.url, 40, 1_000, { workers: 2 }), cls);
  });
});

describe('faults through the generator: the target dies mid-step and comes back', () => {
  it('the step shows refused/reset errors; the next step recovers', async () => {
    const s = await start({ fault: 'ok' });
    const g = createGenerator(spec(s.url, { timeoutMs: 1_000 }));
    try {
      await g.prepare(AbortSignal.timeout(10_000));
      const dying = setTimeout(() => void s.dieFor(800), 800);
      const bad = await g.runStep(step(100, 2_500));
      clearTimeout(dying);
      const failed = (bad.errors.refused ?? 0) + (bad.errors.reset ?? 0);
      expect(failed, `errors: ${JSON.stringify(bad.errors)}`).toBeGreaterThan(10);
      expect(bad.errorCount).toBe(failed); // nothing misclassified as 'other'
      expect(bad.completed).toBeGreaterThan(50); // it answered before and after
      expect(bad.errorRate).toBeGreaterThan(0.05);
      expect(bad.errorRate).toBeLessThan(0.9);
      expect(s.down).toBe(false);
      const good = await g.runStep(step(100, 1_500, { index: 1 }));
      expect(good.errorCount).toBe(0);
      expect(good.completed).toBe(good.sent);
    } finally {
      expect(await g.close()).toEqual([]);
    }
  });
});

describe('faults before the first step: prepare() fails fast with one clear line', () => {
  const oneLine = (e: LoadtestError) => {
    expect(e).toBeInstanceOf(LoadtestError);
    expect(e.message).not.toContain('\n');
    expect(e.message).not.toMatch(/\bat .*:\d+:\d+/); // no stack frames
  };

  it('refused', async () => {
    const port = await refusedPort();
    const e = await prepareError(`http://127.0.0.1:${port}`);
    oneLine(e);
    expect(e.message).toMatch(/refused/);
    expect(e.message).toContain(`127.0.0.1:${port}`);
  });

  it('untrusted TLS names the way out (insecure: true); with it, prepare passes', async () => {
    const s = await start({ fault: 'ok', tls: makeSelfSignedCert() });
    const e = await prepareError(s.url);
    oneLine(e);
    expect(e.message).toMatch(/insecure: true/);
    const g = createGenerator(spec(s.url, { insecure: true }));
    try {
      await g.prepare(AbortSignal.timeout(10_000));
    } finally {
      await g.close();
    }
  });

  it('dns', async () => {
    const e = await prepareError(`http://${UNRESOLVABLE_HOST}:80`);
    oneLine(e);
    expect(e.message).toMatch(/not found|resolve/);
  });

  it('hang: times out within traffic.timeout', async () => {
    const s = await start({ fault: 'hang' });
    const e = await prepareError(s.url);
    oneLine(e);
    expect(e.message).toMatch(/did not answer/);
  });

  it('malformed HTTP', async () => {
    const s = await start({ fault: 'malformed' });
    const e = await prepareError(s.url);
    oneLine(e);
    expect(e.message).toMatch(/valid HTTP/);
  });
});
