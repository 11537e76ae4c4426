// The records a run leaves: the JSONL step log written while the search runs (a line per finished
// step, readable before the run ends), the atomic JSON report, and the exit code of a result.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findCapacity } from '../../src/controller/find-capacity.js';
import { exitCodeFor } from '../../src/controller/exit-code.js';
import { defaultStepLogPath, openStepLog } from '../../src/report/step-log.js';
import { writeJsonReport } from '../../src/report/json-report.js';
import { writeFileAtomic } from '../../src/report/atomic-write.js';
import { createHistogram, summarize } from '../../src/metrics/histogram.js';
import { parseSlo } from '../../src/slo/parse.js';
import type { Scenario } from '../../src/scenario/scenario.js';
import type { StepRequest, Traffic } from '../../src/traffic/traffic.js';
import type { StepStats } from '../../src/metrics/step-stats.js';
import type { Capacity, RunResult } from '../../src/result.js';

const dir = mkdtempSync(join(tmpdir(), 'loadtest-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenario: Scenario = {
  name: 'records',
  traffic: {
    kind: 'generate', target: 'http://127.0.0.1:1', requests: [], arrival: 'uniform', maxInFlight: 10, timeoutMs: 1000,
    connections: 1, workers: 1, errorStatuses: [[500, 599]], insecure: false,
  },
  load: { unit: 'rps', start: 100, step: 100, max: 400, stepDurationMs: 1000, warmupMs: 0 },
  slo: [parseSlo('p99 < 250ms')],
  abort: [],
  guard: [],
  report: {},
  gate: {},
  secrets: ['tok3n'],
};

function traffic(onStep: (req: StepRequest) => void): Traffic {
  const empty = summarize(createHistogram());
  return {
    kind: 'generate',
    prepare: async () => {},
    describe: (l) => `${l} rps`,
    async runStep(req): Promise<StepStats> {
      onStep(req);
      return {
        level: req.level, startedAt: '', durationMs: 1000, partial: false, offeredRps: req.level, achievedRps: req.level,
        sent: req.level * 10, completed: req.level * 10, errors: {}, errorCount: 0, errorRate: 0, statusCodes: {}, bytesReceived: 0,
        latencyMs: empty, latencyUncorrectedMs: empty, byRequest: [], metrics: { p99: req.level <= 300 ? 10 : 900 },
        histogram: 'AAAA',
      };
    },
    close: async () => ['weights restored; token tok3n revoked'],
  };
}

describe('JSONL step log', () => {
  it('has a line per finished step on disk while the run is still going, then run-end; secrets masked', async () => {
    const path = join(dir, 'run.steps.jsonl');
    writeFileSync(path, 'left over from an earlier run\n');
    const log = openStepLog(path);
    const seenDuringRun: number[] = [];
    const result = await findCapacity(
      scenario,
      traffic(() => seenDuringRun.push(readFileSync(path, 'utf8').trim().split('\n').length)),
      { onEvent: log.listener },
    );
    log.close();
    // before step n runs, run-start and the n-1 earlier steps are already on disk
    expect(seenDuringRun).toEqual([1, 2, 3, 4]);
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['run-start', 'step-end', 'step-end', 'step-end', 'step-end', 'run-end']);
    expect(lines[0].scenario).toMatchObject({ name: 'records', mode: 'generate', slo: ['p99 < 250ms'] });
    expect(lines[1].step).toMatchObject({ index: 0, level: 100, verdict: 'pass' });
    expect(lines[1].step.histogram).toBeUndefined();
    expect(lines.at(-1)).toMatchObject({ type: 'run-end', status: 'completed', capacity: { maxServableLoad: 300 } });
    expect(lines.at(-1).warnings).toEqual(['weights restored; token *** revoked']);
    expect(readFileSync(path, 'utf8')).not.toContain('tok3n');
    expect(result.warnings).toEqual(['weights restored; token *** revoked']);
  });

  it('defaults next to the JSON report', () => {
    expect(defaultStepLogPath('results/shop.json')).toBe('results/shop.steps.jsonl');
    expect(defaultStepLogPath('out/report')).toBe('out/report.steps.jsonl');
  });

  it('cannot be opened → one clear error, exit code 1', () => {
    writeFileSync(join(dir, 'a-file'), '');
    expect(() => openStepLog(join(dir, 'a-file', 'x.jsonl'))).toThrow(/^cannot open the step log .*a-file\/x\.jsonl: (ENOTDIR|EEXIST)$/);
  });
});

