// One run, end to end, as the CLI (`loadtest run`, `loadtest demo`) and library users drive it:
// traffic → findCapacity with the terminal, step-log and JSON-lines listeners → gates → the JSON
// report and any other outputs, written even when the run was interrupted or failed → an exit code.
// It never exits the process; process-level handlers (signals, crashes) are opt-in.
import { createWriteStream } from 'node:fs';
import { accessSync, constants, existsSync, fstatSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Scenario } from '../scenario/scenario.js';
import type { Traffic } from '../traffic/traffic.js';
import type { RunResult, StepResult } from '../result.js';
import type { RunListener } from './events.js';
import { createTraffic } from '../traffic/create-traffic.js';
import { findCapacity } from './find-capacity.js';
import { computeCapacity } from '../analysis/capacity.js';
import { buildResult } from './build-result.js';
import { exitCodeFor } from './exit-code.js';
import { createTerminalReporter, type TerminalOptions } from '../report/terminal.js';
import { openStepLog, defaultStepLogPath, type StepLog } from '../report/step-log.js';
import { writeJsonReport } from '../report/json-report.js';
import { stdioFdOf } from '../report/atomic-write.js';
import { jsonLinesListener } from '../report/json-lines.js';
import { evaluateGate, gateDecided, gateTargets } from '../analysis/gate.js';
import { fitCapacityModel } from '../analysis/capacity-model.js';
import { loadReport } from '../report/load-report.js';
import { writeOutputs } from '../report/outputs.js';
import { LoadtestError } from '../errors.js';
import { createRedactor } from '../report/redact.js';
import { openMetricsEndpoint, type ListenAddress } from '../report/metrics-endpoint.js';
import { StopRequested, removeStopFile, watchStopFile } from '../traffic/shifters/stop-file.js';

export interface RunScenarioOptions {
  /** Gate: minimum servable load (requests/s); overrides scenario.gate.expectMin. */
  expectMin?: number;
  /** Gate: baseline JSON report; overrides scenario.gate.baseline. */
  baseline?: string;
  maxRegression?: number;
  maxLatencyRegression?: number;
  /** JSON report path; default scenario.report.json, else results/<name>.json. */
  json?: string;
  /** JSONL step log; default scenario.report.log, else next to the JSON report. */
  log?: string;
  junit?: string;
  markdown?: string;
  html?: string;
  history?: string;
  /** Every run event as a JSON line to this file, or '-' for stdout (the terminal output then goes to stderr). */
  jsonLines?: string;
  terminal?: TerminalOptions;
  /** Ends the run early (status aborted, exit 130); the partial report is still written. */
  signal?: AbortSignal;
  /** Use this Traffic instead of creating one from the scenario. */
  traffic?: Traffic;
  /** Told the Traffic as soon as it exists (the CLI's second-signal handler closes it). */
  onTraffic?: (t: Traffic) => void;
  onEvent?: RunListener;
  /**
   * Catch uncaughtException/unhandledRejection during the run: the run is stopped, traffic closed,
   * and a 'failed' report written (exit 1). The CLI turns this on; libraries may not want it.
   */
  catchCrashes?: boolean;
  /**
   * Serve the run's state as Prometheus metrics on http://host:port/metrics while it goes
   * (`--metrics-listen`). Opened before anything is sent (an address that cannot be used is a
   * UsageError, exit 2), closed when the run ends.
   */
  metricsListen?: ListenAddress;
}

export interface RunOutcome {
  result: RunResult;
  exitCode: number;
  /** Files written: JSON report, step log, and any other outputs. */
  files: string[];
}

/** A file-name-safe form of the scenario name. */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
}

/** After a crash, how long the loop gets to wind down before the report is built without it. */
const CRASH_GRACE_MS = 5000;

