// Interruptions of a real `loadtest run` child: SIGINT/SIGTERM after the first finished step stop the
// traffic within about a second, exit 130, and leave a valid JSON report marked aborted holding every
// completed step; a second SIGINT exits at once; SIGKILL leaves the JSONL step log with every completed
// step and no half-written report or stray temp file.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, sleep, spawnCli, waitFor, type CliChild } from '../helpers/cli-process.js';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';

let server: FaultServer;
let root: string;
beforeAll(async () => {
  server = await startFaultServer({ fault: 'ok' });
  root = join(tmpdir(), `loadtest-signals-${process.pid}`);
  mkdirSync(root, { recursive: true });
});
afterAll(async () => {
  await killAll();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

interface Run {
  dir: string;
  report: string;
  log: string;
  cli: CliChild;
}

/**
 * Starts a run of up to 8 steps of 1.5 s (≈12 s in all) in its own directory. Its SLO passes every
 * step and needs few requests to show it (p90: ≥ 35), so no step is stretched past 1.5 s to hold more.
 */
function startRun(name: string, workers = 1): Run {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const report = join(dir, 'report.json');
  const log = join(dir, 'steps.jsonl');
  const file = join(dir, 'scenario.yaml');
  writeFileSync(
    file,
    `name: ${name}
target: ${server.url}
traffic:
  requests:
    - { name: home, path: / }
  timeout: 2s
  workers: ${workers}
load:
  start: 100
  step: 50
  max: 450
  step_duration: 1500ms
  warmup: 0s
slo:
  - p90 < 2s
report:
  json: ${report}
  log: ${log}
`,
  );
  return { dir, report, log, cli: spawnCli(['run', file], { cwd: dir, deadlineMs: 60_000 }) };
}

/** Parsed JSONL lines (every line must be complete JSON) and the finished steps among them. */
function readLog(path: string): { lines: unknown[]; steps: Array<{ index: number; level: number }> } {
  if (!existsSync(path)) return { lines: [], steps: [] };
  const text = readFileSync(path, 'utf8');
  // The last element is '' after a final newline, or a line still being written: leave it out here
  // (the SIGKILL test checks the file ends with a newline).
  const complete = text.split('\n').slice(0, -1);
  const lines = complete.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  const steps = lines
    .map((l) => (l.type === 'step-end' ? (l.step as Record<string, unknown>) : 'verdict' in l && 'index' in l ? l : undefined))
    .filter((s): s is Record<string, unknown> => s !== undefined)
    .map((s) => ({ index: s.index as number, level: s.level as number }));
  return { lines, steps };
}

async function afterFirstStep(run: Run): Promise<number> {
  const n = await waitFor(() => readLog(run.log).steps.length, 30_000);
  expect(n, `no finished step in ${run.log}; stderr: ${run.cli.stderr()}`).toBeGreaterThanOrEqual(1);
  expect(run.cli.hasExited).toBe(false);
  return n;
}

function readReport(path: string): Record<string, any> {
  expect(existsSync(path), `${path} missing`).toBe(true);
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Files in the run's directory other than the scenario, report and log (temp files, partial writes). */
function strayFiles(run: Run): string[] {
  return readdirSync(run.dir).filter((f) => !['scenario.yaml', 'report.json', 'steps.jsonl'].includes(f));
}

describe.each([
  ['SIGINT', 1],
  ['SIGTERM', 1],
  ['SIGHUP', 1],
  ['SIGINT', 2],
] as const)('%s after the first step (%i worker threads)', (signal, workers) => {
  it('stops traffic, exits 130, writes an aborted report with every completed step', async () => {
    const run = startRun(`${signal.toLowerCase()}-${workers}`, workers);
    await afterFirstStep(run);
    const sentAt = performance.now();
    run.cli.kill(signal);
    const { code } = await run.cli.exited;
    const exitedAt = performance.now();
    expect(code, run.cli.stderr()).toBe(130);
    // Traffic stopped: the last request reached the server well within a second or two of the signal.
    expect(server.lastRequestAt - sentAt).toBeLessThan(1_500);
    const before = server.requests;
    await sleep(500);
    expect(server.requests).toBe(before);
    expect(exitedAt - sentAt).toBeLessThan(10_000); // it ends by itself, promptly

    const report = readReport(run.report);
    expect(report.status).toBe('aborted');
    expect(report.stopReason).toBe('interrupted');
    const { lines, steps: logged } = readLog(run.log);
    expect(lines.at(-1)).toMatchObject({ type: 'run-end', status: 'aborted', stopReason: 'interrupted' });
    const inReport = (report.steps as Array<{ index: number; level: number }>).map((s) => ({ index: s.index, level: s.level }));
    // every step the log saw finish is in the report (the interrupted one may be there too, partial)
    expect(inReport.slice(0, logged.length)).toEqual(logged);
    expect(inReport.length - logged.length).toBeLessThanOrEqual(1);
    if (inReport.length > logged.length) expect(report.steps.at(-1).partial).toBe(true);
    expect(run.cli.stderr()).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/); // no stack trace
    expect(strayFiles(run)).toEqual([]);
  });
});

describe('SIGINT while the pre-flight probe waits on a target that never answers', () => {
  it('stops at once: exit 130, an aborted report with no steps', async () => {
    const hang = await startFaultServer({ fault: 'hang' });
    try {
      const dir = join(root, 'probe');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'scenario.yaml');
      writeFileSync(
        file,
        `name: probe\ntarget: ${hang.url}\ntraffic:\n  requests: [{ name: home, path: / }]\n  timeout: 20s\nload: { start: 20, step: 20, max: 40, step_duration: 1s, warmup: 0s }\nslo: [error_rate < 1%]\nreport:\n  json: ${join(dir, 'report.json')}\n`,
      );
      const cli = spawnCli(['run', file], { cwd: dir, deadlineMs: 60_000 });
      expect(await waitFor(() => hang.requests > 0, 20_000)).toBe(true); // the probe is waiting
      const sentAt = performance.now();
      cli.kill('SIGINT');
      const { code } = await cli.exited;
      expect(code, cli.stderr()).toBe(130);
      expect(performance.now() - sentAt).toBeLessThan(5_000); // not the 10 s probe timeout
      expect(readReport(join(dir, 'report.json'))).toMatchObject({ status: 'aborted', stopReason: 'interrupted', steps: [] });
    } finally {
      await hang.close();
    }
  });
});

describe('loadtest demo: the demo service it started never outlives it', () => {
  /** Pid of the demo service, from the CLI's first line `demo service: http://… (pid N), …`. */
  async function demoPid(cli: CliChild): Promise<number> {
    const m = await waitFor(() => /\(pid (\d+)\)/.exec(cli.stdout()), 30_000);
    expect(m, cli.stdout() + cli.stderr()).toBeTruthy();
    return Number(m![1]);
  }
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  /** Whether the run's event stream (--json-lines) has reported progress within a step: traffic is flowing. */
  const loading = (events: string): boolean => existsSync(events) && readFileSync(events, 'utf8').includes('"type":"step-progress"');

  it.each(['SIGINT', 'SIGKILL'] as const)('%s to the CLI stops the demo service too', async (signal) => {
    const dir = join(root, `demo-${signal}`);
    mkdirSync(dir, { recursive: true });
    const events = join(dir, 'events.jsonl');
    const cli = spawnCli(['demo', '--json', join(dir, 'report.json'), '--json-lines', events], { cwd: dir, deadlineMs: 120_000 });
    const pid = await demoPid(cli);
    try {
      expect(alive(pid)).toBe(true);
      // Mid-step, the demo service under load (the first step's progress event comes after 0.5 s).
      expect(await waitFor(() => loading(events), 30_000), cli.stdout() + cli.stderr()).toBe(true);
      expect(cli.hasExited).toBe(false);
      cli.kill(signal);
      const { code } = await cli.exited;
      if (signal === 'SIGINT') {
        expect(code, cli.stderr()).toBe(130);
        expect(readReport(join(dir, 'report.json')).status).toBe('aborted');
      }
      expect(await waitFor(() => !alive(pid), 10_000), `demo service ${pid} still running`).toBe(true);
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});

describe('a second SIGINT', () => {
  it('exits at once with 130, leaving no half-written report', async () => {
    const run = startRun('double-sigint');
    await afterFirstStep(run);
    run.cli.kill('SIGINT');
    await sleep(50);
    run.cli.kill('SIGINT');
    const { code } = await run.cli.exited;
    expect(code, run.cli.stderr()).toBe(130);
    if (existsSync(run.report)) expect(readReport(run.report).status).toBe('aborted');
    expect(strayFiles(run).filter((f) => !f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('SIGKILL', () => {
  it('leaves the JSONL log with every completed step and no half-written report', async () => {
    const run = startRun('sigkill');
    await afterFirstStep(run);
    // Let a second step finish too, then kill in the middle of the third.
    await waitFor(() => readLog(run.log).steps.length >= 2, 15_000);
    await sleep(500);
    const seen = readLog(run.log).steps.length;
    run.cli.kill('SIGKILL');
    const { signal } = await run.cli.exited;
    expect(signal).toBe('SIGKILL');

    const text = readFileSync(run.log, 'utf8');
    expect(text.endsWith('\n')).toBe(true); // no torn last line
    const { steps } = readLog(run.log);
    expect(steps.length).toBeGreaterThanOrEqual(seen);
    expect(steps.map((s) => s.index)).toEqual(steps.map((_, i) => i));
    // The final report is written only at the end, atomically: absent here, never truncated.
    if (existsSync(run.report)) readReport(run.report);
    expect(strayFiles(run)).toEqual([]);
  });
});
