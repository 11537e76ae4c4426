// Error classification against real servers: 500s, resets, timeouts, refused, the in-flight cap, TLS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadtestError } from '../../src/errors.js';
import { ExitCode } from '../../src/exit-codes.js';
import { createGenerator } from '../../src/traffic/generator/generator.js';
import { startTestServer, type TestServer } from '../helpers/http-servers.js';
import { genSpec, stepReq } from './generator-helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

/** A port with nothing listening (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('generator errors', () => {
  it('counts error statuses as http errors, with their status codes', async () => {
    server.setMode('status', { status: 503 });
    const g = createGenerator(genSpec(server.url));
    try {
      const s = await g.runStep(stepReq(200, 1500, 500));
      expect(s.sent).toBe(200);
      expect(s.errors).toEqual({ http: 200 });
      expect(s.statusCodes).toEqual({ '503': 200 });
      expect(s.completed).toBe(200); // a 503 is a response
      expect(s.errorRate).toBe(1);
      expect(s.metrics.error_rate).toBe(1);
      expect(s.metrics['error_rate{home}']).toBe(1);
    } finally {
      await g.close();
    }
  });

  it('does not count statuses outside traffic.error_status', async () => {
    server.setMode('status', { status: 404 });
    const g = createGenerator(genSpec(server.url, { errorStatuses: [[500, 599]] }));
    try {
      const s = await g.runStep(stepReq(100, 1000, 0));
      expect(s.errorCount).toBe(0);
      expect(s.statusCodes).toEqual({ '404': 100 });
    } finally {
      await g.close();
    }
  });

  it('classifies connections reset by the server as reset', async () => {
    server.setMode('reset');
    const g = createGenerator(genSpec(server.url));
    try {
      const s = await g.runStep(stepReq(100, 1500, 500));
      expect(s.sent).toBe(100);
      expect(s.completed).toBe(0);
      expect(s.errors.reset).toBe(100);
      expect(s.errorRate).toBe(1);
    } finally {
      await g.close();
    }
  });

  it('times out requests the server holds past traffic.timeout', async () => {
    server.setMode('slow', { delayMs: 3000 });
    const g = createGenerator(genSpec(server.url, { timeoutMs: 300 }));
    try {
      const t0 = Date.now();
      const s = await g.runStep(stepReq(50, 1500, 500));
      // The step waits for judged requests, bounded by the timeout: well under the server's 3 s.
      expect(Date.now() - t0).toBeLessThan(1500 + 300 + 1000);
      expect(s.sent).toBe(50);
      expect(s.errors).toEqual({ timeout: 50 });
      expect(s.latencyMs.min).toBeGreaterThanOrEqual(300); // a timeout's latency is a lower bound
    } finally {
      server.setMode('ok');
      await g.close();
    }
  });

  it('drops sends at the in-flight cap and blames the slow service, not the generator', async () => {
    server.setMode('stall');
    const g = createGenerator(genSpec(server.url, { maxInFlight: 5, timeoutMs: 10_000 }), {
      thresholds: { sendLagP99Ms: 1000, eventLoopDelayP99Ms: 1000 }, // this test is about the drop rule, not lag
    });
    try {
      const s = await g.runStep(stepReq(100, 1500, 500, {}));
      expect(s.generator!.peakInFlight).toBe(5);
      expect(s.errors.dropped).toBe(100); // the 5 in flight were all sent during warm-up
      expect(s.sent).toBe(0);
      expect(s.offeredRps).toBeCloseTo(100, 5);
      expect(s.generator!.dropped).toBe(100);
      expect(s.generator!.limited).toBe(false);
    } finally {
      server.setMode('ok');
      await g.close();
    }
  });

  it('prepare() fails with one clear line when nothing listens', async () => {
    const port = await deadPort();
    const g = createGenerator(genSpec(`http://127.0.0.1:${port}`));
    try {
      const err = await g.prepare(new AbortController().signal).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LoadtestError);
      expect((err as LoadtestError).exitCode).toBe(ExitCode.RUNTIME);
      expect((err as LoadtestError).message).toBe(`target http://127.0.0.1:${port} refused the connection (is it running?)`);
    } finally {
      await g.close();
    }
  });

  it('counts refused connections during a step as refused', async () => {
    const port = await deadPort();
    const g = createGenerator(genSpec(`http://127.0.0.1:${port}`));
    try {
      const s = await g.runStep(stepReq(50, 1000, 0));
      expect(s.errors.refused).toBe(50);
    } finally {
      await g.close();
    }
  });

  it('prepare() passes on any HTTP answer', async () => {
    server.setMode('status', { status: 500 });
    const g = createGenerator(genSpec(server.url));
    try {
      await expect(g.prepare(new AbortController().signal)).resolves.toBeUndefined();
    } finally {
      server.setMode('ok');
      await g.close();
    }
  });
});

describe('generator TLS', () => {
  it('rejects a self-signed certificate in prepare() with one line, and accepts it with insecure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-tls-'));
    let srv: https.Server | null = null;
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
      srv = https.createServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (_req, res) => res.end('ok'));
      await new Promise<void>((r) => srv!.listen(0, '127.0.0.1', r));
      const url = `https://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
      const strict = createGenerator(genSpec(url));
      const err = await strict.prepare(new AbortController().signal).then(() => null, (e: unknown) => e as Error);
      await strict.close();
      expect(err).toBeInstanceOf(LoadtestError);
      expect(err!.message).toMatch(/^target https:\/\/127\.0\.0\.1:\d+: TLS certificate is not trusted \(.+; self-signed\?\); set traffic\.insecure: true to accept it$/);
      const lax = createGenerator(genSpec(url, { insecure: true }));
      try {
        await lax.prepare(new AbortController().signal);
        const s = await lax.runStep(stepReq(50, 1000, 0));
        expect(s.completed).toBe(50);
      } finally {
        await lax.close();
      }
    } finally {
      await new Promise<void>((r) => (srv ? srv.close(() => r()) : r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('too few connections', () => {
  it('notes requests that waited for a free connection (and not when connections suffice)', async () => {
    // 100 req/s × 100 ms = ~10 in flight: over 2 connections the rest wait in the generator.
    server.setMode('slow', { delayMs: 100 });
    const few = createGenerator(genSpec(server.url, { connections: 2 }));
    const many = createGenerator(genSpec(server.url, { connections: 40 }));
    try {
      const a = await few.runStep(stepReq(100, 1000, 200));
      expect(a.generator!.peakInFlight).toBeGreaterThan(2);
      expect(a.generator!.notes?.[0]).toMatch(/^up to \d+ requests were in flight over 2 connections: .*raise traffic\.connections/);
      // A note, not a limit: the service held both connections (100 ms each at 100 req/s), so the
      // queue is the service's, however late the sends ran (generator-health.ts rule 4, HELD_BY_SERVICE);
      // only a machine so busy that rules 1–3 fire (lag > 10 ms …) makes it one.
      expect(a.generator!.reasons.join(' ')).not.toMatch(/backlog/);
      if (a.generator!.sendLagP99Ms <= 10 && a.generator!.eventLoopDelayP99Ms <= 20 && a.generator!.cpuPercent < 90) expect(a.generator!.limited).toBe(false);
      // The wait is in corrected latency only: from the write, each request took ~100 ms.
      expect(a.latencyMs.p50).toBeGreaterThan(a.latencyUncorrectedMs!.p50 + 50);
      const b = await many.runStep(stepReq(100, 1000, 200));
      expect(b.generator!.notes).toBeUndefined();
    } finally {
      server.setMode('ok');
      await few.close();
      await many.close();
    }
  });
});
