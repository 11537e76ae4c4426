// `loadtest run <scenario>` (or `run --url …`, ad-hoc mode): flags → RunScenarioOptions, signal handlers, runScenario, exit code.
// The logic lives in src/controller/run-scenario.ts (shared with the library and `loadtest demo`).
import type { Command } from 'commander';
import { ExitCode } from '../../exit-codes.js';
import { UsageError } from '../../errors.js';
import { scenarioYaml } from '../../scenario/print-scenario.js';
import { runScenario, type RunOutcome, type RunScenarioOptions } from '../../controller/run-scenario.js';
import { installRunSignals } from '../../controller/run-signals.js';
import { createServiceMonitor } from '../../controller/service-monitor.js';
import type { Traffic } from '../../traffic/traffic.js';
import { createTraffic } from '../../traffic/create-traffic.js';
import { beforeShiftRun, shiftDryRun, unrestoredExitCode } from '../../traffic/shifters/shift-run.js';
import type { SetExit } from '../commands.js';
import { addSetFlag } from '../set-flag.js';
import { addAdHocFlags, loadRunScenario, type AdHocRunFlags } from '../ad-hoc-flags.js';
import { parseListenAddress } from '../../report/metrics-endpoint.js';
import { addAgentsFlags, agentsFromFlags, type AgentsFlags } from '../agents-flags.js';

export interface RunFlags {
  expectMin?: string;
  baseline?: string;
  maxRegression?: string;
  maxLatencyRegression?: string;
  json?: string;
  log?: string;
  junit?: string;
  markdown?: string;
  html?: string;
  history?: string;
  jsonLines?: string;
  quiet?: boolean;
  progress?: boolean;
  color?: boolean;
  /** Shift mode: print every weight change the plan would make; change nothing. */
  dryRun?: boolean;
  /** Shift mode: replay a journal left by an earlier run before starting. */
  restoreFirst?: boolean;
  /** Shift mode: seconds to keep retrying an unreachable node when putting weights back (default 20). */
  restoreDeadline?: string;
  /** `--set path=value` overrides of the scenario, in order. */
  set?: string[];
  /** host:port to serve Prometheus metrics on during the run. */
  metricsListen?: string;
}

/** "500" → 500; anything else is a usage error naming the flag. */
export function parseRpsFlag(flag: string, value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(rps|\/s)?\s*$/.exec(value);
  if (!m || !(Number(m[1]) > 0)) throw new UsageError(`${flag}: expected a load (requests/s; sessions/s with traffic.sessions) as a positive number (e.g. 500), got "${value}"`);
  return Number(m[1]);
}

/** "10%" → 0.1, "0.1" → 0.1. */
export function parseFractionFlag(flag: string, value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%)?\s*$/.exec(value);
  const n = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(n >= 0 && n < 1)) throw new UsageError(`${flag}: expected a percentage below 100% (e.g. 10%), got "${value}"`);
  return n;
}

export function runOptionsFromFlags(flags: RunFlags): RunScenarioOptions {
  const opts: RunScenarioOptions = {
    terminal: { quiet: flags.quiet === true, progress: flags.progress !== false, color: flags.color === false ? false : undefined },
    catchCrashes: true,
  };
  if (flags.expectMin !== undefined) opts.expectMin = parseRpsFlag('--expect-min', flags.expectMin);
  if (flags.maxRegression !== undefined) opts.maxRegression = parseFractionFlag('--max-regression', flags.maxRegression);
  if (flags.maxLatencyRegression !== undefined) {
    opts.maxLatencyRegression = parseFractionFlag('--max-latency-regression', flags.maxLatencyRegression);
  }
  for (const key of ['baseline', 'json', 'log', 'junit', 'markdown', 'html', 'history', 'jsonLines'] as const) {
    if (flags[key] !== undefined) opts[key] = flags[key];
  }
  if (flags.metricsListen !== undefined) opts.metricsListen = parseListenAddress(flags.metricsListen);
  return opts;
}

/** Adds the flags `run` and `demo` share. */
export function addRunFlags(cmd: Command): Command {
  return addSetFlag(cmd)
    .option('--expect-min <rps>', 'exit 3 when the maximum servable load is below this many requests/s (sessions/s with traffic.sessions)')
    .option('--baseline <report.json>', 'compare against an earlier JSON report (exit 4 on regression)')
    .option('--max-regression <pct>', 'allowed capacity drop against --baseline (default 10%)')
    .option('--max-latency-regression <pct>', 'allowed p50/p99 rise at loads both runs passed (default 25%)')
    .option('--json <file>', 'JSON report path (default: report.json of the scenario, else results/<name>.json)')
    .option('--log <file>', 'JSONL step log path (default: next to the JSON report, <name>.steps.jsonl)')
    .option('--junit <file>', 'also write a JUnit XML report')
    .option('--markdown <file>', 'also write a Markdown summary')
    .option('--html <file>', 'also write an HTML report with charts')
    .option('--history <dir>', 'add this run to a history directory (`loadtest history`)')
    .option('--json-lines <file>', "stream every run event as a JSON line to a file ('-' = stdout)")
    .option('--metrics-listen <host:port>', 'serve Prometheus metrics of the run on http://host:port/metrics while it goes')
    .option('-q, --quiet', 'print only the verdict line')
    .option('--no-progress', 'no live progress line, one plain line per finished step');
}

