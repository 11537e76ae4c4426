// JSON Lines → a Table: one JSON object per line (blank lines skipped, LF or CRLF, a UTF-8 BOM
// skipped). The columns are the union of the keys of every line, in order of first appearance,
// so rows may leave keys out (JSON Lines files often do): a key a row lacks reads as ''. Values
// are stringified: a string as is, a number or boolean as JSON writes it, null as '', an object or
// a list as its JSON text. The scan parses every line once (to find bad lines and the keys); a row
// is parsed again when it is used (cached for the last row).
import { bomLength, Locator, OffsetList, ProblemList, type ScanResult, type SharedTable, type Table } from './table.js';

const LF = 0x0a;
const CR = 0x0d;

/** Distinct keys at most: past this the file is a map keyed by data, not rows sharing columns. */
export const MAX_JSONL_COLUMNS = 1000;

export function scanJsonl(bytes: SharedArrayBuffer, file: string): ScanResult {
  const b = Buffer.from(bytes);
  const n = b.length;
  const loc = new Locator(b);
  const problems = new ProblemList('lines with problems');
  const starts = new OffsetList(b);
  const columns: string[] = [];
  const known = new Set<string>();
  let i = bomLength(b);
  while (i < n) {
    let lineEnd = b.indexOf(LF, i);
    if (lineEnd < 0) lineEnd = n;
    const e = lineEnd > i && b[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    const text = b.toString('utf8', i, e);
    if (text.trim() !== '') {
      const problem = checkLine(text, columns, known);
      if (problem) {
        const at = loc.locate(i);
        problems.add({ line: at.line, ...(problem.col !== undefined ? { col: problem.col } : {}), message: problem.message });
      }
      starts.push(i);
    }
    i = lineEnd + 1;
  }
  if (problems.count > 0) return { ok: false, problems: problems.done() };
  if (starts.length === 0) return { ok: false, problems: [{ message: 'the file is empty; a JSON Lines feeder needs at least one line holding a JSON object' }] };
  if (columns.length > MAX_JSONL_COLUMNS) {
    return { ok: false, problems: [{ message: `the lines have more than ${MAX_JSONL_COLUMNS} distinct keys: each line should be a row with the same few keys` }] };
  }
  starts.push(n);
  const table: SharedTable = { format: 'jsonl', file, columns, rows: starts.length - 1, bytes, rowStarts: starts.toShared() };
  return { ok: true, table };
}

function checkLine(text: string, columns: string[], known: Set<string>): { message: string; col?: number } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    // V8: "Unexpected token } in JSON at position 12" (or "… (line 1 column 13)"): the position becomes the column.
    const m = String((e as Error).message);
    const pos = /at position (\d+)/.exec(m);
    const why = m.replace(/\s*(in JSON )?at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '');
    return { message: `not valid JSON: ${why}`, ...(pos ? { col: Number(pos[1]) + 1 } : {}) };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return { message: `expected a JSON object ({"id": 1, "email": "…"}) per line, found ${Array.isArray(v) ? 'a list' : v === null ? 'null' : `a ${typeof v}`}` };
  }
  if (columns.length <= MAX_JSONL_COLUMNS) {
    for (const k in v) {
      if (!known.has(k)) {
        known.add(k);
        columns.push(k);
      }
    }
  }
  return undefined;
}

/** A JSON value as a field's text (see the header). */
export function stringifyValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Reads fields of a scanned JSON Lines file; one per thread (see Table). */
export class JsonlTable implements Table {
  readonly columns: readonly string[];
  readonly rows: number;
  private readonly buf: Buffer;
  private readonly starts: Uint32Array;
  private cached = -1;
  private row: Record<string, unknown> = {};
  private readonly values: Array<string | undefined>;
  private readonly encoded: Array<Buffer | undefined>;

  constructor(t: SharedTable) {
    this.columns = t.columns;
    this.rows = t.rows;
    this.buf = Buffer.from(t.bytes);
    this.starts = new Uint32Array(t.rowStarts);
    this.values = new Array(t.columns.length).fill(undefined);
    this.encoded = new Array(t.columns.length).fill(undefined);
  }

  value(r: number, c: number): string {
    this.load(r, c);
    return (this.values[c] ??= stringifyValue(this.row[this.columns[c]!]));
  }

  bytes(r: number, c: number): Uint8Array {
    const v = this.value(r, c);
    return (this.encoded[c] ??= Buffer.from(v, 'utf8'));
  }

  write(r: number, c: number, out: Uint8Array, at: number): number {
    const v = this.bytes(r, c);
    if (at < 0 || at + v.length > out.length) return -1;
    out.set(v, at);
    return v.length;
  }

  private load(r: number, c: number): void {
    if (!(c >= 0 && c < this.columns.length)) throw new RangeError(`column ${c} is not in 0..${this.columns.length - 1}`);
    if (r === this.cached) return;
    if (!(r >= 0 && r < this.rows)) throw new RangeError(`row ${r} is not in 0..${this.rows - 1}`);
    // The span runs to the next row (blank lines and line ends included): JSON.parse skips that whitespace.
    this.row = JSON.parse(this.buf.toString('utf8', this.starts[r], this.starts[r + 1])) as Record<string, unknown>;
    this.values.fill(undefined);
    this.encoded.fill(undefined);
    this.cached = r;
  }
}
