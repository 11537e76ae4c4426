// Issue #13's region test, on the bed of region-bed.ts: two HAProxy edges, four web servers (two per
// region), each region's dependency behind an internal HAProxy, region A's (db-a) capped by nginx
// limit_req below what region A's web servers could serve, Poisson live traffic through both edges.
// `loadtest run` shifts region A's weights on BOTH edges at once: it must find region A's capacity
// (requests/s served by the group) within ±10% of db-a's cap, name db-a as the bottleneck, and leave
// every weight on both edges exactly as it was — after a normal end, after SIGINT, and after SIGKILL
// + `loadtest restore`. A node that disappears mid-run stops the run and restores the other.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli-process.js';
import { startPrometheus } from '../helpers/prometheus.js';
import { startRegionBed, type RegionBed } from '../helpers/region-bed.js';

const CAP_A = 150; // db-a's limit, r/s
const LIVE_RPS = 200; // through both edges: region A's fair share (1x) is 100 r/s
const ORIGINAL = { webA1: 100, webA2: 100, webB1: 100, webB2: 100 };

describe('region-level live test: two edges, region A limited by its dependency', () => {
  let bed: RegionBed;
  let traffic: Awaited<ReturnType<RegionBed['startTraffic']>> | undefined;
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  let n = 0;

  beforeAll(async () => {
    bed = await startRegionBed({ capA: CAP_A, burst: 30 });
    traffic = await bed.startTraffic(LIVE_RPS, 170_000);
    // Prometheus for the last test, started now: a rate of the exporter first has a value ~6 s after
    // it starts (measured), a wait the tests before it now cover.
    prom = await startPrometheus([{ server: 'internal', port: bed.internal.metricsPort }]);
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
    await traffic?.stop();
    await bed?.stop();
  });

  const scenario = (load: string): { file: string; report: string; journal: string } => {
    n++;
    const file = join(bed.dir, `region${n}.yaml`);
    const report = join(bed.dir, `region${n}.json`);
    const journal = join(bed.dir, `region${n}.journal.json`);
    // edge1 by its unix socket, edge2 by its TCP address: any mix works.
    writeFileSync(
      file,
      `name: region a
traffic:
  shift:
    haproxy:
      - { socket: ${bed.edges[0].socket}, backend: web, servers: [webA1, webA2] }
      - { address: ${bed.edges[1].address}, backend: web, servers: [webA1, webA2] }
    journal: ${journal}
metrics: haproxy
services:
  - name: db-a
    metrics: { haproxy: { socket: ${bed.internal.socket}, backend: db-a } }
    slo: [error_rate < 1%]
load: ${load}
slo: [error_rate < 5%]
report: { json: ${report} }
`,
    );
    return { file, report, journal };
  };

  const weightsOfBoth = async (): Promise<Array<Record<string, number>>> => Promise.all(bed.edges.map((e) => e.weights()));

  it("finds region A's capacity at its dependency's cap, names db-a the bottleneck, and restores both edges", async () => {
    // From 1.3x (about 130 r/s, below db-a's cap): 1x and 1.15x were two more 6 s steps far below it.
    const s = scenario('{ start: 1.3x, factor: 1.15, max: 2x, step_duration: 6s, warmup: 1s, window: 2.5s, refine: 5% }');
    const html = join(bed.dir, 'region.html');
    const md = join(bed.dir, 'region.md');
    const junit = join(bed.dir, 'region.xml');
    const cli = spawnCli(['run', s.file, '--html', html, '--markdown', md, '--junit', junit], { cwd: bed.dir, deadlineMs: 150_000 });
    const { code } = await cli.exited;
    const out = cli.stdout() + cli.stderr();
    expect(code, out).toBe(0);
    const r = JSON.parse(readFileSync(s.report, 'utf8'));
    const msg = `${out}\n${JSON.stringify(r.steps.map((st: { level: number; verdict: string; metrics: Record<string, number> }) => [st.level, st.verdict, st.metrics?.rps, st.metrics?.error_rate]))}`;
    expect(r.capacity.verdict, msg).toBe('found');
    expect(r.capacity.bottleneck, msg).toBe('db-a');
    expect(r.capacity.limitedBy[0], msg).toBe('db-a: error_rate < 1%');
    // The region's capacity, in requests/s served by the group, within ±10% of db-a's cap.
    expect(r.capacity.maxServableLoad, msg).toBeGreaterThanOrEqual(CAP_A * 0.9);
    expect(r.capacity.maxServableLoad, msg).toBeLessThanOrEqual(CAP_A * 1.1);
    // Both edges were moved, and both are back exactly.
    expect(r.steps.some((st: { level: number }) => st.level > 1), msg).toBe(true);
    expect(await weightsOfBoth()).toEqual([ORIGINAL, ORIGINAL]);
    expect(existsSync(s.journal)).toBe(false);
    expect(out).toMatch(/bottleneck: db-a/);
    // Every report names the bottleneck and has the per-service table.
    for (const f of [html, md]) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).toMatch(/bottleneck: db-a/);
      expect(text, f).toMatch(/Services/);
      expect(text, f).toMatch(/Headroom at the highest passing load/);
    }
    expect(readFileSync(junit, 'utf8')).toMatch(/db-a: error_rate &lt; 1%|db-a: error_rate < 1%/);
  }, 160_000);

  it('--dry-run reads both edges and the dependency once and changes nothing', async () => {
    const s = scenario('{ start: 1x, factor: 1.15, max: 2x, step_duration: 6s, warmup: 1s, window: 2.5s }');
    const cli = spawnCli(['run', s.file, '--dry-run'], { cwd: bed.dir, deadlineMs: 30_000 });
    const { code } = await cli.exited;
    const out = cli.stdout() + cli.stderr();
    expect(code, out).toBe(0);
    expect(out).toMatch(/services: db-a — each source read once/);
    expect(await weightsOfBoth()).toEqual([ORIGINAL, ORIGINAL]);
    expect(existsSync(s.journal)).toBe(false);
    // A dependency whose source cannot be read: one line naming it, exit 1, nothing changed.
    writeFileSync(s.file, readFileSync(s.file, 'utf8').replace('backend: db-a', 'backend: db-x'));
    const bad = spawnCli(['run', s.file, '--dry-run'], { cwd: bed.dir, deadlineMs: 30_000 });
    expect((await bad.exited).code).toBe(1);
    expect(bad.stderr()).toMatch(/service db-a: .*db-x/);
  }, 60_000);

  it('SIGINT mid-run: both edges restored, exit 130', async () => {
    const s = scenario('{ start: 1.2x, factor: 1.15, max: 2x, step_duration: 10s, warmup: 1s }');
    const cli = spawnCli(['run', s.file], { cwd: bed.dir, deadlineMs: 60_000 });
    await waitShifted();
    cli.kill('SIGINT');
    const { code } = await cli.exited;
    expect(code, cli.stdout() + cli.stderr()).toBe(130);
    expect(await weightsOfBoth()).toEqual([ORIGINAL, ORIGINAL]);
    expect(existsSync(s.journal)).toBe(false);
  }, 70_000);

  it('SIGKILL mid-run leaves the journal; `loadtest restore` puts both edges back', async () => {
    const s = scenario('{ start: 1.2x, factor: 1.15, max: 2x, step_duration: 10s, warmup: 1s }');
    const cli = spawnCli(['run', s.file], { cwd: bed.dir, deadlineMs: 60_000 });
    await waitShifted();
    cli.kill('SIGKILL');
    await cli.exited;
    const moved = await weightsOfBoth();
    expect(moved[0]!.webA1).toBeGreaterThan(100);
    expect(moved[1]!.webA1).toBeGreaterThan(100);
    expect(existsSync(s.journal)).toBe(true);
    const restore = spawnCli(['restore', '--journal', s.journal], { cwd: bed.dir, deadlineMs: 30_000 });
    expect((await restore.exited).code, restore.stdout() + restore.stderr()).toBe(0);
    expect(await weightsOfBoth()).toEqual([ORIGINAL, ORIGINAL]);
    expect(existsSync(s.journal)).toBe(false);
  }, 70_000);

  it('load-balancing findings: a control server in maintenance is flagged on each edge, the even split of the others is not', async () => {
    // (On one edge only, the run refuses: the nodes must agree on the active servers and weights.)
    for (const e of bed.edges) await e.runtime.command('set server web/webB2 state maint');
    try {
      const s = scenario('{ start: 1x, factor: 1.15, max: 1.15x, step_duration: 4s, warmup: 1s, window: 1.5s }');
      const cli = spawnCli(['run', s.file], { cwd: bed.dir, deadlineMs: 60_000 });
      const { code } = await cli.exited;
      const out = cli.stdout() + cli.stderr();
      expect([0, 5], out).toContain(code);
      const r = JSON.parse(readFileSync(s.report, 'utf8'));
      const balance = r.steps[0].live.balance as Array<{ node: string; server: string; flag?: string }>;
      const flagged = balance.filter((f) => f.flag).map((f) => `${f.node}/${f.server}: ${f.flag}`);
      expect(flagged, out).toEqual([`${bed.edges[0].socket}/webB2: MAINT: takes no traffic`, `${bed.edges[1].address}/webB2: MAINT: takes no traffic`]);
      expect(out).toMatch(/load balancing: servers off their share/);
      expect(await weightsOfBoth()).toEqual([ORIGINAL, ORIGINAL]);
    } finally {
      for (const e of bed.edges) await e.runtime.command('set server web/webB2 state ready');
    }
  }, 70_000);

  it("a dependency judged from Prometheus (HAProxy's exporter, scraped every second) is measured at every step beside the others", async () => {
    const url = prom!.url;
    const s = scenario('{ start: 1x, factor: 1.15, max: 1.15x, step_duration: 5s, warmup: 1s, window: 2s }');
    const q = (extra: string): string => `sum(rate(haproxy_backend_http_responses_total{proxy="db-b"${extra}}[{window}]))`;
    const yaml = readFileSync(s.file, 'utf8').replace(
      'load:',
      `  - name: db-b
    metrics: { prometheus: { url: ${url}, interval: 1s, queries: { rps: '${q('')}', error_rate: '(${q(',code="5xx"')} or vector(0)) / ${q('')}' } } }
    slo: [error_rate < 1%]
load:`,
    );
    writeFileSync(s.file, yaml);
    // Until Prometheus has two scrapes of the exporter, a rate has no value (absent, not 0).
    const ready = Date.now() + 30_000;
    for (;;) {
      const body = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q('').replace('{window}', '2s'))}`)).json()) as { data?: { result?: unknown[] } };
      if ((body.data?.result?.length ?? 0) > 0 || Date.now() > ready) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const cli = spawnCli(['run', s.file], { cwd: bed.dir, deadlineMs: 60_000 });
    const { code } = await cli.exited;
    const out = cli.stdout() + cli.stderr();
    expect([0, 5], out).toContain(code);
    const r = JSON.parse(readFileSync(s.report, 'utf8'));
    const dbB = r.steps.map((st: { services: Array<{ name: string; metrics: Record<string, number>; verdict: string }> }) => st.services.find((x) => x.name === 'db-b'));
    const msg = `${out}\n${JSON.stringify(dbB)}`;
    // Region B's dependency serves region B's share (half of 200 r/s at 1x, less as A takes more), all 2xx.
    for (const x of dbB) {
      expect(x, msg).toBeDefined();
      expect(x.metrics.rps, msg).toBeGreaterThan(30);
      expect(x.metrics.rps, msg).toBeLessThan(130);
      expect(x.metrics.error_rate, msg).toBe(0);
    }
    expect(dbB.some((x: { verdict: string }) => x.verdict === 'pass'), msg).toBe(true);
    expect(out).toMatch(/db-b/);
    expect(await weightsOfBoth()).toEqual([ORIGINAL, ORIGINAL]);
  }, 90_000);

  /** Resolves once region A's weight was raised on both edges. */
  async function waitShifted(): Promise<void> {
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      const [a, b] = await weightsOfBoth();
      if (a!.webA1! > 100 && b!.webA1! > 100) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('region A was never shifted on both edges');
  }
});
