// `loadtest stop [scenario] [--journal FILE]`: the kill switch of a running shift test. Creates the
// run's stop file (the scenario's `traffic.shift.stop_file`, else `<journal>.stop`; with a journal
// only, the stop file it names); the run sees it within a second, ends its step, restores every
// node's weights, writes its report (stopReason 'stopped', exit 130) and deletes the stop file.
// Then waits (up to --wait) for the run's journal to disappear, so the operator knows the weights are
// back. Exit 0 when they are (or no run was found), 6 when the run ended without restoring them,
// 1 when the run did not finish within --wait.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { loadScenario } from '../../scenario/load-scenario.js';
import { defaultStopFile } from '../../scenario/read-shift.js';
import { journalOwnerAlive, readJournal } from '../../traffic/shifters/journal.js';
import { createStopFile, removeStopFile } from '../../traffic/shifters/stop-file.js';
import type { SetExit } from '../commands.js';
import { defaultJournals } from './restore.js';

export interface StopCommandOptions {
  journal?: string;
  scenario?: string;
  /** How long to wait for the run to restore its weights (ms); 0: do not wait. */
  waitMs?: number;
  write?: (line: string) => void;
}

interface Target {
  journal: string;
  stopFile: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function stopCommand(opts: StopCommandOptions): Promise<number> {
  const write = opts.write ?? ((l: string) => process.stdout.write(l + '\n'));
  const stopFileOf = (journal: string): string => {
    try {
      return readJournal(journal)?.stopFile ?? defaultStopFile(journal);
    } catch {
      return defaultStopFile(journal);
    }
  };
  let targets: Target[];
  if (opts.scenario) {
    const s = await loadScenario(opts.scenario);
    if (s.traffic.kind !== 'shift') throw new UsageError(`${opts.scenario} does not shift traffic: there is no shift run to stop`);
    targets = [{ journal: s.traffic.journalFile, stopFile: s.traffic.stopFile }];
  } else if (opts.journal) {
    targets = [{ journal: opts.journal, stopFile: stopFileOf(opts.journal) }];
  } else {
    targets = defaultJournals().map((journal) => ({ journal, stopFile: stopFileOf(journal) }));
    if (targets.length === 0) {
      write('no weight journal in .loadtest/: no shift run to stop (name one: loadtest stop <scenario> or --journal FILE)');
      return ExitCode.OK;
    }
  }
  const waiting: Target[] = [];
  for (const t of targets) {
    await createStopFile(t.stopFile);
    if (existsSync(t.journal)) {
      write(`created ${t.stopFile}: the run journaling ${t.journal} stops within a second and restores its weights`);
      waiting.push(t);
    } else {
      // The run may still be starting (no journal yet): the file stops it as soon as it looks.
      write(`created ${t.stopFile}; no journal at ${t.journal}: no run is shifting weights now; a run started later refuses to start until you delete ${t.stopFile}`);
    }
  }
  const until = Date.now() + (opts.waitMs ?? 30_000);
  let code: number = ExitCode.OK;
  for (const t of waiting) {
    for (;;) {
      let j;
      try {
        j = readJournal(t.journal);
      } catch {
        j = undefined;
      }
      if (!j) {
        write(`stopped: the run put its weights back (${t.journal} is gone)`);
        break;
      }
      if (!journalOwnerAlive(j)) {
        // Its own pid is us only when we wrote it, never here; a dead owner with a journal left did not restore.
        await sleep(300); // the owner may have exited between restoring and deleting: look once more
        if (!existsSync(t.journal)) continue;
        // No run is left to see the stop file: remove it (the journal alone keeps new runs from starting).
        await removeStopFile(t.stopFile);
        write(`the run (pid ${j.pid}) ended but its journal ${t.journal} remains: weights NOT restored; run \`loadtest restore --journal ${t.journal}\``);
        code = ExitCode.UNRESTORED;
        break;
      }
      if (Date.now() >= until) {
        write(`the run (pid ${j.pid}) has not restored its weights yet; the stop file stays: check it, or run \`loadtest restore --journal ${t.journal}\` once it has ended`);
        if (code === ExitCode.OK) code = ExitCode.RUNTIME;
        break;
      }
      await sleep(100);
    }
  }
  return code;
}

export function registerStop(program: Command, setExit: SetExit): void {
  program
    .command('stop')
    .description('kill switch: make a running shift test stop within a second and put its weights back (it exits 130)')
    .argument('[scenario]', 'scenario of the run to stop (default: every run journaled in .loadtest/)')
    .option('--journal <file>', 'the weight journal of the run to stop')
    .option('--wait <seconds>', 'wait this long for the run to restore its weights (0: do not wait)', '30')
    .action(async (scenario: string | undefined, o: { journal?: string; wait: string }) => {
      const secs = Number(o.wait);
      if (!(secs >= 0)) throw new UsageError(`--wait: expected seconds ≥ 0, found '${o.wait}'`);
      setExit(
        await stopCommand({
          ...(o.journal ? { journal: o.journal } : {}),
          ...(scenario ? { scenario } : {}),
          waitMs: secs * 1000,
        }),
      );
    });
}
