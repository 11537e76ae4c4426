// Templated requests against a real nginx: `path: '/r/{{ seq }}'` run by `loadtest run` (Poisson
// arrivals, the default), then nginx's own access log — not our counters — must show exactly as
// many distinct numbers as the report says were sent (plus the one probe request before the first
// step), each once, and never a literal `{{`. Once with the lean client on one thread, once with
// undici on two worker threads (seq unique across threads).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, spawnCli } from '../helpers/cli-process.js';
import { startNginx, type TestNginx } from '../helpers/nginx.js';
import type { RunResult } from '../../src/result.js';

const dir = mkdtempSync(join(tmpdir(), 'loadtest-templates-'));
let nginx: TestNginx;

beforeAll(async () => {
  nginx = await startNginx();
});

afterAll(async () => {
  await killAll();
  await nginx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('{{ seq }} against nginx', () => {
  it.each([
    ['lean client, one thread', ''],
    ['undici client, two worker threads', '\n  client: undici\n  workers: 2'],
  ])('%s: nginx logs as many distinct values as were sent, no literal {{', async (label, extra) => {
    const before = nginx.accessLog().length;
    const file = join(dir, `${label.replace(/\W+/g, '-')}.yaml`);
    const json = `${file}.json`;
    // Two 2 s steps, no warm-up, so every request sent is in the report's counts.
    writeFileSync(
      file,
      `name: templates ${label}
target: ${nginx.url}
traffic:
  request: { path: '/r/{{ seq }}' }${extra}
load: { start: 200, step: 200, max: 400, step_duration: 2s, warmup: 0s }
slo: [p99 < 1s, error_rate < 1%]
`,
    );
    const cli = spawnCli(['run', file, '--json', json, '--no-progress'], { deadlineMs: 60_000 });
    const { code } = await cli.exited;
    expect(code, cli.stderr()).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
    const sent = report.steps.reduce((n, s) => n + s.sent, 0);
    expect(report.steps.length).toBeGreaterThanOrEqual(2);
    expect(sent).toBeGreaterThan(600);

    const uris = nginx.accessLog().slice(before);
    expect(uris.filter((u) => u.includes('{{') || u.includes('%7B'))).toEqual([]);
    expect(uris.every((u) => /^\/r\/\d+$/.test(u))).toBe(true);
    const values = new Set(uris.map((u) => Number(u.slice(3))));
    // The check before the first step is one request more than the steps count, and so is every
    // probe of a wait for a backlog to drain after a step that did not pass (step.settled.probes).
    const probes = 1 + report.steps.reduce((n, s) => n + (s.settled?.probes ?? 0), 0);
    expect(values.size).toBe(sent + probes);
    expect(uris.length).toBe(values.size);
    // The report names the request by its template, not by each rendered path.
    for (const s of report.steps) expect(s.byRequest.map((r) => [r.name, r.count])).toEqual([['GET /r/{{ seq }}', s.sent]]);
  });
});
