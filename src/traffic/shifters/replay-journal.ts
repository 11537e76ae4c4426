// Replays a weight journal left by a run that died (kill -9, crash, lost machine): puts every
// journaled weight back through the same socket or command, then deletes the journal.
import { LoadtestError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { commandWeightControl } from './command-shifter.js';
import { HaproxyRuntime, describeAddress } from './haproxy-runtime.js';
import { deleteJournal, journalOwnerAlive, readJournal, type WeightJournal } from './journal.js';
import { restoreWeights, type RestoreOptions } from './restore-weights.js';

export interface ReplayOutcome {
  /** True when there was a journal and every weight was put back. */
  restored: boolean;
  /** False when there was no journal at all. */
  found: boolean;
  lines: string[];
}

function setterFor(j: WeightJournal): { where: string; set: (server: string, w: number) => Promise<void> } {
  const sh = j.shifter;
  if (sh.type === 'haproxy') {
    const rt = new HaproxyRuntime({ socket: sh.socket, address: sh.address });
    return { where: `HAProxy ${describeAddress(rt.addr)} backend ${sh.backend}`, set: (s, w) => rt.setWeight(sh.backend, s, w) };
  }
  const control = commandWeightControl({ pool: Object.keys(j.weights), getWeight: '', setWeight: sh.setWeight });
  return { where: 'set_weight command', set: (s, w) => control.setWeight(s, w) };
}

/** Restores the weights of the journal at `file` and deletes it. Never leaves a half-deleted journal. */
export async function replayJournal(file: string, opts: RestoreOptions = {}): Promise<ReplayOutcome> {
  const j = readJournal(file);
  if (!j) return { restored: false, found: false, lines: [`no weight journal at ${file}: nothing to restore`] };
  const { where, set } = setterFor(j);
  const lines = [`journal ${file}: written by pid ${j.pid} at ${j.startedAt}${j.scenario ? ` ("${j.scenario}")` : ''}`];
  if (journalOwnerAlive(j)) lines.push(`warning: pid ${j.pid} is still running; if it is that run, it may change the weights again`);
  const outcome = await restoreWeights(j.weights, set, opts);
  lines.push(...outcome.messages.map((m) => `${m} (${where})`));
  if (!outcome.ok) {
    lines.push(`the journal is kept at ${file}; fix access to ${where} and run \`loadtest restore --journal ${file}\` again`);
    return { restored: false, found: true, lines };
  }
  await deleteJournal(file);
  lines.push(`deleted ${file}`);
  return { restored: true, found: true, lines };
}

/** As replayJournal, but throws UNRESTORED when weights could not be put back. */
export async function replayJournalOrThrow(file: string, opts: RestoreOptions = {}): Promise<string[]> {
  const r = await replayJournal(file, opts);
  if (r.found && !r.restored) throw new LoadtestError(`weights could not be restored from ${file}`, ExitCode.UNRESTORED, r.lines);
  return r.lines;
}
