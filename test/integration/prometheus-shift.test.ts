// Live-traffic capacity judged from a real Prometheus: instrumented demo backends (137.5 req/s each)
// behind HAProxy, scraped every second by Prometheus with a `server` label; `loadtest run` shifts
// weights and judges p99 from the default PromQL templates, control group beside.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli-process.js';
import { startHaproxy, startLiveTraffic, type HaproxyHandle, type LiveTraffic } from '../helpers/haproxy.js';
import { startMeasuredBackends, startPrometheus, type MeasuredBackend, type PrometheusHandle } from '../helpers/prometheus.js';

const WORKERS = 11;
const SERVICE_MS = 80;
const CAPACITY = (WORKERS * 1000) / SERVICE_MS; // 137.5 req/s

describe('shift judged from Prometheus (real prometheus + haproxy)', () => {
  let hx: HaproxyHandle;
  let prom: PrometheusHandle;
  let backends: MeasuredBackend[];
  let live: LiveTraffic | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-shift-prom-'));

  beforeAll(async () => {
    backends = await startMeasuredBackends(['web1', 'web2', 'web3'], { workers: WORKERS, serviceTimeMs: SERVICE_MS });
    hx = await startHaproxy({ servers: backends.map((b) => ({ name: b.name, port: b.port })) });
    prom = await startPrometheus(backends.map((b) => ({ server: b.name, port: b.port })));
  });
  afterAll(async () => {
    await live?.stop();
    await prom?.stop();
    await hx?.stop();
    await Promise.all((backends ?? []).map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it(`finds ~${CAPACITY} req/s within ±15% from Prometheus p99`, async () => {
    const f = join(dir, 'prom.yaml');
    const report = join(dir, 'report.json');
    writeFileSync(
      f,
      `name: web1 live capacity (prometheus)
traffic:
  shift:
    haproxy: { socket: ${hx.socket}, backend: web, servers: [web1] }
    limits: { max_share: 80% }
    journal: ${join(dir, 'journal.json')}
metrics:
  prometheus: { url: ${prom.url}, interval: 1s }
load: { start: 1x, step: 0.25x, max: 2x, step_duration: 4s, warmup: 2s, window: 2s, persist: 1, min_samples: 50, refine: 5% }
slo:
  - p99 < 250ms
  - error_rate < 1%
guard:
  - control.p99 < 2s
report: { json: ${report} }
`,
    );
    live = startLiveTraffic(hx.frontendUrl, 300, 100_000);
    await new Promise((r) => setTimeout(r, 3000)); // a few scrapes of steady traffic first
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
    const first = r.steps[0];
    expect(first.live.source).toBe('prometheus');
    expect(first.metrics.p99).toBeGreaterThan(SERVICE_MS * 0.9);
    expect(first.metrics['control.p99']).toBeGreaterThan(SERVICE_MS * 0.9);
    expect(first.metrics.rps).toBeGreaterThan(70);
    expect(first.metrics.rps).toBeLessThan(130);
    expect(await hx.weights()).toEqual({ web1: 100, web2: 100, web3: 100 });
  });
});
