// The wait for a backlog to drain, for real: HAProxy with `maxconn 4` in front of a 20 ms demo
// backend (capacity ≈ 200 req/s) queues what an overloaded step sends beyond that, and keeps queued
// requests the generator has given up on (no `option abortonclose`) for its `timeout queue` (5 s).
// A step right after a failed one would open on that queue. `loadtest run` (the real CLI, default
// Poisson arrivals) must probe until the queue has drained before the next step, and say so.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result.js';
import { spawnBackends, startHaproxy, type HaproxyHandle, type SpawnedBackend } from '../helpers/haproxy.js';
import { killAll, spawnCli } from '../helpers/cli-process.js';

describe('after a failed step, the run waits for HAProxy’s queue to drain', () => {
  let hx: HaproxyHandle;
  let backends: SpawnedBackend[];
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-settle-'));

  beforeAll(async () => {
    backends = await spawnBackends(['web1'], { workers: 16, serviceTimeMs: 20, queueLimit: 64 });
    hx = await startHaproxy({ servers: [{ name: 'web1', port: backends[0]!.port, maxconn: 4 }] });
  });
  afterAll(async () => {
    await killAll();
    await hx?.stop();
    await Promise.all((backends ?? []).map((b) => b.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('probes until a probe is answered as at rest, records the wait, and the step after it is not the backlog’s', async () => {
    const file = join(dir, 'queue.yaml');
    const json = join(dir, 'report.json');
    // 60 req/s passes; 270 req/s for 3 s queues ≈ 200 requests beyond what 4 connections serve
    // (≈ 1 s of work, the generator giving up on them at 1 s); the search then tries 165 req/s,
    // which the backend serves (M/D/4 at 83%) but which drains that queue at only ≈ 35 req/s: opened
    // on it, the whole step would be the last one's backlog.
    writeFileSync(
      file,
      [
        'name: settle',
        `target: ${hx.frontendUrl}`,
        'traffic:',
        '  request: { path: / }',
        '  timeout: 1s',
        'load: { start: 60, factor: 4.5, max: 270, step_duration: 3s, warmup: 500ms, refine: 30% }',
        'slo: [error_rate < 1%, p99 < 500ms]',
        '',
      ].join('\n'),
    );
    const cli = spawnCli(['run', file, '--json', json], { deadlineMs: 120_000 });
    const { code } = await cli.exited;
    const out = cli.stdout() + cli.stderr();
    expect(code, out).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
    const failed = report.steps.findIndex((s) => s.verdict === 'fail');
    expect(failed, out).toBeGreaterThan(0);
    expect(report.steps[failed]!.level).toBe(270);
    const next = report.steps[failed + 1]!;
    expect(next, out).toBeDefined();
    // The first probe waited behind the queue; the last ones came back as at rest.
    expect(next.settled, out).toMatchObject({ drained: true });
    // When HAProxy still held a queue, the first probe waited behind it and the wait went on until
    // two came back at rest; when it had none left (it varies: 9–50% of the overload timed out),
    // two probes at rest end the wait at once.
    if (next.settled!.firstMs > next.settled!.limitMs) expect(next.settled!.probes, out).toBeGreaterThanOrEqual(3);
    else expect(next.settled!.probes, out).toBe(2);
    expect(next.settled!.lastMs).toBeLessThanOrEqual(next.settled!.limitMs);
    expect(next.settled!.waitedMs).toBeGreaterThanOrEqual(next.settled!.firstMs);
    // A wait of 0.5 s or more is said in the terminal (how long HAProxy's queue takes varies: 0.5–0.7 s measured).
    const line = /waited \d+(\.\d)?m?s for the service to drain the last step's backlog: probe latency \S+ → \S+ \(at rest \S+\)/;
    if (next.settled!.waitedMs >= 500) expect(out).toMatch(line);
    else expect(out).not.toMatch(line);
    // A step after a passing one does not wait.
    expect(report.steps[1]!.settled).toBeUndefined();
    // Opened on a drained queue, a load the backend serves passes (a sanity check: how much of the
    // queue HAProxy still holds varies, and 165 req/s sometimes outlasted it without the wait too).
    expect(next.level).toBe(165);
    expect(next.verdict, out).not.toBe('fail');
  }, 150_000);
});
