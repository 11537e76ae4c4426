// Live-traffic capacity judged on LATENCY percentiles: backends of known capacity (137.5 req/s)
// expose a real latency histogram on /metrics; `loadtest run` (a child process) shifts HAProxy
// weights and scrapes web1 and the control group itself. Past capacity the queue, hence p99, grows.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli-process.js';
import { startHaproxy, startLiveTraffic, type HaproxyHandle, type LiveTraffic } from '../helpers/haproxy.js';
import { startMeasuredBackends, type MeasuredBackend } from '../helpers/prometheus.js';

const WORKERS = 11;
const SERVICE_MS = 80;
const CAPACITY = (WORKERS * 1000) / SERVICE_MS; // 137.5 req/s

describe('shift with metrics scraped from the backends (p99 SLO)', () => {
  let hx: HaproxyHandle;
  let backends: MeasuredBackend[];
  let live: LiveTraffic | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-shift-scrape-'));

  beforeAll(async () => {
    backends = await startMeasuredBackends(['web1', 'web2', 'web3'], { workers: WORKERS, serviceTimeMs: SERVICE_MS });
    hx = await startHaproxy({ servers: backends.map((b) => ({ name: b.name, port: b.port })) });
  });
  afterAll(async () => {
    await live?.stop();
    await hx?.stop();
    await Promise.all((backends ?? []).map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it(`finds ~${CAPACITY} req/s within ±15% from p99, with control.p99 beside it`, async () => {
    const f = join(dir, 'scrape.yaml');
    const report = join(dir, 'report.json');
    writeFileSync(
      f,
      `name: web1 live capacity (scrape)
traffic:
  shift:
    haproxy: { address: ${hx.address}, backend: web, servers: [web1] }
    limits: { max_share: 80% }
    journal: ${join(dir, 'journal.json')}
metrics:
  scrape:
    url: ${backends[0]!.metricsUrl}
    control: [${backends[1]!.metricsUrl}, ${backends[2]!.metricsUrl}]
    histogram: http_request_duration_seconds
    interval: 500ms
load: { start: 1x, step: 0.25x, max: 2.5x, step_duration: 3s, warmup: 1s, window: 1s, persist: 2, min_samples: 50, refine: 5% }
slo:
  - p99 < 250ms
guard:
  - control.p99 < 1s
report: { json: ${report} }
`,
    );
    live = startLiveTraffic(hx.frontendUrl, 300, 90_000);
    await new Promise((r) => setTimeout(r, 500));
    const cli = spawnCli(['run', f, '--no-progress'], { deadlineMs: 90_000 });
    const { code } = await cli.exited;
    const out = cli.stdout() + cli.stderr();
    await live.stop();
    if (process.env.SHIFT_VERBOSE) console.log(out);
    expect(code, out).toBe(0);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r.capacity.verdict, out).toBe('found');
    expect(r.capacity.maxServableLoad, out).toBeGreaterThan(CAPACITY * 0.85);
    expect(r.capacity.maxServableLoad, out).toBeLessThan(CAPACITY * 1.15);
    expect(r.capacity.limitedBy).toEqual(['p99 < 250ms']);
    const first = r.steps[0];
    expect(first.live.source).toBe('scrape');
    expect(first.metrics.p99).toBeGreaterThan(SERVICE_MS * 0.9); // a request takes at least the service time
    expect(first.metrics.p99).toBeLessThan(250);
    expect(first.metrics['control.p99']).toBeGreaterThan(SERVICE_MS * 0.9);
    expect(first.latencyMs.count).toBeGreaterThan(0); // percentiles measured: a real latency summary
    expect(await hx.weights()).toEqual({ web1: 100, web2: 100, web3: 100 });
  });
});
