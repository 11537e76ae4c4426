// `loadtest validate <scenario.yaml…>`: load and check scenarios without sending anything.
// Prints one summary line per valid file; the problems of every invalid file travel in one
// ScenarioError (one line per problem, `file:line:col: path: message`) to main.ts, which prints
// them and exits 2.
import type { Command } from 'commander';
import { describeServices } from '../../scenario/describe-target.js';
import { ExitCode } from '../../exit-codes.js';
import { LoadtestError, ScenarioError, type ScenarioProblem } from '../../errors.js';
import { loadScenario } from '../../scenario/load-scenario.js';
import { plannedRamp, stepLengthNotes } from '../../controller/step-plan.js';
import { stepNeed } from '../../controller/step-need.js';
import type { Scenario } from '../../scenario/scenario.js';
import { createRedactor } from '../../report/redact.js';
import type { SetExit } from '../commands.js';
import { addSetFlag } from '../set-flag.js';
import { replayNotes } from '../../workload/replay/describe-replay.js';
import { toOverrides } from '../../scenario/load-scenario.js';
import { levelLabel, scenarioLevelUnit } from '../../scenario/level-unit.js';

export interface ValidateOptions {
  files: string[];
  env?: Record<string, string | undefined>;
  /** `--set path=value` overrides, applied to every file. */
  overrides?: readonly string[];
  /** Where the summaries go; default stdout. */
  write?: (line: string) => void;
}

/** The summary line: `ok: <file>: "<name>", <mode>, N ramp steps up to <max>` (the ramp the run will use). */
export function validSummary(file: string, s: Scenario): string {
  const steps = plannedRamp(s.load).length;
  const unit = scenarioLevelUnit(s);
  const max = unit === 'share' ? `${s.load.max}x` : `${s.load.max} ${levelLabel(unit)}`;
  const t = s.traffic;
  const nodes = t.kind === 'shift' && t.shifter.type === 'haproxy' && t.shifter.nodes && t.shifter.nodes.length > 1 ? ` on ${t.shifter.nodes.length} HAProxy nodes` : '';
  return `ok: ${file}: "${s.name}", ${s.traffic.kind}${nodes}, ${steps} ramp step${steps === 1 ? '' : 's'} up to ${max}`;
}

export async function validateCommand(opts: ValidateOptions): Promise<number> {
  const write = opts.write ?? ((l: string) => process.stdout.write(l + '\n'));
  const problems: ScenarioProblem[] = [];
  // Malformed flags are wrong for every file: a usage error (exit 2) before any file is read.
  const overrides = toOverrides(opts.overrides ?? []);
  for (const file of opts.files) {
    try {
      const scenario = await loadScenario(file, { ...(opts.env ? { env: opts.env } : {}), overrides });
      // The name may come from ${ENV}: mask the scenario's secrets like every other output does.
      const redact = createRedactor(scenario.secrets);
      write(redact(validSummary(file, scenario)));
      for (const line of describeServices(scenario.services)) write(redact(`  service ${line}`));
      // Steps too short for their SLOs at their rate even stretched: said now, not found out mid-run.
      const needy = scenario.traffic.kind === 'generate' ? stepNeed(scenario) : undefined;
      const tooShort = needy && stepLengthNotes({ ...scenario.load, samplesToProve: needy.arrivals }, needy.rule.text, levelLabel(scenarioLevelUnit(scenario)), needy).tooShort;
      if (tooShort) write(redact(`note: ${file}: ${tooShort}`));
      if (scenario.traffic.kind === 'generate' && scenario.traffic.replay) for (const n of replayNotes(scenario.traffic.replay)) write(redact(`note: ${file}: ${n}`));
    } catch (e) {
      if (e instanceof ScenarioError) problems.push(...e.problems);
      else if (e instanceof LoadtestError && opts.files.length > 1) {
        // A --set that does not fit this file carries one line per flag.
        for (const message of e.details.length > 0 ? e.details : [e.message]) problems.push({ path: '', message });
      }
      else throw e;
    }
  }
  if (problems.length > 0) throw new ScenarioError(problems);
  return ExitCode.OK;
}

export function registerValidate(program: Command, setExit: SetExit): void {
  const cmd = program
    .command('validate')
    .description('check scenario files without sending any traffic; lists every problem with file:line:col (exit 2)')
    .argument('<scenario...>', 'scenario YAML file(s)');
  addSetFlag(cmd).action(async (files: string[], flags: { set?: string[] }) => {
    setExit(await validateCommand({ files, overrides: flags.set ?? [] }));
  });
}
