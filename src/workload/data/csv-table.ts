// CSV per RFC 4180 → a Table: the first row names the columns, every row has as many fields.
// Fields may be quoted ("…"), a quote inside is doubled (""), and a quoted field may hold commas,
// CR and LF. Lines end with CRLF or LF; the last may lack one; a UTF-8 BOM is skipped; blank lines
// are skipped (a single empty value is written ""). Lenient where RFC 4180 is strict but the
// meaning is plain: a quote inside an unquoted field is taken literally (5'10"). Errors: a quoted
// field never closed, text after a closing quote, a CR not followed by LF outside quotes, a header
// that is missing or names a column twice, a row with the wrong number of fields.
//
// The scan checks the whole file once and records where each row begins; a row's fields are found
// again when the row is used (a short walk over its bytes, cached for the last row).
import { bomLength, Locator, OffsetList, ProblemList, type DataProblem, type ScanResult, type SharedTable, type Table } from './table.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** What a column name must look like: what `{{ users.<column> }}` can refer to. */
export const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Scans CSV bytes: every problem (up to MAX_PROBLEMS), or the table. `file` is kept for messages. */
export function scanCsv(bytes: SharedArrayBuffer, file: string): ScanResult {
  const b = new Uint8Array(bytes);
  const n = b.length;
  const loc = new Locator(b);
  const problems = new ProblemList('rows with the wrong number of fields');
  const starts = new OffsetList(b);
  let header: { start: number; end: number; fields: number } | undefined;
  let i = bomLength(b);
  const fail = (offset: number, message: string): ScanResult => ({ ok: false, problems: [...problems.done(), { ...loc.locate(offset), message }] });

  for (;;) {
    // Blank lines between rows are skipped.
    while (i < n && (b[i] === LF || (b[i] === CR && b[i + 1] === LF))) i += b[i] === LF ? 1 : 2;
    if (i >= n) break;
    const rowStart = i;
    let fields = 1;
    let rowEnd = -1;
    while (rowEnd < 0) {
      if (i < n && b[i] === QUOTE) {
        const open = i++;
        for (;;) {
          const q = b.indexOf(QUOTE, i);
          if (q < 0) return fail(open, 'this quoted field is never closed (a quote inside a quoted field is written "")');
          if (b[q + 1] === QUOTE) i = q + 2;
          else {
            i = q + 1;
            break;
          }
        }
        if (i < n && b[i] !== COMMA && b[i] !== LF && !(b[i] === CR && b[i + 1] === LF)) {
          return fail(i, 'unexpected text after a closing quote (a quote inside a quoted field is written "")');
        }
      } else {
        while (i < n && b[i] !== COMMA && b[i] !== LF && b[i] !== CR) i++;
        if (i < n && b[i] === CR && b[i + 1] !== LF) return fail(i, 'a carriage return (CR) outside quotes that does not end a line; line ends are LF or CRLF');
      }
      if (i >= n) rowEnd = n;
      else if (b[i] === COMMA) {
        fields++;
        i++;
      } else {
        rowEnd = i;
        i += b[i] === LF ? 1 : 2;
      }
    }
    if (!header) {
      header = { start: rowStart, end: rowEnd, fields };
      continue;
    }
    if (fields !== header.fields) {
      const { line } = loc.locate(rowStart);
      problems.add({ line, message: `this row has ${fields} field${fields === 1 ? '' : 's'}, the header has ${header.fields}` });
    }
    starts.push(rowStart);
  }

  if (!header) return { ok: false, problems: [{ message: 'the file is empty; a CSV feeder needs a header row naming its columns (e.g. id,email) and at least one row' }] };
  const text = Buffer.from(bytes);
  const columns = decodeFields(b, header.start, header.end, header.fields).map(([s, e, escaped]) => unescape(text.toString('utf8', s, e), escaped));
  const headerLine = loc.locate(header.start).line;
  const headerProblems = checkHeader(columns, headerLine);
  if (headerProblems.length > 0) return { ok: false, problems: headerProblems };
  if (starts.length === 0 && problems.count === 0) {
    return { ok: false, problems: [{ line: headerLine, message: `the file has a header (${columns.join(',')}) but no rows` }] };
  }
  if (problems.count > 0) return { ok: false, problems: problems.done() };
  starts.push(n);
  const table: SharedTable = { format: 'csv', file, columns, rows: starts.length - 1, bytes, rowStarts: starts.toShared() };
  return { ok: true, table };
}

function checkHeader(columns: string[], line: number): DataProblem[] {
  const bad = columns.filter((c) => !COLUMN_NAME.test(c));
  const shown = columns.join(',');
  if (bad.length === columns.length) {
    return [{ line, message: `the first row (${shown.length > 60 ? shown.slice(0, 57) + '...' : shown}) is not a header: a CSV feeder needs a first row naming its columns (e.g. id,email)` }];
  }
  const out: DataProblem[] = [];
  for (const c of bad) {
    out.push({ line, message: c === '' ? `the header has an empty column name` : `header column '${c}' is not a name templates can use ({{ <data>.<column> }}: letters, digits, _ and -, not first a digit)` });
  }
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c) && c !== '') out.push({ line, message: `the header names column '${c}' twice` });
    seen.add(c);
  }
  return out;
}

