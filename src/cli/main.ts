// The CLI entry: registers every command, turns errors into exit codes. The only place that exits.
import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { LoadtestError } from '../errors.js';
import { VERSION } from '../version.js';
import { defaultRedactor, redactError } from '../report/redact.js';
import { registerCommands } from './commands.js';

const HELP_FOOTER = `
Examples:
  loadtest demo                                  find a demo service's known capacity (about 30 s)
  loadtest plan scenarios/checkout.yaml          the steps and worst-case duration, nothing sent
  loadtest run scenarios/checkout.yaml --expect-min 800 --junit results/junit.xml
  loadtest run scenario.yaml --baseline results/main.json --max-regression 10%
  loadtest run scenario.yaml --set load.max=800 --set 'slo[0]=p99 < 200ms'
  loadtest run --url http://127.0.0.1:8080/items --slo 'p99 < 100ms' --max 5000   (no file: ad-hoc mode)
  loadtest compare results/main.json results/branch.json

Exit codes:
  0 ok · 1 runtime failure · 2 invalid scenario or usage · 3 below --expect-min ·
  4 capacity regression · 5 no trustworthy answer (the generator was the limit, or the
  levels that would decide stayed too close to call) · 6 shifted weights not restored
  (run \`loadtest restore\`) · 7 a gate could not decide · 8 the first step already failed ·
  130 interrupted (a signal, or \`loadtest stop\`)
`;

/** A reader that goes away (`loadtest … | head`) or a closed terminal is not an error of any command: a run goes on and writes its report. */
function ignoreBrokenPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') > 0) continue;
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // EPIPE: the reader of a pipe left; EIO: the terminal closed (SIGHUP follows).
      if (err.code !== 'EPIPE' && err.code !== 'EIO') throw err;
    });
  }
}

export async function main(argv: string[]): Promise<void> {
  ignoreBrokenPipes();
  const program = new Command('loadtest')
    .description('Find the maximum load a service can serve while meeting its SLOs.')
    .version(VERSION, '-V, --version')
    .addOption(new Option('--no-color', 'disable colours (NO_COLOR is honoured too)'))
    .showHelpAfterError('(run `loadtest --help` for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText('after', HELP_FOOTER);

  let exitCode: number = ExitCode.OK;
  registerCommands(program, (code) => {
    exitCode = code;
  });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    exitCode = exitCodeFor(err);
  }
  // Let pending writes (reports, logs) drain; signal handlers may already have set the code.
  process.exitCode = exitCode;
  setImmediate(() => process.exit(exitCode));
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version are not errors.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return ExitCode.OK;
    }
    return ExitCode.USAGE; // commander already printed the message
  }
  if (err instanceof LoadtestError) {
    // Commands mask their scenario's secrets themselves; this catches URL passwords and credential
    // headers in anything that reached here without (no scenario loaded yet, a flag's value …).
    process.stderr.write(`loadtest: ${defaultRedactor(err.message)}\n`);
    for (const line of err.details) process.stderr.write(`  ${defaultRedactor(line)}\n`);
    return err.exitCode;
  }
  // Not the user's mistake: a bug. Keep the stack so it can be reported.
  process.stderr.write(`loadtest: internal error: ${redactError(err, defaultRedactor, true)}\n`);
  return ExitCode.RUNTIME;
}
