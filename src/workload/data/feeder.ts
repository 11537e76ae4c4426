// Data feeders: a named table (CSV or JSON Lines) and the order its rows are handed out in.
// `{{ users.email }}` in a template takes one row per use of the feeder (next()) and reads its
// columns from that row (value() / bytes() / write()), so every column of one request comes from
// the same row.
//
// Orders (what varies by order lives in its picker):
// - sequential: rows 0, 1, 2, …, wrapping around; one cursor shared by every thread, so the run as
//   a whole walks the file in order (each thread's own share is interleaved).
// - random: uniform, with replacement, from the PRNG given to this thread (give each thread its
//   own seed, or they draw the same rows).
// - unique: each row at most once across all threads (a shared Int32 cursor advanced with
//   Atomics.add); when none is left next() returns -1 and the caller stops the run with
//   exhaustedMessage().
//
// Threads: the opening thread calls openFeeder (reads and checks the file once), passes
// feeder.share() to each worker_thread (in workerData: the SharedArrayBuffers are shared, not
// copied), and each worker calls attachFeeder(shared, { seed }) — no second read, no second copy.
import { LoadtestError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import type { DataOrder, DataSpec } from '../../scenario/scenario.js';
import { mulberry32 } from '../../traffic/generator/schedule.js';
import { CsvTable, scanCsv } from './csv-table.js';
import { JsonlTable, scanJsonl } from './jsonl-table.js';
import { displayPath, formatDataProblem, readErrorText, readShared, type DataFormat, type DataProblem, type ScanResult, type SharedTable, type Table } from './table.js';

export interface Feeder {
  readonly name: string;
  readonly order: DataOrder;
  /** Column names, in file order (CSV header) or order of first appearance (JSONL keys). */
  readonly columns: readonly string[];
  readonly rows: number;
  /** Row index for the next use, or -1 when a unique feeder ran out (then it stays -1). */
  next(): number;
  /** Index of a column by name, or -1 (for templates: resolve names once, at compile time). */
  column(name: string): number;
  /** Field of row r, column c, as text (decoded when asked; the last row's fields are cached). */
  value(r: number, c: number): string;
  /** The same field as UTF-8 bytes: often a view into the shared file buffer — read it, never write it, do not keep it. */
  bytes(r: number, c: number): Uint8Array;
  /** Copies the field's UTF-8 bytes into `out` at `at`; returns the count written, or -1 (nothing written) when they do not fit. */
  write(r: number, c: number, out: Uint8Array, at: number): number;
  /** This feeder in a form to post to a worker_thread; attachFeeder it there. */
  share(): SharedFeeder;
}

/** Structured-clone-safe: posting it shares the buffers (file bytes, row offsets, cursor) between threads. */
export interface SharedFeeder {
  name: string;
  order: DataOrder;
  table: SharedTable;
  /** Int32 × 1: rows handed out so far (sequential, unique). */
  cursor: SharedArrayBuffer;
}

/** The random source for `order: random`: a seed (mulberry32), or a PRNG returning [0, 1). */
export interface FeederOptions {
  seed?: number;
  random?: () => number;
}

/** A data file could not be used; `problems` are its lines (`users.csv:7: …`), one per problem. */
export class DataFileError extends LoadtestError {
  constructor(
    readonly dataName: string,
    readonly problems: readonly DataProblem[],
    file: string,
  ) {
    super(`data ${dataName}: ${displayPath(file)} cannot be used`, ExitCode.USAGE, problems.map((p) => formatDataProblem(file, p)));
    this.name = 'DataFileError';
  }
}

/** Reads and checks a data file: the table, or its problems (the file unreadable, or what is wrong inside, with lines). */
export function scanDataFile(format: DataFormat, file: string): ScanResult {
  let bytes: SharedArrayBuffer;
  try {
    bytes = readShared(file);
  } catch (e) {
    return { ok: false, problems: [{ message: e instanceof RangeError ? e.message : `cannot read the file: ${readErrorText(e)}` }] };
  }
  return format === 'csv' ? scanCsv(bytes, file) : scanJsonl(bytes, file);
}

/** What openFeeder needs of a DataSpec (the columns and rows it reads from the file again). */
export type FeederSpec = Pick<DataSpec, 'name' | 'format' | 'file' | 'order'>;

/**
 * Opens a feeder in this thread: reads and checks its file again (it may have changed since the
 * scenario was loaded; a DataFileError when it cannot be used).
 */
export function openFeeder(spec: FeederSpec, opts: FeederOptions = {}): Feeder {
  const scanned = scanDataFile(spec.format, spec.file);
  if (!scanned.ok) throw new DataFileError(spec.name, scanned.problems, spec.file);
  return attachFeeder({ name: spec.name, order: spec.order, table: scanned.table, cursor: new SharedArrayBuffer(4) }, opts);
}

/** A feeder over a shared one (from share(), e.g. in a worker_thread): same rows, same cursor. */
export function attachFeeder(shared: SharedFeeder, opts: FeederOptions = {}): Feeder {
  return new SharedTableFeeder(shared, opts);
}

/** The line a run stops with when a unique feeder has no row left. */
export function exhaustedMessage(f: { name: string; rows: number }): string {
  return `data ${f.name}: all ${f.rows} rows used (order: unique); the run stops here`;
}

class SharedTableFeeder implements Feeder {
  readonly name: string;
  readonly order: DataOrder;
  readonly columns: readonly string[];
  readonly rows: number;
  readonly next: () => number;
  private readonly table: Table;

  constructor(private readonly shared: SharedFeeder, opts: FeederOptions) {
    this.name = shared.name;
    this.order = shared.order;
    this.table = shared.table.format === 'csv' ? new CsvTable(shared.table) : new JsonlTable(shared.table);
    this.columns = this.table.columns;
    this.rows = this.table.rows;
    this.next = picker(shared.order, this.rows, new Int32Array(shared.cursor), opts);
  }

  column(name: string): number {
    return this.columns.indexOf(name);
  }
  value(r: number, c: number): string {
    return this.table.value(r, c);
  }
  bytes(r: number, c: number): Uint8Array {
    return this.table.bytes(r, c);
  }
  write(r: number, c: number, out: Uint8Array, at: number): number {
    return this.table.write(r, c, out, at);
  }
  share(): SharedFeeder {
    return this.shared;
  }
}

function picker(order: DataOrder, rows: number, cursor: Int32Array, opts: FeederOptions): () => number {
  switch (order) {
    case 'sequential':
      // Unsigned: the count wraps at 2^32 (one jump back to an arbitrary row every 4 billion uses).
      return () => (Atomics.add(cursor, 0, 1) >>> 0) % rows;
    case 'random': {
      const rand = opts.random ?? mulberry32(opts.seed ?? 1);
      return () => Math.floor(rand() * rows);
    }
    case 'unique':
      return () => {
        // Once out, stay out without advancing: the count then cannot creep towards overflow.
        if (Atomics.load(cursor, 0) >= rows) return -1;
        const r = Atomics.add(cursor, 0, 1);
        return r < rows ? r : -1;
      };
  }
}
