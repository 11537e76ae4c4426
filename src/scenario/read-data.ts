// `data:` → feeders by name: `users: { csv: data/users.csv, order: unique }`. Each file is read
// and checked here, at load time (the same scan a run does), so `loadtest validate` reports a
// missing file, a quote never closed or a ragged row before anything is sent: each problem at the
// file's key in the scenario, quoting the data file's own line (`users.csv:7: …`).
import { dirname, resolve } from 'node:path';
import { scanDataFile } from '../workload/data/feeder.js';
import { headerUnsafeColumns } from '../workload/data/data-scope.js';
import { formatDataProblem } from '../workload/data/table.js';
import { didYouMean } from './did-you-mean.js';
import { HINTS, KEYS } from './fields.js';
import type { DataOrder, DataSpec } from './scenario.js';
import { describeValue } from './values.js';
import type { MapView, Reader } from './yaml-reader.js';

export const DATA_ORDERS: readonly DataOrder[] = ['sequential', 'random', 'unique'];

/** What a feeder's name must look like: it is the first part of `{{ users.email }}`. */
export const DATA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names templates use for their own values, not free for data (with an example of each use). */
export const RESERVED_DATA_NAMES: Readonly<Record<string, string>> = {
  seq: '{{ seq }}',
  random: '{{ random.int(1, 100) }}',
  uuid: '{{ uuid }}',
  now: '{{ now.ms }}',
};

/**
 * The feeders, {} when `data:` is empty, undefined when anything is wrong (problems recorded).
 * `good`/`broken`: what could and could not be read, for the templates' scope either way.
 */
export function readData(r: Reader, root: MapView, seen: { good: Record<string, DataSpec>; broken: string[] } = { good: {}, broken: [] }): Record<string, DataSpec> | undefined {
  const m = root.child('data', 'any');
  if (!m) return undefined;
  const base = dirname(resolve(r.file));
  const out: Record<string, DataSpec> = {};
  let ok = true;
  for (const name of m.keys()) {
    const path = m.p(name);
    const spec = readOne(r, m, name, path, base);
    if (spec) out[name] = seen.good[name] = spec;
    else {
      ok = false;
      seen.broken.push(name);
    }
  }
  return ok ? out : undefined;
}

function readOne(r: Reader, data: MapView, name: string, path: string, base: string): DataSpec | undefined {
  let ok = true;
  if (!DATA_NAME.test(name)) {
    r.report(path, `'${name}' cannot name data: templates refer to it as {{ ${name}.<column> }}, so use letters, digits and _ (not first a digit)`, data.keyOffset(name));
    ok = false;
  } else if (Object.hasOwn(RESERVED_DATA_NAMES, name)) {
    r.report(path, `'${name}' is a name templates use for their own values (${RESERVED_DATA_NAMES[name]}); choose another name for this data`, data.keyOffset(name));
    ok = false;
  }
  const m = r.map(data.get(name), path, KEYS.data, data.keyOffset(name), HINTS.data);
  if (!m) return undefined;
  let order: DataOrder = 'sequential';
  if (m.has('order')) {
    const v = r.value(m.get('order'), m.p('order'));
    if (v.failed) ok = false;
    else if (typeof v.value === 'string' && (DATA_ORDERS as readonly string[]).includes(v.value)) order = v.value as DataOrder;
    else {
      const found = typeof v.value === 'string' ? `'${v.value}'${didYouMean(v.value, DATA_ORDERS)}` : describeValue(v.value);
      r.reportAt(m.get('order'), m.p('order'), `expected sequential, random or unique, found ${found}`);
      ok = false;
    }
  }
  const formats = (['csv', 'jsonl'] as const).filter((k) => m.has(k));
  if (formats.length !== 1) {
    // An unknown key was reported with a suggestion or a hint (`cvs:`, `file:`): that says it.
    if (formats.length === 0 && m.rejected > 0) return undefined;
    r.report(path, formats.length === 0 ? 'give the file as csv: <path> or jsonl: <path>' : 'give either csv: or jsonl:, not both', formats.length === 0 ? m.anchor : m.keyOffset(formats[1]!));
    return undefined;
  }
  const format = formats[0]!;
  const node = m.get(format);
  const written = r.text(node, m.p(format), 'the path of a data file', false);
  if (written === undefined) return undefined;
  if (written.trim() === '') {
    r.reportAt(node, m.p(format), 'expected the path of a data file, found an empty string');
    return undefined;
  }
  const file = resolve(base, written);
  // Only a well-formed entry is worth reading: its problems would otherwise hide behind the syntax.
  if (!ok) return undefined;
  const scanned = scanDataFile(format, file);
  if (!scanned.ok) {
    for (const p of scanned.problems) r.reportAt(node, m.p(format), formatDataProblem(file, p));
    return undefined;
  }
  const spec: DataSpec = { name, format, file, order, columns: scanned.table.columns, rows: scanned.table.rows };
  const unsafe = headerUnsafeColumns(scanned.table);
  if (Object.keys(unsafe).length > 0) spec.headerUnsafe = unsafe;
  return spec;
}
