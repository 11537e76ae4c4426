// The HTTP endpoint of `--metrics-listen host:port`: serves GET /metrics (the run's state from
// prometheus-metrics.ts) while a run goes, so a nightly or long run can be watched in Prometheus and
// Grafana. Opened before the run sends anything (a bad address is refused at once) and closed when
// it ends — after giving a scraper that has been polling one last scrape, so the final capacity is
// recorded too (bounded: 1.5 scrape intervals, at most LINGER_MAX_MS; not when interrupted).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import type { RunListener } from '../controller/events.js';
import { createRunMetrics } from './prometheus-metrics.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface MetricsEndpoint {
  /** `http://host:port/metrics`, with the real port when 0 was asked for. */
  url: string;
  listener: RunListener;
  /**
   * Stops listening and frees the port. With `lastScrape`, first waits (bounded) for a scraper that
   * has been polling to fetch the final state; `signal` cuts the wait short.
   */
  close(opts?: { lastScrape?: boolean; signal?: AbortSignal; onWait?: (ms: number) => void }): Promise<void>;
}

/** The longest a finished run waits for a last scrape (Prometheus' default interval is 15 s). */
export const LINGER_MAX_MS = 25_000;

/**
 * `127.0.0.1:9464`, `:9464` (all interfaces), `[::1]:9464`, `localhost:0` → host and port; a
 * UsageError (exit 2) naming the flag for anything else.
 */
export function parseListenAddress(value: string, flag = '--metrics-listen'): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new UsageError(`${flag}: expected host:port such as 127.0.0.1:9464 (or :9464 for every interface), got "${value}"`);
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export async function openMetricsEndpoint(addr: ListenAddress, flag = '--metrics-listen'): Promise<MetricsEndpoint> {
  const metrics = createRunMetrics();
  /** Start times of the scrapes, to learn the scraper's interval. */
  const scrapes: number[] = [];
  let onScrape: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    req.resume();
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('loadtest serves /metrics\n');
      return;
    }
    scrapes.push(Date.now());
    if (scrapes.length > 8) scrapes.shift();
    const body = metrics.render();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body, () => onScrape?.());
  });
  // A scraper's keep-alive connection must not hold the process open after close().
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the address is in use' : err.code === 'EADDRNOTAVAIL' ? 'no such local address' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new UsageError(`${flag}: cannot listen on ${addr.host}:${addr.port}: ${why}${err.code ? ` (${err.code})` : ''}`));
    });
    server.listen(addr.port, addr.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;

  return {
    url: `http://${host}:${port}/metrics`,
    listener: metrics.listener,
    async close(opts = {}) {
      if (opts.lastScrape && scrapes.length >= 2 && !opts.signal?.aborted) {
        const interval = scrapes.at(-1)! - scrapes.at(-2)!;
        const wait = Math.min(LINGER_MAX_MS, Math.max(0, scrapes.at(-1)! + interval * 1.5 - Date.now()));
        if (wait > 0) {
          opts.onWait?.(wait);
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              opts.signal?.removeEventListener('abort', done);
              onScrape = undefined;
              resolve();
            };
            const timer = setTimeout(done, wait);
            onScrape = done;
            opts.signal?.addEventListener('abort', done, { once: true });
          });
        }
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
