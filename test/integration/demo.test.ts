// `loadtest demo` end to end: the real CLI, the real generator, the demo service in its own process.
// The demo's capacity is known by construction: 8 workers × 1/20 ms = 400 rps at most, and for its
// SLO `p99 < 100ms` under the default Poisson arrivals ≈ 373 rps (its M/D/8 queue, computed by
// src/demo/slo-capacity.ts), so this is the oracle test of the whole loop: ramp, fail, refine,
// capacity within ±10%, and the records it leaves.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, spawnCli } from '../helpers/cli-process.js';
import type { RunResult } from '../../src/result.js';

const dir = mkdtempSync(join(tmpdir(), 'loadtest-demo-'));

afterAll(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('loadtest demo', () => {
  it('finds the demo service’s capacity within ±10% and leaves a JSON report and a step log', async () => {
    const json = join(dir, 'demo.json');
    const log = join(dir, 'demo.steps.jsonl');
    const cli = spawnCli(['demo', '--json', json, '--log', log], { deadlineMs: 110_000 });
    const { code } = await cli.exited;
    const out = cli.stdout();
    expect(cli.stderr()).toBe('');
    expect(code, out).toBe(0);

    // The closing lines name the true and the found capacity.
    expect(out).toMatch(/^true capacity: +3[67]\d rps \(for p99 < 100ms under poisson arrivals: 8 workers × 20 ms is a queue, its throughput ceiling 400 rps/m);
    expect(out).toMatch(/^found capacity: \d+ rps = \d+\.\d% of the true capacity \((NOT )?within ±10%; the truth (lies|does NOT lie) in \[\d+, \d+\)\)$/m);
    // Not a TTY: one plain line per finished step, no cursor movement.
    expect(out).not.toContain('\x1b[');
    expect(out).toMatch(/^step +[12] +ramp +100 rps .*✓ pass/m);

    const r = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
    expect(r).toMatchObject({ schema: 'loadtest.report', schemaVersion: 1, status: 'completed', tool: { name: 'loadtest' } });
    expect(r.scenario).toMatchObject({ name: 'demo', mode: 'generate', slo: ['p99 < 100ms', 'throughput > 98%', 'error_rate < 1%'] });
    expect(r.scenario.target).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.capacity.verdict).toBe('found');
    // The truth (≈ 373) lies in the bracket, or the capacity is within ±10% of it (exit 0 says one holds).
    const found = r.capacity.maxServableLoad!;
    const failed = r.capacity.firstFailingLoad!;
    expect((found <= 373 && 373 < failed) || Math.abs(found / 373 - 1) <= 0.1, `[${found}, ${failed})`).toBe(true);
    expect(r.capacity.firstFailingLoad!).toBeGreaterThan(r.capacity.maxServableLoad!);
    expect(r.capacity.limitedBy.length).toBeGreaterThan(0);
    expect(r.capacity.summary).toMatch(/^max servable load: \d+ rps \(\d+ failed: \+\d+%\), limited by /);
    expect(out).toContain(r.capacity.summary);
    // The latency-vs-load model travels in the JSON report, fitted to these steps.
    expect(r.model).toBeDefined();
    expect(r.model!.fits.length).toBeGreaterThan(0);
    expect(r.model!.summary).not.toBe("");

    // Steps: ramp first from 100 by 100 (an inconclusive step is retried once at the same level),
    // at least one failure, each judged with its evidence.
    expect(r.steps.map((s) => s.index)).toEqual(r.steps.map((_, i) => i));
    const ramp = [...new Set(r.steps.filter((s) => s.phase === 'ramp').map((s) => s.level))];
    expect(ramp.slice(0, 3)).toEqual([100, 200, 300]);
    expect(r.steps.some((s) => s.verdict === 'fail')).toBe(true);
    for (const s of r.steps) {
      expect(s.verdict).toMatch(/^(pass|fail|inconclusive)$/);
      expect(s.load).toBeGreaterThan(0);
      expect(s.latencyMs.count).toBeGreaterThan(0);
      expect(s.metrics['p99']).toBeGreaterThan(0);
      expect(s.generator).toBeDefined();
      if (s.verdict === 'fail') expect(s.breaches.length).toBeGreaterThan(0);
      if (s.verdict === 'pass') expect(s.breaches).toEqual([]);
    }
    // The service is a fixed 20 ms below capacity: a passing step's p50 is about that.
    const low = r.steps.find((s) => s.level === 100)!;
    expect(low.metrics['p50']).toBeGreaterThanOrEqual(19);

    // The JSONL log: run-start, one line per step in order, run-end with the same capacity.
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]!['type']).toBe('run-start');
    expect(lines.at(-1)).toMatchObject({ type: 'run-end', status: 'completed', capacity: r.capacity });
    const stepLines = lines.filter((l) => l['type'] === 'step-end') as Array<{ step: { index: number; verdict: string } }>;
    expect(stepLines.map((l) => l.step.index)).toEqual(r.steps.map((s) => s.index));
    expect(stepLines.map((l) => l.step.verdict)).toEqual(r.steps.map((s) => s.verdict));
  });
});
