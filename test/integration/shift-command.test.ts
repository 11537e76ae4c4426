// The command shifter: the user's own get/set weight commands (here small shell scripts keeping
// weights in files, as an Envoy/cloud LB adapter would) with shell-quoted {server}/{weight}, metrics
// from a direct /metrics scrape; weights journaled, set, and put back by close() or `loadtest restore`.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScrapeSampler } from '../../src/metrics/samplers/scrape-sampler.js';
import { createCommandShifter, fillTemplate, shellQuote } from '../../src/traffic/shifters/command-shifter.js';
import { sendSteady, startHistogramServer, type HistogramServer } from '../helpers/prometheus.js';

const run = promisify(execFile);

describe('command shifter (shell scripts as the load balancer)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-cmd-'));
  const state = join(dir, 'weights');
  const log = join(dir, 'set.log');
  let web1: HistogramServer;
  let web2: HistogramServer;
  const pool = ['web1', 'web2', "odd name'$(touch pwned)"];

  beforeAll(async () => {
    mkdirSync(state);
    // get: print the weight kept in weights/<server>; set: write it and log the call.
    writeFileSync(join(dir, 'get.sh'), `#!/bin/sh\ncat "${state}/$1"\n`);
    writeFileSync(join(dir, 'set.sh'), `#!/bin/sh\nprintf '%s' "$2" > "${state}/$1"\necho "$1=$2" >> "${log}"\n`);
    chmodSync(join(dir, 'get.sh'), 0o755);
    chmodSync(join(dir, 'set.sh'), 0o755);
    for (const s of pool) writeFileSync(join(state, s), '10');
    web1 = await startHistogramServer();
    web2 = await startHistogramServer();
  });
  afterAll(async () => {
    await Promise.all([web1?.close(), web2?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('quotes values so a server name cannot inject shell syntax', async () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    const cmd = fillTemplate('echo {server} {weight} {other}', { server: "a'b $(touch x)", weight: 5 });
    expect(cmd).toBe(`echo 'a'\\''b $(touch x)' '5' {other}`);
    const { stdout } = await run('sh', ['-c', cmd], { cwd: dir });
    expect(stdout).toBe("a'b $(touch x) 5 {other}\n");
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('journals, sets weights through the commands, measures from /metrics, and restores on close()', async () => {
    const journal = join(dir, 'journal.json');
    const shifter = createCommandShifter({
      spec: { type: 'command', servers: ['web1'], pool, getWeight: `${dir}/get.sh {server}`, setWeight: `${dir}/set.sh {server} {weight}` },
      limits: { maxShare: 0.9 },
      journalFile: journal,
      windowMs: 500,
      makeSampler: () => createScrapeSampler({ targetUrls: [web1.metricsUrl], controlUrls: [web2.metricsUrl], histogram: 'http_request_duration_seconds', intervalMs: 250 }),
    });
    await shifter.prepare(new AbortController().signal);
    expect(JSON.parse(readFileSync(journal, 'utf8'))).toMatchObject({ shifter: { type: 'command' }, weights: { web1: 10, web2: 10, [pool[2]!]: 10 } });

    const traffic = Promise.all([sendSteady(web1.url, 100, 1800), sendSteady(web2.url, 50, 1800)]);
    const stats = await shifter.runStep({ index: 0, level: 2, durationMs: 1500, warmupMs: 250, signal: new AbortController().signal });
    await traffic;
    // Level 2 of a 1/3 fair share = 2/3: web1 must carry twice the rest together.
    expect(stats.live!.expectedShare).toBeCloseTo(2 / 3, 2);
    expect(stats.live!.weights.web1! / (stats.live!.weights.web2! + stats.live!.weights[pool[2]!]!)).toBeCloseTo(2, 1);
    expect(readFileSync(join(state, 'web1'), 'utf8')).toBe(String(stats.live!.weights.web1));
    expect(stats.live!.source).toBe('scrape');
    expect(stats.metrics.p99).toBeCloseTo(95, 0);
    expect(stats.metrics.error_rate).toBeCloseTo(0.05, 1);
    expect(stats.metrics['control.p99']).toBeCloseTo(95, 0);
    expect(stats.windows!.length).toBeGreaterThanOrEqual(2);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);

    expect(await shifter.close()).toEqual([expect.stringMatching(/original weights restored/)]);
    for (const s of pool) expect(readFileSync(join(state, s), 'utf8')).toBe('10');
    expect(existsSync(journal)).toBe(false);
  });

  it('`loadtest restore` replays a command journal', async () => {
    const journal = join(dir, 'crashed.json');
    writeFileSync(join(state, 'web1'), '200');
    writeFileSync(
      journal,
      JSON.stringify({ kind: 'loadtest.weight-journal', version: 1, shifter: { type: 'command', setWeight: `${dir}/set.sh {server} {weight}` }, weights: { web1: 10, web2: 10 }, pid: 1, startedAt: new Date().toISOString() }),
    );
    const r = await run(process.execPath, ['bin/loadtest.js', 'restore', '--journal', journal]);
    expect(r.stdout).toMatch(/restored web1 weight 10 \(set_weight command\)/);
    expect(readFileSync(join(state, 'web1'), 'utf8')).toBe('10');
    expect(existsSync(journal)).toBe(false);
  });

  it('a failing or garbled get_weight is a clear error', async () => {
    const bad = createCommandShifter({
      spec: { type: 'command', servers: ['web1'], pool: ['web1', 'web2'], getWeight: 'echo lots', setWeight: 'true {server} {weight}' },
      limits: {},
      journalFile: join(dir, 'never.json'),
      makeSampler: () => createScrapeSampler({ targetUrls: [web1.metricsUrl], controlUrls: [], histogram: 'http_request_duration_seconds', intervalMs: 250 }),
    });
    await expect(bad.prepare(new AbortController().signal)).rejects.toThrow(/get_weight for web1 printed 'lots', expected an integer weight 0\.\.256/);
    const failing = createCommandShifter({
      spec: { type: 'command', servers: ['web1'], pool: ['web1', 'web2'], getWeight: 'echo nope >&2; exit 3', setWeight: 'true' },
      limits: {},
      journalFile: join(dir, 'never.json'),
      makeSampler: () => createScrapeSampler({ targetUrls: [web1.metricsUrl], controlUrls: [], histogram: 'x', intervalMs: 250 }),
    });
    await expect(failing.prepare(new AbortController().signal)).rejects.toThrow(/command failed \(exit code 3\): .* — nope/);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });
});
