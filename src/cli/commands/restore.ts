// `loadtest restore [scenario] [--journal FILE]`: puts back the original weights journaled by a
// shift run that did not finish (kill -9, crash), then deletes the journal. Prints what it did.
// Exit 0 when restored (or nothing to restore), 6 (UNRESTORED) when weights could not be put back.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { loadScenario } from '../../scenario/load-scenario.js';
import { JOURNAL_KIND, readJournal } from '../../traffic/shifters/journal.js';
import { replayJournal } from '../../traffic/shifters/replay-journal.js';
import type { SetExit } from '../commands.js';

export interface RestoreCommandOptions {
  journal?: string;
  scenario?: string;
  /** How long to retry an unreachable socket (ms). */
  deadlineMs?: number;
  write?: (line: string) => void;
}

/** Journals in the default directory `.loadtest/` (what `run` writes unless `journal:` says otherwise). */
export function defaultJournals(): string[] {
  let names: string[];
  try {
    names = readdirSync('.loadtest');
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => join('.loadtest', n))
    .filter((f) => {
      try {
        return readJournal(f)?.kind === JOURNAL_KIND;
      } catch {
        return false;
      }
    });
}

export async function restoreCommand(opts: RestoreCommandOptions): Promise<number> {
  const write = opts.write ?? ((l: string) => process.stdout.write(l + '\n'));
  let files: string[];
  if (opts.journal) files = [opts.journal];
  else if (opts.scenario) {
    const s = await loadScenario(opts.scenario);
    if (s.traffic.kind !== 'shift') throw new UsageError(`${opts.scenario} does not shift traffic: there is no weight journal to restore`);
    files = [s.traffic.journalFile];
  } else {
    files = defaultJournals();
    if (files.length === 0) {
      write('no weight journal found in .loadtest/: nothing to restore (use --journal FILE for another path)');
      return ExitCode.OK;
    }
  }
  let code: number = ExitCode.OK;
  for (const f of files) {
    const r = await replayJournal(f, opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {});
    for (const l of r.lines) write(l);
    if (r.found && !r.restored) code = ExitCode.UNRESTORED;
  }
  return code;
}

export function registerRestore(program: Command, setExit: SetExit): void {
  program
    .command('restore')
    .description('put back the original weights journaled by a shift run that did not finish, then delete the journal (exit 6 if it cannot)')
    .argument('[scenario]', 'scenario whose journal to replay (default: every journal in .loadtest/)')
    .option('--journal <file>', 'the weight journal to replay')
    .option('--deadline <seconds>', 'retry an unreachable socket for this long', '20')
    .action(async (scenario: string | undefined, o: { journal?: string; deadline: string }) => {
      const secs = Number(o.deadline);
      if (!(secs >= 0)) throw new UsageError(`--deadline: expected seconds ≥ 0, found '${o.deadline}'`);
      setExit(
        await restoreCommand({
          ...(o.journal ? { journal: o.journal } : {}),
          ...(scenario ? { scenario } : {}),
          deadlineMs: secs * 1000,
        }),
      );
    });
}
