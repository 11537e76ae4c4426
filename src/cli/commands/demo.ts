// `loadtest demo`: starts the demo service (its own process, capacity known by construction), runs
// scenarios/demo.yaml against it, and prints the capacity found next to the true one. A self-check
// of the whole loop: exit 0 when the found capacity is within ±10% of the true one, 1 when it is not
// (the machine is probably too busy to drive it: see the steps), or the run's own non-zero code.
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../exit-codes.js';
import { UsageError } from '../../errors.js';
import { loadScenario } from '../../scenario/load-scenario.js';
import { spawnDemo } from '../../demo/spawn-demo.js';
import { parseDurationMs } from '../../demo/demo-process.js';
import { formatRps } from '../../analysis/capacity.js';
import { sloCapacity } from '../../demo/slo-capacity.js';
import type { Scenario } from '../../scenario/scenario.js';
import type { RunResult } from '../../result.js';
import type { SetExit } from '../commands.js';
import { addRunFlags, runOptionsFromFlags, runWithSignals, type RunFlags } from './run.js';

/** How close the found capacity must be to the true one for the demo to count as a success. */
export const DEMO_TOLERANCE = 0.1;

interface DemoFlags extends RunFlags {
  workers: string;
  serviceTime: string;
  scenario?: string;
}

const DEMO_SCENARIO = fileURLToPath(new URL('../../../scenarios/demo.yaml', import.meta.url));

/** What the demo's true capacity is measured against: the scenario's whole-step percentile rules and arrivals. */
export interface DemoTruth {
  /** W/S: the most the pool can serve at all. */
  ceiling: number;
  /** The highest rate meeting the latency SLOs (slo-capacity.ts); the ceiling when none binds. */
  capacity: number;
  /** What the capacity was computed for, for the closing line. */
  basis: string;
}

const QUANTILE: Readonly<Record<string, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 };

export function demoTruth(scenario: Scenario, workers: number, serviceTimeMs: number): DemoTruth {
  const ceiling = (workers * 1000) / serviceTimeMs;
  const rules = scenario.slo.filter((r) => r.metric in QUANTILE && r.op[0] === '<').map((r) => ({ quantile: QUANTILE[r.metric]!, thresholdMs: r.threshold, text: r.text }));
  const arrival = scenario.traffic.kind === 'generate' ? scenario.traffic.arrival : 'poisson';
  const capacity = sloCapacity(workers, serviceTimeMs, rules, arrival);
  const pool = `${workers} workers × ${serviceTimeMs} ms`;
  const basis =
    capacity < ceiling
      ? `for ${rules.map((r) => r.text).join(', ')} under ${arrival} arrivals: ${pool} is a queue, its throughput ceiling ${formatRps(ceiling)} rps (computed)`
      : `${pool}, 1 request per worker at a time (by construction)`;
  return { ceiling, capacity, basis };
}

/** The closing lines: found vs true capacity and whether that is within the tolerance. */
export function demoVerdict(result: RunResult, truth: DemoTruth): { lines: string[]; within: boolean } {
  const found = result.capacity.maxServableLoad;
  const lines = [`true capacity:  ${formatRps(truth.capacity)} rps (${truth.basis})`];
  if (result.status !== 'completed') {
    lines.push(`found capacity: unknown (the run ${result.status === 'aborted' ? 'was interrupted' : 'failed'})`);
    return { lines, within: false };
  }
  if (found === null) {
    lines.push(`found capacity: none (${result.capacity.verdict})`);
    return { lines, within: false };
  }
  const ratio = found / truth.capacity;
  const high = result.capacity.firstFailingLoad;
  const inBracket = high !== null && found <= truth.capacity && truth.capacity < high;
  // The run's claim is its bracket: it holds when the truth lies in it, or the capacity is within the tolerance.
  const within = (inBracket || Math.abs(ratio - 1) <= DEMO_TOLERANCE) && result.capacity.verdict === 'found';
  const bracket = high !== null ? `; the truth ${inBracket ? 'lies' : 'does NOT lie'} in [${formatRps(found)}, ${formatRps(high)})` : '';
  lines.push(
    `found capacity: ${formatRps(found)} rps = ${(ratio * 100).toFixed(1)}% of the true capacity ` +
      (within ? `(${Math.abs(ratio - 1) <= DEMO_TOLERANCE ? 'within' : 'NOT within'} ±${DEMO_TOLERANCE * 100}%${bracket})` : `(NOT within ±${DEMO_TOLERANCE * 100}%${bracket}: is this machine busy? see the steps above)`),
  );
  return { lines, within };
}

export async function demoCommand(flags: DemoFlags): Promise<number> {
  const workers = Number(flags.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 10_000) throw new UsageError(`--workers: expected a whole number from 1 to 10000, got "${flags.workers}"`);
  const serviceTimeMs = parseDurationMs(flags.serviceTime);
  if (!(serviceTimeMs >= 1)) throw new UsageError(`--service-time: expected a duration of at least 1ms (e.g. 20ms), got "${flags.serviceTime}"`);
  const opts = runOptionsFromFlags({ json: 'results/demo.json', ...flags });

  const demo = await spawnDemo({ workers, serviceTimeMs });
  try {
    const scenario = await loadScenario(flags.scenario ?? DEMO_SCENARIO, { env: { ...process.env, DEMO_TARGET: demo.url }, overrides: flags.set ?? [] });
    // Values from ${ENV} are masked as possible secrets; the demo's loopback URL is not one.
    scenario.secrets = scenario.secrets.filter((s) => s !== demo.url);
    const out = opts.jsonLines === '-' ? process.stderr : process.stdout;
    const truth = demoTruth(scenario, demo.workers, demo.serviceTimeMs);
    if (!opts.terminal?.quiet) out.write(`demo service: ${demo.url} (pid ${demo.pid}), true capacity ${formatRps(truth.capacity)} rps\n`);
    const { result, exitCode } = await runWithSignals(scenario, opts);
    const verdict = demoVerdict(result, truth);
    out.write(verdict.lines.join('\n') + '\n');
    if (exitCode !== ExitCode.OK) return exitCode;
    return verdict.within ? ExitCode.OK : ExitCode.RUNTIME;
  } finally {
    await demo.stop();
  }
}

export function registerDemo(program: Command, setExit: SetExit): void {
  const cmd = program
    .command('demo')
    .description('start a demo service of known capacity and find it (about 30 s)')
    .option('--workers <n>', 'demo service workers', '8')
    .option('--service-time <ms>', 'demo service time per request', '20ms')
    .option('--scenario <file>', 'run this scenario instead of scenarios/demo.yaml (DEMO_TARGET is set)');
  addRunFlags(cmd).action(async (_flags: DemoFlags, command: Command) => {
    setExit(await demoCommand(command.optsWithGlobals<DemoFlags>()));
  });
}