export async function runScenario(scenario: Scenario, opts: RunScenarioOptions = {}): Promise<RunOutcome> {
  if (!opts.metricsListen) return runWith(scenario, opts, []);
  // Opened first, so a bad address is refused before anything else happens; closed on every path.
  const endpoint = await openMetricsEndpoint(opts.metricsListen);
  // Where to point a scraper (the real port when 0 was asked for), before the run's header.
  if (!opts.terminal?.quiet) (opts.terminal?.stream ?? (opts.jsonLines === '-' ? process.stderr : process.stdout)).write(`metrics endpoint: ${endpoint.url}\n`);
  let outcome: RunOutcome | undefined;
  try {
    outcome = await runWith(scenario, opts, [endpoint.listener]);
    return outcome;
  } finally {
    // A completed run waits (bounded) for a scraper's last visit, so the final capacity is recorded.
    await endpoint.close({
      lastScrape: outcome?.result.status === 'completed',
      ...(opts.signal ? { signal: opts.signal } : {}),
      onWait: (ms) => {
        if (ms >= 1000 && !opts.terminal?.quiet) process.stderr.write(`metrics endpoint: waiting up to ${Math.ceil(ms / 1000)}s for a last scrape of the final result\n`);
      },
    });
  }
}

async function runWith(scenario: Scenario, opts: RunScenarioOptions, extraListeners: RunListener[]): Promise<RunOutcome> {
  const jsonPath = opts.json ?? scenario.report.json ?? `results/${slug(scenario.name)}.json`;
  // Next to the report, unless the report goes to a device or pipe, or to stdout whatever it is
  // (`--json /dev/stdout`): a log file beside that would land in /dev.
  const toStream = isSpecialFile(jsonPath) || stdioFdOf(jsonPath) !== undefined;
  const logPath = opts.log ?? scenario.report.log ?? (toStream ? `results/${slug(scenario.name)}.steps.jsonl` : defaultStepLogPath(jsonPath));
  const gate = { ...scenario.gate };
  if (opts.expectMin !== undefined) gate.expectMin = opts.expectMin;
  if (opts.baseline !== undefined) gate.baseline = opts.baseline;
  if (opts.maxRegression !== undefined) gate.maxRegression = opts.maxRegression;
  if (opts.maxLatencyRegression !== undefined) gate.maxLatencyRegression = opts.maxLatencyRegression;
  // A bad baseline is a usage error: find it before sending anything.
  const baseline = gate.baseline !== undefined ? await loadReport(gate.baseline) : undefined;

  // Outputs that cannot be opened fail the run before any traffic is sent: a report that cannot be
  // written would otherwise throw away a whole run at its very end.
  const r0 = scenario.report;
  assertCanWrite(jsonPath, 'JSON report');
  for (const [path, what] of [
    [opts.junit ?? r0.junit, 'JUnit report'],
    [opts.markdown ?? r0.markdown, 'Markdown summary'],
    [opts.html ?? r0.html, 'HTML report'],
  ] as const) {
    if (path !== undefined) assertCanWrite(path, what);
  }
  const stepLog: StepLog = openStepLog(logPath);
  const outputProblems: string[] = [];
  let jsonLinesOut: { write(s: string): unknown; end?(): void } | undefined;
  if (opts.jsonLines === '-') jsonLinesOut = process.stdout;
  else if (opts.jsonLines !== undefined) {
    try {
      mkdirSync(dirname(opts.jsonLines), { recursive: true });
    } catch {
      // createWriteStream reports the real problem below
    }
    const stream = createWriteStream(opts.jsonLines, { flags: 'w' });
    // Reported with the other output problems at the end; never an unhandled 'error' event mid-run.
    stream.on('error', (err: NodeJS.ErrnoException) => {
      outputProblems.push(`cannot write the JSON lines to ${opts.jsonLines}: ${err.code ?? err.message}`);
      jsonLinesOut = undefined;
    });
    jsonLinesOut = stream;
  }
  const terminalOpts: TerminalOptions = { ...opts.terminal };
  if (opts.jsonLines === '-' && terminalOpts.stream === undefined) terminalOpts.stream = process.stderr;
  const terminal = createTerminalReporter(terminalOpts);

  const steps: StepResult[] = [];
  const listeners: RunListener[] = [terminal.listener, stepLog.listener];
  if (jsonLinesOut) listeners.push(jsonLinesListener((line) => jsonLinesOut?.write(line)));
  if (opts.onEvent) listeners.push(opts.onEvent);
  listeners.push(...extraListeners);
  /** An uncaught exception or rejection seen during the run (catchCrashes). */
  let crash: unknown;
  // After a crash the loop ends as 'aborted'; every record (step log, JSON lines) must say 'failed'.
  const asFailed = (r: RunResult): RunResult =>
    crash === undefined || r.status === 'failed'
      ? r
      : // A crash message may quote a request (URL, headers): mask it like the rest of the report.
        {
          ...r,
          status: 'failed',
          stopReason: 'error',
          error: createRedactor(scenario.secrets)(crashMessage(crash)),
          capacity: computeCapacity(r.steps, { stopReason: 'error', levelUnit: scenario.load.unit, max: scenario.load.max, mode: scenario.traffic.kind }),
        };
  const onEvent: RunListener = (e) => {
    if (e.type === 'step-end') steps.push(e.step);
    const event = e.type === 'run-end' ? { ...e, result: asFailed(e.result) } : e;
    for (const l of listeners) l(event);
  };

  const ac = new AbortController();
  // The reason travels with the abort: a stop file's (the kill switch) ends the run as 'stopped'.
  const onOuterAbort = (): void => ac.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) ac.abort(opts.signal.reason);
  // Shift mode: the kill switch. `loadtest stop` creates the stop file; the run ends within a second,
  // restores the weights and writes its report (stopReason 'stopped'); the file is consumed.
  const stopFile = scenario.traffic.kind === 'shift' ? scenario.traffic.stopFile : undefined;
  let stopSeen = false;
  const unwatchStop = stopFile
    ? watchStopFile(stopFile, () => {
        stopSeen = true;
        if (!opts.terminal?.quiet) process.stderr.write(`loadtest: stop file ${stopFile} appeared (\`loadtest stop\`): stopping the run, restoring the weights, writing the partial report\n`);
        ac.abort(new StopRequested(stopFile));
      })
    : undefined;
  let crashed: (() => void) | undefined;
  const crashSeen = new Promise<void>((resolve) => (crashed = resolve));
  const onCrash = (err: unknown): void => {
    if (crash !== undefined) return;
    crash = err ?? new Error('unknown failure');
    ac.abort();
    crashed!();
  };
  if (opts.catchCrashes) {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  }

  const started = Date.now();
  let traffic: Traffic | undefined;
  let result: RunResult;
  try {
    traffic = opts.traffic ?? createTraffic(scenario);
    opts.onTraffic?.(traffic);
    const asked = { expectMin: gate.expectMin, baseline, maxRegression: gate.maxRegression };
    const decided = gateDecided(asked);
    const run = findCapacity(scenario, traffic, { signal: ac.signal, onEvent, ...(decided ? { decided, targets: gateTargets(asked) } : {}) });
    // A crash elsewhere in the process (a socket error nobody handled) aborted the loop; give it a
    // moment to close the traffic and return, then build the report from the steps seen so far.
    const fallback = crashSeen.then(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), CRASH_GRACE_MS).unref()));
    const finished = await Promise.race([run, fallback]);
    if (finished === undefined) {
      await Promise.race([traffic.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
      result = fallbackResult(scenario, steps, started, crash);
    } else {
      result = finished;
    }
    result = asFailed(result);
  } catch (err) {
    // createTraffic or a listener threw synchronously: nothing was sent, or the loop already closed.
    await traffic?.close();
    result = fallbackResult(scenario, steps, started, err);
    if (err instanceof LoadtestError && steps.length === 0) {
      stepLog.close();
      throw err;
    }
  } finally {
    unwatchStop?.();
    if (stopSeen && stopFile) await removeStopFile(stopFile).catch(() => undefined);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    if (opts.catchCrashes) {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    }
  }

  if (gate.expectMin !== undefined || baseline !== undefined) {
    result.gate = evaluateGate(result, {
      expectMin: gate.expectMin,
      baseline,
      maxRegression: gate.maxRegression,
      maxLatencyRegression: gate.maxLatencyRegression,
    });
  }

  // The latency-vs-load model goes into the JSON report too (reporters refit it when absent).
  try {
    if (result.steps.length > 0) result.model = fitCapacityModel(result);
  } catch (err) {
    result.warnings.push(`capacity model not fitted: ${(err as Error).message}`);
  }

  // Write everything even for an aborted or failed run: every run leaves a record.
  const files: string[] = [];
  const problems: string[] = outputProblems;
  try {
    await writeJsonReport(result, jsonPath);
    files.push(jsonPath);
  } catch (err) {
    problems.push((err as Error).message);
  }
  stepLog.close();
  if (stepLog.error === undefined) files.push(logPath);
  else problems.push(stepLog.error);
  try {
    const r = scenario.report;
    files.push(
      ...(await writeOutputs(result, {
        junit: opts.junit ?? r.junit,
        markdown: opts.markdown ?? r.markdown,
        html: opts.html ?? r.html,
        history: opts.history ?? r.history,
        githubStepSummary: true,
      })),
    );
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (jsonLinesOut && jsonLinesOut !== process.stdout) {
    const out = jsonLinesOut as NodeJS.WritableStream;
    let failed = false;
    await new Promise<void>((r) => {
      out.once('error', () => {
        failed = true;
        r();
      });
      out.end(() => r());
    });
    if (!failed) files.push(opts.jsonLines!);
  }

  terminal.finish(result);
  if (!terminalOpts.quiet) (terminalOpts.stream ?? process.stdout).write(`report: ${files.join(', ')}\n`);
  // A runtime failure (target down before the first step, …) is also one line on stderr, so it is
  // seen when stdout goes to a file or a pipe — but not when both go to the same place (a terminal,
  // a CI log): there the terminal's own "run failed" line already said it.
  const terminalStream = terminalOpts.stream ?? process.stdout;
  if (result.status === 'failed' && terminalStream !== process.stderr && !(terminalStream === process.stdout && sameDestination(1, 2))) {
    process.stderr.write(`loadtest: run failed: ${createRedactor(scenario.secrets)(result.error ?? 'unknown error')}\n`);
  }
  let exitCode = exitCodeFor(result);
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`loadtest: ${p}\n`);
    if (exitCode === 0) exitCode = 1;
  }
  return { result, exitCode, files };
}