describe('JSON report', () => {
  it('is written atomically into a directory it creates, leaving no temp files', async () => {
    const file = join(dir, 'deep', 'er', 'report.json');
    const result = await findCapacity(scenario, traffic(() => {}));
    await writeJsonReport(result, file);
    const back = JSON.parse(readFileSync(file, 'utf8')) as RunResult;
    expect(back.capacity.summary).toBe('max servable load: 300 rps (400 failed: +33%), limited by p99 < 250ms');
    expect(back.steps).toHaveLength(4);
    await writeFileAtomic(file, '{"replaced":true}');
    expect(readFileSync(file, 'utf8')).toBe('{"replaced":true}');
    expect(readdirSync(join(dir, 'deep', 'er'))).toEqual(['report.json']);
  });

  it('a write that cannot happen is one clear error', async () => {
    const result = await findCapacity(scenario, traffic(() => {}));
    await expect(writeJsonReport(result, join(dir, 'a-file', 'r.json'))).rejects.toThrow(/^cannot write the JSON report to .*: (ENOTDIR|EEXIST)$/);
  });
});

describe('exitCodeFor', () => {
  const cap = (verdict: Capacity['verdict']): Capacity => ({ verdict } as Capacity);
  const gate = (passed: boolean, name = 'expect-min') => ({ passed, checks: [{ name, passed, outcome: passed ? 'pass' : 'fail', message: '' } as const] });
  it.each<[string, Pick<RunResult, 'status' | 'capacity' | 'gate'>, number]>([
    ['found, no gate', { status: 'completed', capacity: cap('found') }, 0],
    ['above max, no gate', { status: 'completed', capacity: cap('above-max') }, 0],
    ['below start, no gate: its own code (the capacity is below anything measured)', { status: 'completed', capacity: cap('below-start') }, 8],
    ['below start, expect-min failed → 3', { status: 'completed', capacity: cap('below-start'), gate: gate(false) }, 3],
    ['found, expect-min failed', { status: 'completed', capacity: cap('found'), gate: gate(false) }, 3],
    ['found, baseline failed', { status: 'completed', capacity: cap('found'), gate: gate(false, 'baseline capacity') }, 4],
    ['found, the gate could not decide', { status: 'completed', capacity: cap('found'), gate: { passed: false, checks: [{ name: 'baseline capacity', passed: false, outcome: 'inconclusive', message: '' }] } }, 7],
    ['inconclusive, no gate', { status: 'completed', capacity: cap('inconclusive') }, 5],
    ['inconclusive, gate failed → 5, never blamed on the service', { status: 'completed', capacity: cap('inconclusive'), gate: gate(false) }, 5],
    ['inconclusive (no pass, lower levels undecided) with a failing level the gate judged: the fail stands → 3', { status: 'completed', capacity: { ...cap('inconclusive'), firstFailingLoad: 75 }, gate: gate(false) }, 3],
    ['… and against a baseline → 4', { status: 'completed', capacity: { ...cap('inconclusive'), firstFailingLoad: 75 }, gate: gate(false, 'baseline capacity') }, 4],
    ['… but a gate that could not decide → 5', { status: 'completed', capacity: { ...cap('inconclusive'), firstFailingLoad: 75 }, gate: { passed: false, checks: [{ name: 'expect-min', passed: false, outcome: 'inconclusive', message: '' }] } }, 5],
    ['inconclusive, but what passed meets the gate', { status: 'completed', capacity: cap('inconclusive'), gate: gate(true) }, 0],
    ['failed', { status: 'failed', capacity: cap('unknown'), gate: gate(false) }, 1],
    ['aborted', { status: 'aborted', capacity: cap('found') }, 130],
  ])('%s → %d', (_name, result, code) => {
    expect(exitCodeFor(result)).toBe(code);
  });
});