/**
 * Field bounds of a validated row [s, e) (line end excluded): [start, end, escaped] per field,
 * quotes excluded; escaped when the field holds doubled quotes.
 */
function decodeFields(b: Uint8Array, s: number, e: number, count: number): Array<[number, number, boolean]> {
  const out: Array<[number, number, boolean]> = [];
  const bounds = new Int32Array(count * 2);
  const esc = new Uint8Array(count);
  walkRow(b, s, e, bounds, esc);
  for (let k = 0; k < count; k++) out.push([bounds[2 * k]!, bounds[2 * k + 1]!, esc[k] === 1]);
  return out;
}

/** Fills bounds (start, end per field) and esc for a validated row [s, e); returns the field count. */
function walkRow(b: Uint8Array, s: number, e: number, bounds: Int32Array, esc: Uint8Array): number {
  let k = 0;
  let i = s;
  const max = esc.length;
  for (;;) {
    let fs: number;
    let fe: number;
    let escaped = 0;
    if (i < e && b[i] === QUOTE) {
      fs = i + 1;
      let j = fs;
      for (;;) {
        while (b[j] !== QUOTE) j++;
        if (j + 1 < e && b[j + 1] === QUOTE) {
          escaped = 1;
          j += 2;
        } else break;
      }
      fe = j;
      i = j + 1;
    } else {
      fs = i;
      while (i < e && b[i] !== COMMA) i++;
      fe = i;
    }
    if (k < max) {
      bounds[2 * k] = fs;
      bounds[2 * k + 1] = fe;
      esc[k] = escaped;
    }
    k++;
    if (i >= e) return k;
    i++; // the comma
  }
}

function unescape(s: string, escaped: boolean): string {
  return escaped ? s.replaceAll('""', '"') : s;
}

/** Reads fields of a scanned CSV file; one per thread (see Table). */
export class CsvTable implements Table {
  readonly columns: readonly string[];
  readonly rows: number;
  private readonly buf: Buffer;
  private readonly starts: Uint32Array;
  private readonly bounds: Int32Array;
  private readonly esc: Uint8Array;
  private cached = -1;

  constructor(t: SharedTable) {
    this.columns = t.columns;
    this.rows = t.rows;
    this.buf = Buffer.from(t.bytes);
    this.starts = new Uint32Array(t.rowStarts);
    this.bounds = new Int32Array(t.columns.length * 2);
    this.esc = new Uint8Array(t.columns.length);
  }

  value(r: number, c: number): string {
    this.load(r, c);
    const s = this.buf.toString('utf8', this.bounds[2 * c], this.bounds[2 * c + 1]);
    return this.esc[c] === 1 ? s.replaceAll('""', '"') : s;
  }

  bytes(r: number, c: number): Uint8Array {
    this.load(r, c);
    const s = this.bounds[2 * c]!;
    const e = this.bounds[2 * c + 1]!;
    if (this.esc[c] === 0) return this.buf.subarray(s, e);
    const out = new Uint8Array(e - s);
    return out.subarray(0, this.copyUnescaped(s, e, out, 0));
  }

  write(r: number, c: number, out: Uint8Array, at: number): number {
    this.load(r, c);
    const s = this.bounds[2 * c]!;
    const e = this.bounds[2 * c + 1]!;
    // An escaped field shrinks when unescaped: e - s is an upper bound, and the exact length is
    // only known after the copy; refuse when the upper bound does not fit (rare: such fields are short).
    if (at < 0 || at + (e - s) > out.length) return -1;
    if (this.esc[c] === 1) return this.copyUnescaped(s, e, out, at);
    // Short fields (the usual ids and emails) copy faster in a loop than through a native call.
    if (e - s > 64) return this.buf.copy(out, at, s, e);
    const b = this.buf;
    for (let i = s; i < e; i++) out[at++] = b[i]!;
    return e - s;
  }

  private copyUnescaped(s: number, e: number, out: Uint8Array, at: number): number {
    const b = this.buf;
    let w = at;
    for (let i = s; i < e; i++) {
      out[w++] = b[i]!;
      if (b[i] === QUOTE) i++; // "" → "
    }
    return w - at;
  }

  private load(r: number, c: number): void {
    if (!(c >= 0 && c < this.columns.length)) throw new RangeError(`column ${c} is not in 0..${this.columns.length - 1}`);
    if (r === this.cached) return;
    if (!(r >= 0 && r < this.rows)) throw new RangeError(`row ${r} is not in 0..${this.rows - 1}`);
    const b = this.buf;
    const s = this.starts[r]!;
    let e = this.starts[r + 1]!;
    // The row's span runs to the next row: drop its line end (and any blank lines skipped after it).
    while (e > s && (b[e - 1] === LF || b[e - 1] === CR)) e--;
    walkRow(b, s, e, this.bounds, this.esc);
    this.cached = r;
  }
}
