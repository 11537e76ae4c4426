// Test helper: Debian's real Prometheus (/usr/bin/prometheus) on loopback with a temp config and
// TSDB, and an HTTP server exposing a real latency histogram of KNOWN shape, so the Prometheus and
// scrape samplers can be checked against exact expected figures. Stopped by pid / close().
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { freePort } from './haproxy.js';

/** Bucket bounds in seconds, as a service would declare them. */
export const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

/**
 * The known traffic shape, by request number i (0-based): every 10th request (i % 10 == 9) is
 * "slow" (80 ms, in the (50, 100] ms bucket), the others take 8 ms ((5, 10] ms bucket); every 20th
 * (i % 20 == 19) answers 500. Expected: error rate 5%, p50 = 5 + 5 × 0.5/0.9 ≈ 7.78 ms,
 * p90 = 10 ms, p99 = 50 + 50 × 0.09/0.1 = 95 ms (linear interpolation inside buckets).
 */
export const EXPECTED = { errorRate: 0.05, p50: 5 + (5 * 0.5) / 0.9, p90: 10, p99: 95 };

export interface HistogramServer {
  url: string;
  metricsUrl: string;
  port: number;
  served: number;
  /** Zeroes every counter, as a restarted service would. */
  reset(): void;
  close(): Promise<void>;
}

export async function startHistogramServer(): Promise<HistogramServer> {
  // Per status code: cumulative bucket counts, sum and count.
  const series = new Map<string, { buckets: number[]; sum: number; count: number }>();
  let i = 0;
  const observe = (code: string, seconds: number) => {
    let s = series.get(code);
    if (!s) series.set(code, (s = { buckets: BOUNDS.map(() => 0), sum: 0, count: 0 }));
    BOUNDS.forEach((b, k) => {
      if (seconds <= b) s!.buckets[k]!++;
    });
    s.sum += seconds;
    s.count++;
  };
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/metrics') {
      const lines = ['# HELP http_request_duration_seconds Request latency.', '# TYPE http_request_duration_seconds histogram'];
      for (const [code, s] of series) {
        BOUNDS.forEach((b, k) => lines.push(`http_request_duration_seconds_bucket{code="${code}",le="${b}"} ${s.buckets[k]}`));
        lines.push(`http_request_duration_seconds_bucket{code="${code}",le="+Inf"} ${s.count}`);
        lines.push(`http_request_duration_seconds_sum{code="${code}"} ${s.sum}`);
        lines.push(`http_request_duration_seconds_count{code="${code}"} ${s.count}`);
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(lines.join('\n') + '\n');
      return;
    }
    const n = i++;
    const code = n % 20 === 19 ? '500' : '200';
    observe(code, n % 10 === 9 ? 0.08 : 0.008);
    handle.served++;
    res.writeHead(Number(code), { 'content-length': 3 }).end('ok\n');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const handle: HistogramServer = {
    url: `http://127.0.0.1:${port}/`,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    port,
    served: 0,
    reset() {
      series.clear();
      i = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  return handle;
}

/** Sends `rps` requests/s to `url` for `durationMs` (bounded), resolving when all have answered. */
export async function sendSteady(url: string, rps: number, durationMs: number): Promise<void> {
  const agent = new Agent({ connections: 64 });
  const total = Math.round((rps * durationMs) / 1000);
  const t0 = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let k = 0; k < total; k++) {
    const due = t0 + (k * 1000) / rps;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      request(url, { dispatcher: agent })
        .then((r) => r.body.dump())
        .catch(() => undefined),
    );
  }
  await Promise.all(pending);
  await agent.close();
}

export interface PrometheusHandle {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping each target every second, with a `server` label per target. */
export async function startPrometheus(targets: Array<{ server: string; port: number }>): Promise<PrometheusHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-prom-'));
  const port = await freePort();
  const cfg = join(dir, 'prometheus.yml');
  writeFileSync(
    cfg,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: svc',
      '    static_configs:',
      ...targets.flatMap((t) => [`      - targets: ['127.0.0.1:${t.port}']`, `        labels: { server: ${t.server} }`]),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    '/usr/bin/prometheus',
    [`--config.file=${cfg}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      process.kill(child.pid!, 'SIGTERM');
      const t = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await request(`${url}/-/ready`);
      await r.body.dump();
      if (r.statusCode === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end || child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus did not become ready: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { pid: child.pid!, url, stop };
}

/** Histogram bounds (seconds) for measured backends: fine enough around the demo's service times. */
export const MEASURED_BOUNDS = [0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5];

export interface MeasuredBackend {
  name: string;
  port: number;
  url: string;
  metricsUrl: string;
  close(): Promise<void>;
}

/**
 * Demo-service backends (known capacity W/S) that also expose /metrics: a real latency histogram of
 * every request they answered, measured from arrival to the end of the response (queueing included),
 * labelled with the status code — what an instrumented service would expose.
 */
export async function startMeasuredBackends(names: string[], opts: { workers: number; serviceTimeMs: number; queueLimit?: number }): Promise<MeasuredBackend[]> {
  const { startDemoServer } = await import('../../src/demo/demo-server.js');
  return Promise.all(
    names.map(async (name) => {
      const series = new Map<string, { buckets: number[]; sum: number; count: number }>();
      const observe = (code: string, seconds: number) => {
        let s = series.get(code);
        if (!s) series.set(code, (s = { buckets: MEASURED_BOUNDS.map(() => 0), sum: 0, count: 0 }));
        MEASURED_BOUNDS.forEach((b, k) => {
          if (seconds <= b) s!.buckets[k]!++;
        });
        s.sum += seconds;
        s.count++;
      };
      const demo = await startDemoServer({
        workers: opts.workers,
        serviceTimeMs: opts.serviceTimeMs,
        ...(opts.queueLimit ? { queueLimit: opts.queueLimit } : {}),
        routes: [
          (req, res) => {
            if (req.url === '/metrics') {
              const lines: string[] = ['# TYPE http_request_duration_seconds histogram'];
              for (const [code, s] of series) {
                MEASURED_BOUNDS.forEach((b, k) => lines.push(`http_request_duration_seconds_bucket{code="${code}",le="${b}"} ${s.buckets[k]}`));
                lines.push(`http_request_duration_seconds_bucket{code="${code}",le="+Inf"} ${s.count}`);
                lines.push(`http_request_duration_seconds_sum{code="${code}"} ${s.sum}`);
                lines.push(`http_request_duration_seconds_count{code="${code}"} ${s.count}`);
              }
              res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(lines.join('\n') + '\n');
              return true;
            }
            const t0 = performance.now();
            res.once('finish', () => observe(String(res.statusCode), (performance.now() - t0) / 1000));
            return false; // the demo pool serves it
          },
        ],
      });
      return { name, port: demo.port, url: demo.url, metricsUrl: `${demo.url}/metrics`, close: () => demo.close() };
    }),
  );
}
