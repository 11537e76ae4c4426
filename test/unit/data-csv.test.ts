// CSV feeder tables (RFC 4180): what each file reads as, field by field, and the problems a bad
// file gets, each with the data file's line (and column where one character is at fault).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvTable, scanCsv } from '../../src/workload/data/csv-table.js';
import type { DataProblem } from '../../src/workload/data/table.js';

const shared = (text: string | Uint8Array): SharedArrayBuffer => {
  const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const sab = new SharedArrayBuffer(b.length);
  new Uint8Array(sab).set(b);
  return sab;
};

/** The table as [columns, ...rows], or its problems as `line:col: message`. */
function read(text: string | Uint8Array): string[][] | string[] {
  const r = scanCsv(shared(text), 'users.csv');
  if (!r.ok) return r.problems.map(fmt);
  const t = new CsvTable(r.table);
  const rows: string[][] = [[...t.columns]];
  for (let i = 0; i < t.rows; i++) rows.push(t.columns.map((_, c) => t.value(i, c)));
  return rows;
}
const fmt = (p: DataProblem) => `${p.line ?? ''}${p.col !== undefined ? ':' + p.col : ''}: ${p.message}`;

describe('CSV: what a file reads as', () => {
  it.each<[string, string | Uint8Array, string[][]]>([
    ['LF line ends', 'id,email\n1,a@x.io\n2,b@x.io\n', [['id', 'email'], ['1', 'a@x.io'], ['2', 'b@x.io']]],
    ['CRLF line ends', 'id,email\r\n1,a@x.io\r\n2,b@x.io\r\n', [['id', 'email'], ['1', 'a@x.io'], ['2', 'b@x.io']]],
    ['no newline after the last row', 'id,email\n1,a\n2,b', [['id', 'email'], ['1', 'a'], ['2', 'b']]],
    ['no newline after a quoted last field', 'id,email\n1,"a"', [['id', 'email'], ['1', 'a']]],
    ['a UTF-8 BOM', '\uFEFFid,email\n1,a\n', [['id', 'email'], ['1', 'a']]],
    ['a quoted header', '"id","email"\n1,a\n', [['id', 'email'], ['1', 'a']]],
    ['quoted fields with commas', 'id,name\n1,"Doe, John"\n', [['id', 'name'], ['1', 'Doe, John']]],
    ['doubled quotes', 'id,q\n1,"say ""hi"""\n2,""""\n', [['id', 'q'], ['1', 'say "hi"'], ['2', '"']]],
    ['LF inside quotes', 'id,note\n1,"line 1\nline 2"\n2,x\n', [['id', 'note'], ['1', 'line 1\nline 2'], ['2', 'x']]],
    ['CRLF inside quotes, CRLF line ends', 'id,note\r\n1,"a\r\nb"\r\n2,"\r\n"\r\n', [['id', 'note'], ['1', 'a\r\nb'], ['2', '\r\n']]],
    ['empty fields', 'a,b,c\n,,\n1,,3\n', [['a', 'b', 'c'], ['', '', ''], ['1', '', '3']]],
    ['a quoted empty field', 'a,b\n"",x\n', [['a', 'b'], ['', 'x']]],
    ['blank lines are skipped', 'a,b\n\n1,2\n\r\n\n3,4\n\n\n', [['a', 'b'], ['1', '2'], ['3', '4']]],
    ['one column; "" is an empty value', 'email\na@x\n""\nb@x\n', [['email'], ['a@x'], [''], ['b@x']]],
    ['a quote inside an unquoted field is literal', "id,height\n1,5'10\"\n", [['id', 'height'], ['1', '5\'10"']]],
    ['spaces are kept', 'a,b\n x , y \n', [['a', 'b'], [' x ', ' y ']]],
    ['UTF-8 values', 'id,name\n1,Zoë\n2,"東京, 日本"\n3,😀\n', [['id', 'name'], ['1', 'Zoë'], ['2', '東京, 日本'], ['3', '😀']]],
    ['column names with _ and -', 'user_id,e-mail,_x\n1,2,3\n', [['user_id', 'e-mail', '_x'], ['1', '2', '3']]],
  ])('%s', (_name, text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('CSV: problems, with the data file line (and column)', () => {
  it.each<[string, string, string[]]>([
    ['a quoted field never closed: at its opening quote', 'id,name\n1,ok\n2,"abc\n3,def\n', ['3:3: this quoted field is never closed (a quote inside a quoted field is written "")']],
    ['text after a closing quote', 'id,name\n1,"ab"c\n', ['2:7: unexpected text after a closing quote (a quote inside a quoted field is written "")']],
    ['a bare CR', 'id,name\n1,a\rb\n', ['2:4: a carriage return (CR) outside quotes that does not end a line; line ends are LF or CRLF']],
    ['columns count characters, not bytes', 'id,name\né,"x\n', ['2:3: this quoted field is never closed (a quote inside a quoted field is written "")']],
    [
      'ragged rows: each at its line',
      'id,email\n1,a\n2\n3,c,d\n4,d\n',
      ['3: this row has 1 field, the header has 2', '4: this row has 3 fields, the header has 2'],
    ],
    ['ragged row after a multi-line quoted field', 'id,note\n1,"x\ny\nz"\n2\n', ['5: this row has 1 field, the header has 2']],
    ['ragged rows, then a quote never closed', 'a,b\n1\n2,"x\n', ['2: this row has 1 field, the header has 2', '3:3: this quoted field is never closed (a quote inside a quoted field is written "")']],
    [
      'past five problems, a count',
      'a,b\n1\n2\n3\n4\n5\n6\n7\n',
      [
        '2: this row has 1 field, the header has 2',
        '3: this row has 1 field, the header has 2',
        '4: this row has 1 field, the header has 2',
        '5: this row has 1 field, the header has 2',
        '6: this row has 1 field, the header has 2',
        ': … and 2 more rows with the wrong number of fields',
      ],
    ],
    ['an empty file', '', [': the file is empty; a CSV feeder needs a header row naming its columns (e.g. id,email) and at least one row']],
    ['only a BOM and blank lines', '\uFEFF\n\r\n\n', [': the file is empty; a CSV feeder needs a header row naming its columns (e.g. id,email) and at least one row']],
    ['a header and no rows', 'id,email\n\n', ['1: the file has a header (id,email) but no rows']],
    ['no header: the first row is data', '1,alice@example.com\n2,bob@example.com\n', ['1: the first row (1,alice@example.com) is not a header: a CSV feeder needs a first row naming its columns (e.g. id,email)']],
    [
      'header names templates cannot use',
      'id,e mail,\n1,2,3\n',
      ["1: header column 'e mail' is not a name templates can use ({{ <data>.<column> }}: letters, digits, _ and -, not first a digit)", '1: the header has an empty column name'],
    ],
    ['a column named twice', 'id,id\n1,2\n', ["1: the header names column 'id' twice"]],
  ])('%s', (_name, text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('CSV: bytes for templates', () => {
  const r = scanCsv(shared('id,q,name\n1,"a ""b"" c",Zoë\n2,"x,y",\n'), 'q.csv');
  if (!r.ok) throw new Error('scan failed');
  const t = new CsvTable(r.table);

  it('an unescaped field is a view into the shared file buffer (no copy)', () => {
    const b = t.bytes(0, 2);
    expect(Buffer.from(b).toString()).toBe('Zoë');
    expect(b.buffer).toBe(r.table.bytes);
  });
  it('an escaped field is unescaped', () => {
    expect(Buffer.from(t.bytes(0, 1)).toString()).toBe('a "b" c');
    expect(Buffer.from(t.bytes(1, 1)).toString()).toBe('x,y');
    expect(t.bytes(1, 2).length).toBe(0);
  });
  it.each<[number, number, number, string]>([
    [0, 2, 0, 'Zoë'],
    [0, 1, 3, 'a "b" c'],
    [1, 1, 1, 'x,y'],
  ])('write(%i, %i) at %i', (row, col, at, expected) => {
    const out = new Uint8Array(32).fill(0x2e);
    const n = t.write(row, col, out, at);
    expect(n).toBe(Buffer.byteLength(expected));
    expect(Buffer.from(out.subarray(at, at + n)).toString()).toBe(expected);
    expect(out[at + n]).toBe(0x2e);
  });
  it('write refuses (-1, nothing written) when the bytes do not fit', () => {
    const out = new Uint8Array(4).fill(0x2e);
    expect(t.write(0, 2, out, 1)).toBe(-1);
    expect([...out]).toEqual([0x2e, 0x2e, 0x2e, 0x2e]);
  });
  it('rows and columns out of range throw', () => {
    expect(() => t.value(2, 0)).toThrow(RangeError);
    expect(() => t.value(-1, 0)).toThrow(RangeError);
    expect(() => t.value(0, 3)).toThrow(RangeError);
  });
  it('reading columns of rows in any order gives the same values (the one-row cache)', () => {
    expect([t.value(1, 0), t.value(0, 0), t.value(0, 2), t.value(1, 1), t.value(0, 1)]).toEqual(['2', '1', 'Zoë', 'x,y', 'a "b" c']);
  });
});

describe('CSV: any table written per RFC 4180 reads back as written (property)', () => {
  // Fields drawn from the characters that matter: quotes, commas, CR, LF, spaces, multi-byte.
  const field = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '"', ',', '\r', '\n', 'é', '東', '😀', "'"), maxLength: 8 });
  const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,6}$/);
  const table = fc
    .uniqueArray(name, { minLength: 1, maxLength: 5 })
    .chain((columns) => fc.tuple(fc.constant(columns), fc.array(fc.array(field, { minLength: columns.length, maxLength: columns.length }), { minLength: 1, maxLength: 20 })));
  const style = fc.record({ crlf: fc.boolean(), trailing: fc.boolean(), bom: fc.boolean(), quoteAll: fc.boolean() });

  function write([columns, rows]: [string[], string[][]], s: { crlf: boolean; trailing: boolean; bom: boolean; quoteAll: boolean }): string {
    const enc = (f: string, only: boolean) =>
      // A lone empty field would be a blank line, which is skipped: it must be quoted.
      s.quoteAll || /[",\r\n]/.test(f) || (only && f === '') ? `"${f.replaceAll('"', '""')}"` : f;
    const eol = s.crlf ? '\r\n' : '\n';
    const lines = [columns, ...rows].map((r) => r.map((f) => enc(f, r.length === 1)).join(','));
    return (s.bom ? '\uFEFF' : '') + lines.join(eol) + (s.trailing ? eol : '');
  }

  it('fields, rows and columns survive', () => {
    fc.assert(
      fc.property(table, style, (t, s) => {
        expect(read(write(t, s))).toEqual([t[0], ...t[1]]);
      }),
      { numRuns: 500, seed: 12 },
    );
  });
});

describe('CSV: row offsets sized from a sample of the file', () => {
  it('long rows first, short rows after (the estimate is exceeded): every row indexed', () => {
    const long = Array.from({ length: 100 }, (_, i) => `${i},${'x'.repeat(1000)}`);
    const short = Array.from({ length: 100_000 }, (_, i) => `${100 + i},y`);
    const r = scanCsv(shared(['id,v', ...long, ...short].join('\n')), 'grow.csv');
    if (!r.ok) throw new Error('scan failed');
    const t = new CsvTable(r.table);
    expect(t.rows).toBe(100_100);
    expect([t.value(0, 0), t.value(99, 1).length, t.value(100, 0), t.value(100_099, 0), t.value(100_099, 1)]).toEqual(['0', 1000, '100', '100099', 'y']);
  });
  it('many blank lines: offsets copied down to the rows there are', () => {
    const r = scanCsv(shared('id\n' + '\n'.repeat(200_000) + '1\n'), 'blank.csv');
    if (!r.ok) throw new Error('scan failed');
    expect(r.table.rows).toBe(1);
    expect(r.table.rowStarts.byteLength).toBe(8);
    expect(new CsvTable(r.table).value(0, 0)).toBe('1');
  });
});
