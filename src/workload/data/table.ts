// A data file held as one shared byte buffer plus a typed array of row offsets: the form every
// feeder reads from, whatever the file's format. Fields are decoded only when a row is used, so a
// 1,000,000-row file costs its own size plus 4 bytes a row, not a million small strings. Both
// buffers are SharedArrayBuffers: worker threads attach to the same memory instead of copying it.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { relative } from 'node:path';

export type DataFormat = 'csv' | 'jsonl';

/** A problem in a data file: a line (and column) of that file, or none when the file itself is the problem. */
export interface DataProblem {
  /** 1-based line of the data file. */
  line?: number;
  /** 1-based column (characters) within the line. */
  col?: number;
  message: string;
}

/**
 * A scanned data file in a form worker_threads can share: post it (in workerData or a message)
 * and the SharedArrayBuffers are shared, not copied. Plain data otherwise; attach with attachTable.
 */
export interface SharedTable {
  format: DataFormat;
  /** Absolute path, for messages. */
  file: string;
  columns: string[];
  rows: number;
  /** The file's bytes, exactly as read (BOM included). */
  bytes: SharedArrayBuffer;
  /** Uint32 × (at least rows + 1): where row r begins; entry `rows` is the end of the data. */
  rowStarts: SharedArrayBuffer;
}

/**
 * Row-by-column access to a scanned file. Not thread-safe by design: each thread attaches its own
 * Table (a one-row decode cache lives in it) over the shared bytes. Rows and columns are 0-based;
 * an index out of range throws a RangeError.
 */
export interface Table {
  readonly columns: readonly string[];
  readonly rows: number;
  /** The field of row r, column c, as text. A JSONL value that is not a string is stringified (see jsonl-table.ts). */
  value(r: number, c: number): string;
  /**
   * The same field as UTF-8 bytes. Often a view into the shared file buffer (no copy): read it,
   * never write to it, and do not keep it past the next call.
   */
  bytes(r: number, c: number): Uint8Array;
  /** Copies the field's UTF-8 bytes into `out` at `at`; returns the number written, or -1 (nothing written) when they do not fit. */
  write(r: number, c: number, out: Uint8Array, at: number): number;
}

export type ScanResult = { ok: true; table: SharedTable } | { ok: false; problems: DataProblem[] };

/** Uint32 row offsets: a file this size or larger is refused (stated in the problem). */
export const MAX_FILE_BYTES = 0xffff_ffff;

/** Problems reported per file at most; the rest are counted in one closing line. */
export const MAX_PROBLEMS = 5;

/**
 * Reads a whole file into a SharedArrayBuffer, read straight into it (no second copy). Throws
 * the fs error (ENOENT, EACCES, EISDIR, …); a file past MAX_FILE_BYTES throws a RangeError.
 */
export function readShared(file: string): SharedArrayBuffer {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size >= MAX_FILE_BYTES) throw new RangeError(`is ${size} bytes; data files are limited to 4 GiB`);
    const sab = new SharedArrayBuffer(size);
    const view = Buffer.from(sab);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, view, at, size - at, at);
      if (n === 0) break; // the file shrank while read: keep what is there
      at += n;
    }
    return at === size ? sab : sliceShared(sab, at);
  } finally {
    closeSync(fd);
  }
}

function sliceShared(sab: SharedArrayBuffer, length: number): SharedArrayBuffer {
  const out = new SharedArrayBuffer(length);
  new Uint8Array(out).set(new Uint8Array(sab, 0, length));
  return out;
}

/** Why a file could not be read, in a few words (`no such file`, `permission denied`, …). */
export function readErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (e as Error).message;
}

/** The path to show a user: relative to the working directory when below it, else absolute. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith('/') ? rel : file;
}

/** `users.csv:7:5: message`, or `users.csv: message` for a problem without a line. */
export function formatDataProblem(file: string, p: DataProblem): string {
  const where = p.line === undefined ? '' : p.col === undefined ? `:${p.line}` : `:${p.line}:${p.col}`;
  return `${displayPath(file)}${where}: ${p.message}`;
}

/**
 * Growable Uint32 list of row starts, kept in a SharedArrayBuffer from the start and sized from a
 * sample of the file, so a large file is not indexed through a chain of discarded, doubling arrays.
 */
export class OffsetList {
  private sab: SharedArrayBuffer;
  private a: Uint32Array;
  length = 0;
  constructor(bytes: Uint8Array) {
    this.sab = new SharedArrayBuffer(estimateRows(bytes) * 4);
    this.a = new Uint32Array(this.sab);
  }
  push(v: number): void {
    if (this.length === this.a.length) {
      this.sab = new SharedArrayBuffer(Math.ceil(this.a.length * 1.5 + 16) * 4);
      const b = new Uint32Array(this.sab);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
  /** The offsets; a few unused entries may follow them (readers index by row count, never by length). */
  toShared(): SharedArrayBuffer {
    if (this.a.length - this.length <= this.a.length / 8) return this.sab;
    const sab = new SharedArrayBuffer(this.length * 4);
    new Uint32Array(sab).set(this.a.subarray(0, this.length));
    return sab;
  }
}

/** Rows (plus one) expected in a file, from the line ends in its first 64 KiB, with 5% to spare. */
function estimateRows(b: Uint8Array): number {
  const sample = Math.min(b.length, 64 * 1024);
  let lines = 1;
  for (let i = 0; i < sample; i++) if (b[i] === 0x0a) lines++;
  if (sample === b.length) return lines + 1;
  // Never more than one row per 2 bytes ("x\n"): a sample of blank lines must not reserve 4× the file.
  return Math.min(Math.ceil((lines / sample) * b.length * 1.05) + 16, Math.ceil(b.length / 2) + 2);
}

/**
 * 1-based line and column of byte offsets in increasing order (problems are found front to back):
 * counts from the previous answer, so reporting several problems stays one pass over the file.
 */
export class Locator {
  private at = 0;
  private line = 1;
  private lineStart = 0;
  constructor(private readonly buf: Uint8Array) {}
  locate(offset: number): { line: number; col: number } {
    if (offset < this.at) {
      this.at = 0;
      this.line = 1;
      this.lineStart = 0;
    }
    const b = this.buf;
    for (let i = this.at; i < offset && i < b.length; i++) {
      if (b[i] === 0x0a) {
        this.line++;
        this.lineStart = i + 1;
      }
    }
    this.at = offset;
    // Columns count characters: UTF-8 continuation bytes (10xxxxxx) do not start one.
    let col = 1;
    for (let i = this.lineStart; i < offset && i < b.length; i++) if ((b[i]! & 0xc0) !== 0x80) col++;
    return { line: this.line, col };
  }
}

/** Length of a UTF-8 byte order mark at the start, 0 or 3. */
export function bomLength(b: Uint8Array): number {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
}

/** Collects problems up to MAX_PROBLEMS and counts the rest. */
export class ProblemList {
  readonly items: DataProblem[] = [];
  private more = 0;
  constructor(private readonly what: string) {}
  add(p: DataProblem): void {
    if (this.items.length < MAX_PROBLEMS) this.items.push(p);
    else this.more++;
  }
  get count(): number {
    return this.items.length + this.more;
  }
  done(): DataProblem[] {
    return this.more > 0 ? [...this.items, { message: `… and ${this.more} more ${this.what}` }] : this.items;
  }
}
