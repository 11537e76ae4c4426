// `loadtest validate <scenario.yaml>`: load and check a scenario without sending anything.
// Prints one summary line when valid; otherwise the ScenarioError (one line per problem,
// `file:line:col: path: message`) reaches main.ts, which prints it and exits 2.
import type { Command } from 'commander';
import { ExitCode } from '../../exit-codes.js';
import { loadScenario } from '../../scenario/load-scenario.js';
import { rampLevels } from '../../scenario/ramp.js';
import type { Scenario } from '../../scenario/scenario.js';
import type { SetExit } from '../commands.js';

export interface ValidateOptions {
  file: string;
  env?: Record<string, string | undefined>;
  /** Where the summary goes; default stdout. */
  write?: (line: string) => void;
}

/** The summary line: `ok: <file>: "<name>", <mode>, N ramp steps up to <max>`. */
export function summarize(file: string, s: Scenario): string {
  const mode = s.traffic.kind;
  const steps = rampLevels(s.load).length;
  const max = s.load.unit === 'share' ? `${s.load.max}x` : `${s.load.max} rps`;
  return `ok: ${file}: "${s.name}", ${mode}, ${steps} ramp step${steps === 1 ? '' : 's'} up to ${max}`;
}

export async function validateCommand(opts: ValidateOptions): Promise<number> {
  const scenario = await loadScenario(opts.file, opts.env ? { env: opts.env } : {});
  (opts.write ?? ((l) => process.stdout.write(l + '\n')))(summarize(opts.file, scenario));
  return ExitCode.OK;
}

export function registerValidate(program: Command, setExit: SetExit): void {
  program
    .command('validate')
    .description('check a scenario file without sending any traffic; lists every problem with file:line:col (exit 2)')
    .argument('<scenario>', 'scenario YAML file')
    .action(async (file: string) => {
      setExit(await validateCommand({ file }));
    });
}
