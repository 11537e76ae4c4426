// The weight journal: the original weights, written to disk (atomically) BEFORE the first weight
// change and deleted only once they are put back. If the run dies (kill -9, power loss), the
// journal remains; `loadtest restore` replays it, and `loadtest run` refuses to start while it exists.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LoadtestError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';

export const JOURNAL_KIND = 'loadtest.weight-journal';

export interface WeightJournal {
  kind: typeof JOURNAL_KIND;
  version: 1;
  /** Which shifter wrote it: how to put the weights back. */
  shifter:
    | { type: 'haproxy'; socket?: string; address?: string; backend: string }
    | { type: 'command'; setWeight: string };
  /** Original weight of every server that may be changed. */
  weights: Record<string, number>;
  /** The run that wrote it. */
  pid: number;
  startedAt: string;
  scenario?: string;
}

/** Writes the journal atomically (temp file + rename) so a crash never leaves half a journal. */
export async function writeJournal(file: string, journal: WeightJournal): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(journal, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}

/** The journal at `file`, or undefined when there is none. Throws a clear error if it is unreadable. */
export function readJournal(file: string): WeightJournal | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LoadtestError(`weight journal ${file} is not valid JSON: ${(e as Error).message}`, ExitCode.UNRESTORED);
  }
  const j = parsed as Partial<WeightJournal>;
  const problems: string[] = [];
  if (j.kind !== JOURNAL_KIND) problems.push(`kind: expected "${JOURNAL_KIND}"`);
  if (j.version !== 1) problems.push('version: expected 1');
  if (!j.weights || typeof j.weights !== 'object') problems.push('weights: expected an object of server → weight');
  else for (const [s, w] of Object.entries(j.weights)) if (!Number.isInteger(w) || w < 0 || w > 256) problems.push(`weights.${s}: expected an integer 0..256`);
  const sh = j.shifter;
  if (!sh || (sh.type !== 'haproxy' && sh.type !== 'command')) problems.push('shifter.type: expected "haproxy" or "command"');
  else if (sh.type === 'haproxy' && (!sh.backend || (!sh.socket && !sh.address))) problems.push('shifter: expected backend and socket or address');
  else if (sh.type === 'command' && typeof sh.setWeight !== 'string') problems.push('shifter.setWeight: expected a command');
  if (problems.length > 0) throw new LoadtestError(`weight journal ${file} is not a loadtest journal`, ExitCode.UNRESTORED, problems);
  return j as WeightJournal;
}

export async function deleteJournal(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** True when the run that wrote the journal is still running (another process on this machine). */
export function journalOwnerAlive(j: Pick<WeightJournal, 'pid'>): boolean {
  return j.pid !== process.pid && pidAlive(j.pid);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Refuses to start while a journal is left from an earlier run: its weights may still be shifted,
 * and a new run would journal the shifted weights as "original". Exit code UNRESTORED (6).
 */
export function assertNoPendingJournal(file: string): void {
  const j = readJournal(file);
  if (!j) return;
  const alive = journalOwnerAlive(j);
  throw new LoadtestError(
    `an unrestored weight journal exists: ${file} (written by pid ${j.pid}${alive ? ', which is still running' : ''} at ${j.startedAt})`,
    ExitCode.UNRESTORED,
    [
      alive
        ? `another run may be shifting traffic now; wait for it, or stop it and run \`loadtest restore --journal ${file}\``
        : `run \`loadtest restore --journal ${file}\` to put the original weights back, or pass --restore-first`,
    ],
  );
}
