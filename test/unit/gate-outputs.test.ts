// writeOutputs (the files `loadtest run` writes after the JSON report, and the GitHub step summary)
// and the --json-lines listener.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/controller/events.js';
import { LoadtestError } from '../../src/errors.js';
import { jsonLinesListener } from '../../src/report/json-lines.js';
import { writeOutputs } from '../../src/report/outputs.js';
import type { RunResult } from '../../src/result.js';
import type { Scenario } from '../../src/scenario/scenario.js';

const fixture = (name: string): RunResult => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')) as RunResult;
const root = mkdtempSync(join(tmpdir(), 'loadtest-outputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeOutputs', () => {
  it('writes every asked-for file, creating directories, and appends the step summary', async () => {
    const summary = join(root, 'step-summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = fixture('generate-baseline');
    const paths = await writeOutputs(r, {
      junit: join(root, 'out', 'junit.xml'),
      markdown: join(root, 'out', 'summary.md'),
      html: join(root, 'out', 'deep', 'report.html'),
      history: join(root, 'history'),
      githubStepSummary: true,
      env: { GITHUB_STEP_SUMMARY: summary, GITHUB_SHA: 'abc123' },
    });
    expect(paths).toEqual([
      join(root, 'out', 'junit.xml'),
      join(root, 'out', 'summary.md'),
      join(root, 'out', 'deep', 'report.html'),
      join(root, 'history', '2026-11-20T02-00-00-000Z_checkout.json'),
      summary,
    ]);
    expect(readFileSync(paths[0]!, 'utf8')).toMatch(/^<\?xml/);
    const md = readFileSync(paths[1]!, 'utf8');
    expect(md).toMatch(/^## loadtest: checkout/);
    expect(readFileSync(paths[2]!, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(JSON.parse(readFileSync(paths[3]!, 'utf8')).commit).toBe('abc123');
    // Appended after what earlier steps wrote, not replacing it.
    expect(readFileSync(summary, 'utf8')).toBe(`# earlier step\n${md}\n`);
    // No temp files left behind.
    expect(readdirSync(join(root, 'out')).sort()).toEqual(['deep', 'junit.xml', 'summary.md']);
  });

  it('skips the step summary when not on GitHub or not asked', async () => {
    expect(await writeOutputs(fixture('generate-baseline'), { githubStepSummary: true, env: {} })).toEqual([]);
    const summary = join(root, 'unasked.md');
    expect(await writeOutputs(fixture('generate-baseline'), { env: { GITHUB_STEP_SUMMARY: summary } })).toEqual([]);
  });

  it('turns an unwritable path into one clear line', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, '');
    await expect(writeOutputs(fixture('generate-baseline'), { junit: join(blocker, 'junit.xml') })).rejects.toThrow(
      new LoadtestError(`cannot write the JUnit report to ${join(blocker, 'junit.xml')}: EEXIST`),
    );
  });
});

describe('jsonLinesListener', () => {
  it('writes one JSON object per event, the scenario cut down and secrets masked', () => {
    const lines: string[] = [];
    const listen = jsonLinesListener((l) => lines.push(l));
    const scenario = {
      name: 'api',
      traffic: {
        kind: 'generate',
        target: 'http://user:hunter2@127.0.0.1:8080',
        requests: [{ name: 'a', method: 'GET', path: '/?token=s3cr3t-token', headers: { authorization: 'Bearer s3cr3t-token' }, weight: 1 }],
      },
      load: { unit: 'rps', start: 10, step: 10, max: 100, stepDurationMs: 1000, warmupMs: 0 },
      slo: [{ text: 'p99 < 250ms', metric: 'p99', op: '<', threshold: 250 }],
      abort: [],
      guard: [],
      report: {},
      gate: {},
      secrets: ['s3cr3t-token'],
    } as unknown as Scenario;
    const step = fixture('generate-baseline').steps[0]!;
    const events: RunEvent[] = [
      { type: 'run-start', scenario, startedAt: '2026-11-20T02:00:00.000Z', plannedSteps: 10, worstCaseMs: 10_000 },
      { type: 'step-start', index: 0, level: 10, phase: 'ramp', description: 'GET /?token=s3cr3t-token', durationMs: 1000 },
      { type: 'step-end', step: { ...step, histogram: 'HISTFAAAA' } },
      { type: 'warning', message: 'target said: s3cr3t-token' },
    ];
    for (const e of events) listen(e);
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.map((p) => p.type)).toEqual(['run-start', 'step-start', 'step-end', 'warning']);
    expect(parsed[0].scenario).toEqual({
      name: 'api',
      mode: 'generate',
      target: 'http://user:***@127.0.0.1:8080',
      slo: ['p99 < 250ms'],
      abort: [],
      guard: [],
      load: { unit: 'rps', start: 10, step: 10, max: 100, stepDurationMs: 1000, warmupMs: 0 },
    });
    expect(parsed[0].time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(parsed[2].step.histogram).toBeUndefined();
    expect(parsed[2].step.latencyMs.p99).toBe(step.latencyMs.p99);
    expect(lines.join('')).not.toContain('s3cr3t-token');
    expect(lines.join('')).not.toContain('hunter2');
  });
});
