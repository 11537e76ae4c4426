// Runs `loadtest <args>` in this process (no child, no build), mapping a thrown error to its exit
// code and stderr lines as main() does: for CLI tests of flags, messages and exit codes.
import { Command, CommanderError } from 'commander';
import { vi } from 'vitest';
import { registerCommands } from '../../src/cli/commands.js';
import { LoadtestError } from '../../src/errors.js';
import { ExitCode } from '../../src/exit-codes.js';

export interface CliResult {
  /** What main() would exit with. */
  code: number;
  out: string;
  /** What main() would print on stderr for a thrown error: `loadtest: message` and its detail lines. */
  err: string[];
}

/** Stdout is captured with a spy: restore mocks after each test (vi.restoreAllMocks). */
export async function cliInProcess(...args: string[]): Promise<CliResult> {
  let out = '';
  const program = new Command('loadtest').exitOverride().configureOutput({ writeOut: (s) => void (out += s), writeErr: () => {} });
  let code: number = ExitCode.OK;
  registerCommands(program, (c) => (code = c));
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(['node', 'loadtest', ...args]);
    return { code, out, err: [] };
  } catch (e) {
    if (e instanceof LoadtestError) return { code: e.exitCode, out, err: [`loadtest: ${e.message}`, ...e.details.map((l) => `  ${l}`)] };
    if (e instanceof CommanderError) return { code: e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE, out, err: [e.message] };
    throw e;
  }
}