/** True when two file descriptors write to the same file, terminal or pipe (`cmd > log 2>&1`). */
function sameDestination(a: number, b: number): boolean {
  try {
    const x = fstatSync(a);
    const y = fstatSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/** True when `path` exists and is not a regular file or directory: a device, a FIFO, a socket. */
function isSpecialFile(path: string): boolean {
  try {
    const st = statSync(path);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

/**
 * Throws (exit 1) unless a file can be written at `path` later: its directory exists or can be made,
 * is writable, and `path` is not a directory. This process's own stdout or stderr (`--json
 * /dev/stdout`) is written through the stream it has (atomic-write.ts stdioFdOf): nothing to check.
 * Another device or FIFO is written into, nothing created beside it: it must be writable itself, its
 * directory need not be (/dev is not, but for root); a socket cannot be opened at all.
 */
function assertCanWrite(path: string, what: string): void {
  try {
    if (stdioFdOf(path) !== undefined) return;
    if (isSpecialFile(path)) {
      if (statSync(path).isSocket()) throw Object.assign(new Error('a socket'), { code: 'ENXIO' });
      return accessSync(path, constants.W_OK);
    }
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    if (existsSync(path) && statSync(path).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (err) {
    throw new LoadtestError(`cannot write the ${what} to ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function crashMessage(err: unknown): string {
  return `internal error: ${err instanceof Error ? err.message : String(err)}`;
}

/** A 'failed' result from the steps the listeners saw, for when the loop itself could not return one. */
function fallbackResult(scenario: Scenario, steps: StepResult[], started: number, err: unknown): RunResult {
  const capacity = computeCapacity(steps, { stopReason: 'error', levelUnit: scenario.load.unit, max: scenario.load.max, mode: scenario.traffic.kind });
  return buildResult({
    scenario,
    status: 'failed',
    stopReason: 'error',
    error: err instanceof LoadtestError ? err.message : crashMessage(err),
    started,
    finished: Date.now(),
    capacity,
    steps,
    warnings: [],
  });
}
