// What `loadtest run` does around a shift run: refuse to start while an unrestored journal exists
// (or replay it first with --restore-first), print the weight plan for --dry-run, and turn weights
// that could not be put back into exit code 6 (UNRESTORED).
import { ExitCode } from '../../exit-codes.js';
import { rampLevels } from '../../scenario/ramp.js';
import type { Scenario } from '../../scenario/scenario.js';
import type { Traffic } from '../traffic.js';
import { createShifter } from './create-shifter.js';
import { assertNoPendingJournal, journalOwnerAlive, readJournal } from './journal.js';
import { assertNoStopFile } from './stop-file.js';
import { replayJournalOrThrow } from './replay-journal.js';
import type { ShiftTraffic } from './shift-traffic.js';

/**
 * Before a run: with restoreFirst, replays a journal left by an earlier run (printing what it did);
 * otherwise refuses (exit 6) while one exists. No-op in generate mode.
 */
export async function beforeShiftRun(scenario: Scenario, restoreFirst: boolean, write: (line: string) => void): Promise<void> {
  if (scenario.traffic.kind !== 'shift') return;
  // A stop file left from before: someone asked live tests to stop; refuse (exit 2) until it is removed.
  assertNoStopFile(scenario.traffic.stopFile);
  const file = scenario.traffic.journalFile;
  const pending = readJournal(file);
  if (restoreFirst && !(pending && journalOwnerAlive(pending))) {
    const lines = await replayJournalOrThrow(file);
    if (!lines[0]?.startsWith('no weight journal')) for (const l of lines) write(`restore-first: ${l}`);
    return;
  }
  // No journal, or (even with --restore-first) one whose run is still going: never fight a live run.
  assertNoPendingJournal(file);
}

/**
 * --dry-run: the weights every ramp level would set (refinement levels lie between two of them).
 * Reads the current weights (checking socket level and algorithm), changes nothing, sends nothing.
 */
export async function shiftDryRun(scenario: Scenario, write: (line: string) => void): Promise<number> {
  if (scenario.traffic.kind !== 'shift') {
    const levels = rampLevels(scenario.load);
    write(`dry run: ${levels.length} ramp steps of ${scenario.load.stepDurationMs / 1000}s: ${levels.map((l) => `${l} rps`).join(', ')}; nothing sent`);
    return ExitCode.OK;
  }
  const shifter = createShifter(scenario);
  write(`dry run: nothing is changed; weights each ramp level would set (journal: ${scenario.traffic.journalFile})`);
  for (const l of await shifter.planLines(rampLevels(scenario.load))) write(l);
  return ExitCode.OK;
}

/** Exit code 6 when a shift run could not put its weights back (the journal was kept). */
export function unrestoredExitCode(traffic: Traffic | undefined, exitCode: number, write: (line: string) => void): number {
  const shift = traffic?.kind === 'shift' ? (traffic as ShiftTraffic) : undefined;
  if (shift && 'restored' in shift && shift.restored === false) {
    write('loadtest: weights could NOT be restored; the journal is kept: run `loadtest restore` (exit 6)');
    return ExitCode.UNRESTORED;
  }
  return exitCode;
}
