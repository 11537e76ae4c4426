// A crash elsewhere in the process during a run (an error thrown from a timer or a socket callback
// nobody handled): runScenario with catchCrashes — what `loadtest run` uses — stops the run, closes
// the traffic, writes a 'failed' report with the steps so far, and returns exit code 1. Run in a
// child process: the crash is a real uncaught exception, which must not reach the test runner.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'loadtest-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCRIPT = `
import { runScenario } from './dist/controller/run-scenario.js';
import { parseScenario } from './dist/scenario/load-scenario.js';
import { createHistogram, summarize } from './dist/metrics/histogram.js';
const [json, log] = process.argv.slice(1);
const scenario = parseScenario('name: crash\\ntarget: http://127.0.0.1:1\\ntraffic: { request: { path: / } }\\nload: { start: 10, step: 10, max: 100, step_duration: 1s, warmup: 0s }\\nslo: [p99 < 100ms]\\n', 'crash.yaml', {});
const empty = summarize(createHistogram());
let closed = 0;
const traffic = {
  kind: 'generate',
  prepare: async () => {},
  describe: (l) => l + ' rps',
  runStep: (req) => new Promise((resolve) => {
    // Step 3 never finishes by itself; an unrelated callback throws instead.
    if (req.index === 2) {
      setTimeout(() => { throw new Error('socket callback blew up'); }, 20);
      req.signal.addEventListener('abort', () => resolve(stats(req, true)));
      return;
    }
    setTimeout(() => resolve(stats(req, false)), 5);
  }),
  close: async () => { closed++; return []; },
};
function stats(req, partial) {
  return { level: req.level, startedAt: '', durationMs: 1000, partial, offeredRps: req.level, achievedRps: req.level, sent: req.level,
    completed: req.level, errors: {}, errorCount: 0, errorRate: 0, statusCodes: {}, bytesReceived: 0, latencyMs: empty,
    latencyUncorrectedMs: empty, byRequest: [], metrics: { p99: 5 } };
}
const { result, exitCode } = await runScenario(scenario, { traffic, json, log, catchCrashes: true, terminal: { quiet: true } });
process.stdout.write(JSON.stringify({ exitCode, closed, status: result.status, error: result.error, steps: result.steps.length }) + '\\n');
`;

describe('a crash during a run', () => {
  it('is caught: traffic closed, failed report with the steps so far, exit code 1', async () => {
    const json = join(dir, 'crash.json');
    const log = join(dir, 'crash.steps.jsonl');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', SCRIPT, json, log], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    const summary = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toEqual({ exitCode: 1, closed: 1, status: 'failed', error: 'internal error: socket callback blew up', steps: 3 });
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report).toMatchObject({ status: 'failed', stopReason: 'error', error: 'internal error: socket callback blew up' });
    expect(report.capacity.summary).toBe('max servable load: unknown (the run failed; at least 20 rps passed)');
    expect(report.steps.map((s: { verdict: string; partial: boolean }) => [s.verdict, s.partial])).toEqual([
      ['pass', false],
      ['pass', false],
      ['inconclusive', true],
    ]);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ type: 'run-end', status: 'failed' });
  });
});
