// `loadtest plan <scenario>`: what a run would do, sending nothing — the ramp levels, the most
// refine steps a bisection could add, the worst-case duration, and samples of templated requests.
import type { Command } from 'commander';
import { ExitCode } from '../../exit-codes.js';
import { loadScenario } from '../../scenario/load-scenario.js';
import type { DataSpec, Scenario, ShiftTrafficSpec } from '../../scenario/scenario.js';
import { haproxyNodes } from '../../scenario/read-shift.js';
import { displayPath } from '../../workload/data/table.js';
import { maxRefineSteps, plannedRamp, shortStepNote, stepDurationFor, stepLengthNotes, worstCaseDrainMs, worstCaseDurationMs, worstCaseSteps } from '../../controller/step-plan.js';
import { stepNeed } from '../../controller/step-need.js';
import { describeServices, describeTarget } from '../../scenario/describe-target.js';
import { fmtDuration } from '../../report/terminal-format.js';
import { createRedactor } from '../../report/redact.js';
import type { SetExit } from '../commands.js';
import { addSetFlag } from '../set-flag.js';
import { formatSetFlags } from '../../scenario/overrides.js';
import { sampleRequestLines } from '../../workload/sample-requests.js';
import { rowsPerArrival } from '../../workload/request-data.js';
import { describeReplay } from '../../workload/replay/describe-replay.js';
import { levelLabel, scenarioLevelUnit } from '../../scenario/level-unit.js';

/** Ramps longer than this are folded: the first FOLD_HEAD steps, a count, the last FOLD_TAIL. */
const FOLD_ABOVE = 12;
const FOLD_HEAD = 4;
const FOLD_TAIL = 3;

export function renderPlan(scenario: Scenario): string[] {
  // Steps at low rates are stretched to hold the requests the SLOs need (as the run does).
  const needy = scenario.traffic.kind === 'generate' ? stepNeed(scenario) : undefined;
  const l = { ...scenario.load, samplesToProve: needy?.arrivals ?? 0 };
  const levelUnit = scenarioLevelUnit(scenario);
  const unit = levelUnit === 'share' ? 'x fair share' : ` ${levelLabel(levelUnit)}`;
  const ramp = plannedRamp(l);
  const refine = maxRefineSteps(l);
  const lines = [
    `scenario: ${scenario.name} → ${describeTarget(scenario)} (${scenario.traffic.kind})`,
    ...(scenario.traffic.kind === 'generate' && scenario.traffic.replay ? describeReplay(scenario.traffic.replay, scenario.traffic.requests, 10, ramp[0]) : []),
    `ramp (${ramp.length} steps, ${l.factor !== undefined ? `×${l.factor}` : `+${l.step}`} from ${l.start} to ${l.max}${unit}):`,
  ];
  const width = Math.max(...ramp.map((level) => `${level}${unit}`.length));
  // Steps at low rates are stretched: each line says when its step ends, and how long a stretched one is.
  const ends: number[] = [];
  ramp.reduce((t, level) => (ends.push(t + stepDurationFor(l, level)), ends[ends.length - 1]!), 0);
  const stepLine = (level: number, i: number) => {
    const d = stepDurationFor(l, level);
    const stretched = d > l.stepDurationMs ? `  (${fmtDuration(d)} step)` : '';
    return `  step ${String(i + 1).padStart(2)}  ${`${level}${unit}`.padStart(width)}   ends at ${fmtDuration(ends[i]!)}${stretched}`;
  };
  // A 50-step ramp would push the summary off the screen: the first and last steps show its shape.
  if (ramp.length > FOLD_ABOVE) {
    const hidden = ramp.length - FOLD_HEAD - FOLD_TAIL;
    ramp.slice(0, FOLD_HEAD).forEach((level, i) => lines.push(stepLine(level, i)));
    lines.push(`  … ${hidden} more steps …`);
    ramp.slice(-FOLD_TAIL).forEach((level, i) => lines.push(stepLine(level, ramp.length - FOLD_TAIL + i)));
  } else {
    ramp.forEach((level, i) => lines.push(stepLine(level, i)));
  }
  lines.push(
    l.refine !== undefined
      ? `refine: bisect between the last pass and the first fail until they are within ${Math.round(l.refine * 1000) / 10}%: at most ${refine} more step${refine === 1 ? '' : 's'}`
      : 'refine: off (the capacity is known to one ramp step)',
    `each step: ${fmtDuration(l.stepDurationMs)} (first ${fmtDuration(l.warmupMs)} warm-up, not judged)`,
    `worst case: ${worstCaseSteps(l)} steps, ${fmtDuration(worstCaseDurationMs(l))} (re-runs of inconclusive steps included; a run stops at the first failing step, so usually less)` +
      // Generate mode: after a step that did not pass, the run waits for the service to drain (controller/settle.ts).
      (scenario.traffic.kind === 'generate' ? `, and at most ${fmtDuration(worstCaseDrainMs(l))} waiting between steps for a failed step's backlog to drain (usually a fraction of a second each)` : ''),
    `SLOs: ${scenario.slo.map((r) => r.text).join(', ') || '(none)'}`,
    ...(needy ? Object.values(stepLengthNotes(l, needy.rule.text, levelLabel(levelUnit), needy)) : []),
  );
  const short = scenario.traffic.kind === 'generate' ? shortStepNote(l) : undefined;
  if (short) lines.push(short);
  if (scenario.abort.length > 0) lines.push(`abort if: ${scenario.abort.map((r) => r.text).join(', ')}`);
  if (scenario.guard.length > 0) lines.push(`guard: ${scenario.guard.map((r) => r.text).join(', ')}`);
  if (scenario.traffic.kind === 'shift') lines.push(...shiftLines(scenario.traffic));
  // Dependencies are judged at every step too: a breach of theirs fails it.
  for (const line of describeServices(scenario.services)) lines.push(`service ${line}`);
  if (scenario.overrides?.length) lines.push(`overrides: ${formatSetFlags(scenario.overrides)}`);
  if (scenario.traffic.kind === 'generate') lines.push(...sampleRequestLines(scenario.traffic.requests, scenario.secrets, 3, scenario.data));
  // Arrivals the ramp starts (refine steps aside) — requests, or sessions — and the rows a unique
  // feeder needs for them: one per request, or per session step, that uses it.
  const arrivals = Math.round(ramp.reduce((n, level) => n + (level * stepDurationFor(l, level)) / 1000, 0));
  for (const d of Object.values(scenario.data ?? {})) {
    const t = scenario.traffic;
    const need = t.kind === 'generate' && levelUnit !== 'share' ? { arrivals, perArrival: rowsPerArrival(t, d.name), sessions: levelUnit === 'sessions' } : undefined;
    lines.push(feederLine(d, need));
  }
  return lines;
}

