// The kill switch of a shift run: a file whose appearance ends the run. `loadtest stop` creates it;
// the running test polls for it (every 200 ms, so it stops well within a second), ends the step it is
// in (kept, marked partial), restores every node's weights and writes its report (stopReason
// 'stopped'). Polling, not fs.watch: the file's directory may not exist yet, and watch is unreliable
// on network file systems. A stop file left from before a run makes `loadtest run` refuse to start:
// someone asked for live tests to stop, and a new one starting would ignore them.
import { existsSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LoadtestError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';

/** The abort reason of a run ended by its stop file (find-capacity reports it as stopReason 'stopped'). */
export class StopRequested {
  constructor(readonly file: string) {}
}

export function isStopRequest(reason: unknown): reason is StopRequested {
  return reason instanceof StopRequested;
}

/** How often the running test looks for its stop file (ms): well under the one second it promises. */
export const STOP_POLL_MS = 200;

/** Calls `onStop` once when `file` appears; returns a function that stops watching. */
export function watchStopFile(file: string, onStop: () => void, everyMs = STOP_POLL_MS): () => void {
  const timer = setInterval(() => {
    if (!existsSync(file)) return;
    clearInterval(timer);
    onStop();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Refuses to start a shift run while its stop file exists (exit 2, nothing changed). */
export function assertNoStopFile(file: string): void {
  if (!existsSync(file)) return;
  let when = '';
  try {
    when = ` at ${statSync(file).mtime.toISOString()}`;
  } catch {
    /* gone meanwhile: still refuse, it was there */
  }
  throw new LoadtestError(`a stop file exists: ${file} (created${when} by \`loadtest stop\`): live tests were asked to stop; delete it to start a run (rm ${file})`, ExitCode.USAGE);
}

/** Creates the stop file (and its directory). Its content says who asked and when, for the operator. */
export async function createStopFile(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `stop requested by pid ${process.pid} at ${new Date().toISOString()}\n`);
}

export async function removeStopFile(file: string): Promise<void> {
  await rm(file, { force: true });
}