export async function runCommand(file: string | undefined, flags: RunFlags & AdHocRunFlags & AgentsFlags): Promise<number> {
  const opts = runOptionsFromFlags(flags);
  const { scenario, document, header } = await loadRunScenario(file, flags);
  if (flags.printScenario) {
    process.stdout.write(scenarioYaml(document, { secrets: scenario.secrets, ...(header !== undefined ? { header } : {}) }));
    return ExitCode.OK;
  }
  const err = (l: string): void => void process.stderr.write(l + '\n');
  if (flags.dryRun) {
    const out = (l: string): void => void process.stdout.write(l + '\n');
    const code = await shiftDryRun(scenario, out);
    // Each dependency's source read once, as a real run does before any change: a wrong socket,
    // backend or URL fails here (exit 1, naming the service).
    if (scenario.services?.length) {
      await createServiceMonitor(scenario.services).prepare();
      out(`services: ${scenario.services.map((s) => s.name).join(', ')} — each source read once`);
    }
    return code;
  }
  let restoreDeadlineMs: number | undefined;
  if (flags.restoreDeadline !== undefined) {
    const secs = Number(flags.restoreDeadline);
    if (!(secs >= 0) || flags.restoreDeadline.trim() === '') throw new UsageError(`--restore-deadline: expected seconds ≥ 0, found '${flags.restoreDeadline}'`);
    restoreDeadlineMs = secs * 1000;
  }
  await beforeShiftRun(scenario, flags.restoreFirst === true, err);
  // --agents: the load comes from agents that connect here; this process sends none.
  const agents = await agentsFromFlags(scenario, flags, err);
  let traffic: Traffic | undefined;
  const outcome = await runWithSignals(scenario, {
    ...opts,
    ...(restoreDeadlineMs !== undefined && scenario.traffic.kind === 'shift' ? { traffic: createTraffic(scenario, { shift: { restoreDeadlineMs } }) } : {}),
    ...(agents ? { traffic: agents.traffic } : {}),
    onTraffic: (t) => (traffic = t),
  });
  return unrestoredExitCode(traffic, outcome.exitCode, err);
}

/** Runs with SIGINT/SIGTERM/SIGHUP handling: first = stop and report (130), second = close and exit now. */
export async function runWithSignals(scenario: Parameters<typeof runScenario>[0], opts: RunScenarioOptions): Promise<RunOutcome> {
  // `loadtest run … | head`: a reader that went away must not turn the run into a crash; the run
  // goes on and its report is still written.
  const ac = new AbortController();
  let traffic: Traffic | undefined;
  const uninstall = installRunSignals({
    stop: () => ac.abort(),
    force: () => {
      const done = traffic ? traffic.close() : Promise.resolve([]);
      // The one exit outside main(): the user asked twice, and waiting for the loop is what they refused.
      const bail = (): never => process.exit(unrestoredExitCode(traffic, ExitCode.INTERRUPTED, (l) => process.stderr.write(l + '\n')));
      void done.then(bail, bail);
      setTimeout(bail, 3000).unref();
    },
    write: (s) => process.stderr.write(s),
  });
  try {
    return await runScenario(scenario, {
      ...opts,
      signal: ac.signal,
      onTraffic: (t) => {
        traffic = t;
        opts.onTraffic?.(t);
      },
    });
  } finally {
    uninstall();
  }
}

export function registerRun(program: Command, setExit: SetExit): void {
  const cmd = program
    .command('run')
    .description('find the maximum load the scenario’s target serves while meeting its SLOs')
    .argument('[scenario]', 'scenario YAML file (or none, and --url: ad-hoc mode)');
  addAgentsFlags(addRunFlags(cmd))
    .option('--dry-run', 'shift mode: print the weights every ramp level would set, change nothing')
    .option('--restore-first', 'shift mode: put back weights journaled by an earlier run before starting')
    .option('--restore-deadline <seconds>', 'shift mode: keep retrying an unreachable node this long when putting weights back (default 20)');
  addAdHocFlags(cmd).action(async (file: string | undefined, _flags: RunFlags, command: Command) => {
    setExit(await runCommand(file, command.optsWithGlobals<RunFlags & AdHocRunFlags & AgentsFlags>()));
  });
}