/** What the ramp asks of a feeder: its arrivals (requests, or sessions) and the rows one draws on average. */
export interface FeederNeed {
  arrivals: number;
  perArrival: number;
  sessions: boolean;
}

/** `data users: data/users.csv (csv, 1000 rows: id, email), order unique` and, for unique, whether the ramp could use them up. */
export function feederLine(d: DataSpec, need: FeederNeed | undefined): string {
  const cols = d.columns.length > 6 ? `${d.columns.slice(0, 6).join(', ')}, … ${d.columns.length - 6} more` : d.columns.join(', ');
  const line = `data ${d.name}: ${displayPath(d.file)} (${d.format}, ${d.rows} row${d.rows === 1 ? '' : 's'}: ${cols}), order ${d.order}`;
  if (d.order !== 'unique' || need === undefined) return line;
  const rows = Math.round(need.arrivals * need.perArrival);
  if (rows <= d.rows) return line;
  const per = Number(need.perArrival.toFixed(2));
  const what = need.sessions
    ? `the ramp starts up to ${need.arrivals} sessions, ${per} row${per === 1 ? '' : 's'} each (the steps using it, by session weight): ${rows} rows`
    : need.perArrival === 1
      ? `the ramp sends up to ${need.arrivals} requests: at one row each`
      : `the ramp sends up to ${need.arrivals} requests, ${rows} of them using a row`;
  return `${line}; ${what}, the rows run out and the run stops early`;
}

export async function planCommand(file: string, overrides: readonly string[] = []): Promise<number> {
  const scenario = await loadScenario(file, { overrides });
  const redact = createRedactor(scenario.secrets);
  process.stdout.write(redact(renderPlan(scenario).join('\n')) + '\n');
  return ExitCode.OK;
}

export function registerPlan(program: Command, setExit: SetExit): void {
  const cmd = program
    .command('plan')
    .description('print the steps a run would take and its worst-case duration, sending nothing')
    .argument('<scenario>', 'scenario YAML file');
  addSetFlag(cmd).action(async (file: string, flags: { set?: string[] }) => {
    setExit(await planCommand(file, flags.set ?? []));
  });
}

/** Shift mode: the nodes that get the weights, the journal and the kill switch. */
function shiftLines(t: ShiftTrafficSpec): string[] {
  const lines: string[] = [];
  if (t.shifter.type === 'haproxy') {
    const nodes = haproxyNodes(t.shifter);
    lines.push(`${nodes.length === 1 ? 'HAProxy node' : `HAProxy nodes (${nodes.length}, the same weights on each, metrics summed)`}:`);
    for (const n of nodes) lines.push(`  ${n.socket !== undefined ? `socket ${n.socket}` : `address ${n.address}`}, backend ${n.backend}, servers ${n.servers.join(', ')}`);
  }
  lines.push(`journal: ${t.journalFile}; stop file (\`loadtest stop\`): ${t.stopFile}`);
  return lines;
}
