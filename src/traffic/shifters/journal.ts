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

/** How to reach one load-balancer node (or the user's set_weight command) to put its weights back. */
export type JournalShifter = { type: 'haproxy'; socket?: string; address?: string; backend: string } | { type: 'command'; setWeight: string };

/** One node's original weights. */
export interface JournalNode {
  shifter: JournalShifter;
  weights: Record<string, number>;
}

/**
 * Version 1 (one node, as every run wrote before the list form): `shifter` + `weights`.
 * Version 2 (several nodes): the same two fields for the first node, and `nodes` with every node
 * (the first included); readers use `nodes` (journalNodes()). A run whose restore put some nodes
 * back rewrites the journal with only the nodes still to restore.
 */
export interface WeightJournal {
  kind: typeof JOURNAL_KIND;
  version: 1 | 2;
  /** Which shifter wrote it: how to put the weights back (the first node in version 2). */
  shifter: JournalShifter;
  /** Original weight of every server that may be changed (the first node's in version 2). */
  weights: Record<string, number>;
  /** Version 2: every node with its original weights. */
  nodes?: JournalNode[];
  /** The running test's kill switch (`loadtest stop` creates it). */
  stopFile?: string;
  /** The run that wrote it. */
  pid: number;
  startedAt: string;
  scenario?: string;
}

/** Every node of a journal: version 2's `nodes`, or version 1's one shifter and weights. */
export function journalNodes(j: Pick<WeightJournal, 'shifter' | 'weights' | 'nodes'>): JournalNode[] {
  return j.nodes ?? [{ shifter: j.shifter, weights: j.weights }];
}

/** A journal of these nodes: version 1 for one node (unchanged format), version 2 for several. */
export function journalOf(nodes: JournalNode[], meta: Pick<WeightJournal, 'pid' | 'startedAt' | 'scenario' | 'stopFile'>): WeightJournal {
  const first = nodes[0]!;
  return {
    kind: JOURNAL_KIND,
    version: nodes.length > 1 ? 2 : 1,
    shifter: first.shifter,
    weights: first.weights,
    ...(nodes.length > 1 ? { nodes } : {}),
    ...(meta.stopFile !== undefined ? { stopFile: meta.stopFile } : {}),
    pid: meta.pid,
    startedAt: meta.startedAt,
    ...(meta.scenario !== undefined ? { scenario: meta.scenario } : {}),
  };
}

function nodeProblems(n: Partial<JournalNode> | undefined, at: string): string[] {
  const problems: string[] = [];
  if (!n || typeof n !== 'object') return [`${at}: expected an object`];
  const w = n.weights;
  if (!w || typeof w !== 'object') problems.push(`${at}weights: expected an object of server → weight`);
  else for (const [s, v] of Object.entries(w)) if (!Number.isInteger(v) || v < 0 || v > 256) problems.push(`${at}weights.${s}: expected an integer 0..256`);
  const sh = n.shifter;
  if (!sh || (sh.type !== 'haproxy' && sh.type !== 'command')) problems.push(`${at}shifter.type: expected "haproxy" or "command"`);
  else if (sh.type === 'haproxy' && (!sh.backend || (!sh.socket && !sh.address))) problems.push(`${at}shifter: expected backend and socket or address`);
  else if (sh.type === 'command' && typeof sh.setWeight !== 'string') problems.push(`${at}shifter.setWeight: expected a command`);
  return problems;
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
  if (j.version !== 1 && j.version !== 2) problems.push('version: expected 1 or 2');
  problems.push(...nodeProblems(j, ''));
  if (j.version === 2) {
    if (!Array.isArray(j.nodes) || j.nodes.length === 0) problems.push('nodes: expected a list of { shifter, weights }');
    else j.nodes.forEach((n, i) => problems.push(...nodeProblems(n, `nodes[${i}].`)));
  }
  if (j.stopFile !== undefined && typeof j.stopFile !== 'string') problems.push('stopFile: expected a file path');
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
