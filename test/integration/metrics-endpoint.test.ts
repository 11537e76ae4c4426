// `--metrics-listen`: a real Prometheus (Debian's, scraping every second) scrapes the endpoint of a
// real `loadtest run` against the demo service on loopback; the series are then queried back through
// Prometheus' HTTP API and checked against the run's own JSON report. Also: the port is freed when
// the run ends, and bad or busy addresses are one line and exit 2 before anything is sent.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../src/demo/demo-server.js';
import type { RunResult } from '../../src/result.js';
import { killAll, sleep, spawnCli } from '../helpers/cli-process.js';
import { freePort } from '../helpers/haproxy.js';
import { startPrometheus, type PrometheusHandle } from '../helpers/prometheus.js';

const dir = mkdtempSync(join(tmpdir(), 'loadtest-metrics-'));
let demo: DemoServer;
let prom: PrometheusHandle;
let port: number;

/** 4 workers × 10 ms: 400 requests/s, so a 100 → 400 ramp runs its 3 s steps for about 12 s (a dozen scrapes). */
function scenario(): string {
  const file = join(dir, 'watched.yaml');
  writeFileSync(
    file,
    `name: watched
target: ${demo.url}
traffic:
  request: { path: / }
  arrival: uniform
load: { start: 100, step: 100, max: 400, step_duration: 3s, warmup: 500ms }
slo: [p99 < 100ms, error_rate < 1%]
`,
  );
  return file;
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(q: string): Promise<Sample[]> {
  const r = await request(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await r.body.json()) as { status: string; data: { result: Sample[] } };
  expect(body.status).toBe('success');
  return body.data.result;
}
const one = async (q: string) => {
  const r = await query(q);
  return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
};

function portIsFree(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

beforeAll(async () => {
  demo = await startDemoServer({ workers: 4, serviceTimeMs: 10 });
  port = await freePort();
  prom = await startPrometheus([{ server: 'loadtest', port }]);
});

afterAll(async () => {
  await killAll();
  await prom?.stop();
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('--metrics-listen, scraped by a real Prometheus', () => {
  it('serves the run while it goes; the series are queried back; the port is freed at the end', async () => {
    const json = join(dir, 'watched.json');
    const cli = spawnCli(['run', scenario(), '--json', json, '--metrics-listen', `127.0.0.1:${port}`], { deadlineMs: 90_000 });
    // While the run goes, Prometheus sees it running at some level.
    let seen = false;
    for (const until = Date.now() + 30_000; !seen && Date.now() < until && !cli.hasExited; await sleep(250)) {
      seen = (await one('loadtest_running')) === 1 && (await one('loadtest_level')) !== undefined;
    }
    expect(seen, cli.stdout() + cli.stderr()).toBe(true);
    const { code } = await cli.exited;
    expect([0, 3, 5]).toContain(code);
    expect(cli.stdout().split('\n')[0]).toBe(`metrics endpoint: http://127.0.0.1:${port}/metrics`);
    const report = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
    expect(report.status).toBe('completed');
    expect(await portIsFree(port)).toBe(true);

    const W = '[5m]';
    // The highest level the run asked for was seen (a scrape a second; steps last 3 s).
    const levels = await query(`count_values("level", loadtest_level)`);
    expect(levels.length).toBeGreaterThan(0);
    expect(await one(`max_over_time(loadtest_level${W})`)).toBe(Math.max(...report.steps.map((s) => s.level)));
    expect(await one(`max_over_time(loadtest_offered_rps${W})`)).toBeGreaterThan(50);
    expect(await one(`max_over_time(loadtest_latency_seconds{quantile="0.99"}${W})`)).toBeGreaterThan(0);
    // The counters end where the report ends (the last scrape came after the run ended).
    const verdicts = await query(`last_over_time(loadtest_steps_total${W})`);
    const byVerdict = Object.fromEntries(verdicts.map((s) => [s.metric['verdict'], Number(s.value[1])]));
    expect(byVerdict).toEqual({
      pass: report.steps.filter((s) => s.verdict === 'pass').length,
      fail: report.steps.filter((s) => s.verdict === 'fail').length,
      inconclusive: report.steps.filter((s) => s.verdict === 'inconclusive').length,
    });
    const requests = report.steps.reduce((a, s) => a + s.latencyMs.count, 0);
    expect(await one(`last_over_time(loadtest_request_duration_seconds_count${W})`)).toBe(requests);
    // The SLO's 100 ms is a bucket bound: Prometheus can say how many answered within it.
    expect(await one(`last_over_time(loadtest_request_duration_seconds_bucket{le="0.1"}${W})`)).toBeLessThanOrEqual(requests);
    expect(await one(`last_over_time(loadtest_generator_cpu_cores${W})`)).toBeGreaterThan(0);
    expect(await one(`last_over_time(loadtest_generator_limited${W})`)).toBeDefined();
    // The final capacity, as the report says.
    const capacity = await one(`last_over_time(loadtest_capacity_rps${W})`);
    expect(capacity).toBe(report.capacity.maxServableLoad ?? undefined);
    const info = await query(`last_over_time(loadtest_capacity_info${W})`);
    expect(info.map((s) => s.metric['verdict'])).toEqual([report.capacity.verdict]);
    expect(await one(`last_over_time(loadtest_running${W})`)).toBe(0);
  });

  it('a bad or busy address: one line, exit 2, nothing sent', async () => {
    const before = demo.counters.served;
    const bad = spawnCli(['run', scenario(), '--json', join(dir, 'bad.json'), '--metrics-listen', '127.0.0.1'], { deadlineMs: 30_000 });
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toBe('loadtest: --metrics-listen: expected host:port such as 127.0.0.1:9464 (or :9464 for every interface), got "127.0.0.1"\n');

    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const busy = (taken.address() as net.AddressInfo).port;
    try {
      const cli = spawnCli(['run', scenario(), '--json', join(dir, 'busy.json'), '--metrics-listen', `127.0.0.1:${busy}`], { deadlineMs: 30_000 });
      expect((await cli.exited).code).toBe(2);
      expect(cli.stderr()).toBe(`loadtest: --metrics-listen: cannot listen on 127.0.0.1:${busy}: the address is in use (EADDRINUSE)\n`);
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
    expect(demo.counters.served).toBe(before);
  });
});
