// Replays a weight journal left by a run that died (kill -9, crash, lost machine): puts every
// journaled weight back on every journaled node through the same socket or command, then deletes it.
import { LoadtestError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { commandWeightControl } from './command-shifter.js';
import { HaproxyRuntime, describeAddress } from './haproxy-runtime.js';
import { deleteJournal, journalNodes, journalOf, journalOwnerAlive, readJournal, writeJournal, type JournalNode } from './journal.js';
import { restoreWeights, type RestoreOptions } from './restore-weights.js';

export interface ReplayOutcome {
  /** True when there was a journal and every weight was put back. */
  restored: boolean;
  /** False when there was no journal at all. */
  found: boolean;
  lines: string[];
}

function setterFor(n: JournalNode): { where: string; set: (server: string, w: number) => Promise<void> } {
  const sh = n.shifter;
  if (sh.type === 'haproxy') {
    const rt = new HaproxyRuntime({ socket: sh.socket, address: sh.address });
    return { where: `HAProxy ${describeAddress(rt.addr)} backend ${sh.backend}`, set: (s, w) => rt.setWeight(sh.backend, s, w) };
  }
  const control = commandWeightControl({ pool: Object.keys(n.weights), getWeight: '', setWeight: sh.setWeight });
  return { where: 'set_weight command', set: (s, w) => control.setWeight(s, w) };
}

/**
 * Restores the weights of the journal at `file` on every node it lists (in parallel), then deletes
 * it. When some nodes cannot be reached, the journal is rewritten with only those: a later restore
 * does not touch the nodes already put back. Never leaves a half-written journal.
 */
export async function replayJournal(file: string, opts: RestoreOptions = {}): Promise<ReplayOutcome> {
  const j = readJournal(file);
  if (!j) return { restored: false, found: false, lines: [`no weight journal at ${file}: nothing to restore`] };
  const nodes = journalNodes(j);
  const lines = [`journal ${file}: written by pid ${j.pid} at ${j.startedAt}${j.scenario ? ` ("${j.scenario}")` : ''}${nodes.length > 1 ? `, ${nodes.length} nodes` : ''}`];
  if (journalOwnerAlive(j)) lines.push(`warning: pid ${j.pid} is still running; if it is that run, it may change the weights again`);
  const setters = nodes.map(setterFor);
  const outcomes = await Promise.all(nodes.map((n, i) => restoreWeights(n.weights, setters[i]!.set, opts)));
  outcomes.forEach((o, i) => lines.push(...o.messages.map((m) => `${m} (${setters[i]!.where})`)));
  const left = nodes.filter((_, i) => !outcomes[i]!.ok);
  if (left.length > 0) {
    if (left.length < nodes.length) await writeJournal(file, journalOf(left, j));
    const where = left.map((n) => setterFor(n).where).join(', ');
    lines.push(`the journal is kept at ${file}${left.length < nodes.length ? ' with only the nodes not restored' : ''}; fix access to ${where} and run \`loadtest restore --journal ${file}\` again`);
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
