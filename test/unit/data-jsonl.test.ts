// JSON Lines feeder tables: columns are the union of every line's keys (first appearance first),
// values are stringified, and a bad line is reported with its line (and column, where JSON.parse
// says one).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonlTable, scanJsonl, stringifyValue } from '../../src/workload/data/jsonl-table.js';
import type { DataProblem } from '../../src/workload/data/table.js';

const shared = (text: string): SharedArrayBuffer => {
  const b = Buffer.from(text, 'utf8');
  const sab = new SharedArrayBuffer(b.length);
  new Uint8Array(sab).set(b);
  return sab;
};
const fmt = (p: DataProblem) => `${p.line ?? ''}${p.col !== undefined ? ':' + p.col : ''}: ${p.message}`;

function read(text: string): string[][] | string[] {
  const r = scanJsonl(shared(text), 'events.jsonl');
  if (!r.ok) return r.problems.map(fmt);
  const t = new JsonlTable(r.table);
  const rows: string[][] = [[...t.columns]];
  for (let i = 0; i < t.rows; i++) rows.push(t.columns.map((_, c) => t.value(i, c)));
  return rows;
}

describe('JSON Lines: what a file reads as', () => {
  it.each<[string, string, string[][]]>([
    ['one object per line', '{"id":1,"email":"a@x"}\n{"id":2,"email":"b@x"}\n', [['id', 'email'], ['1', 'a@x'], ['2', 'b@x']]],
    ['columns: the union of keys, first appearance first; a missing key reads as ""', '{"id":1}\n{"email":"b@x","id":2}\n{"kind":"x"}\n', [['id', 'email', 'kind'], ['1', '', ''], ['2', 'b@x', ''], ['', '', 'x']]],
    [
      'values stringified',
      '{"n":1.5,"b":true,"z":null,"o":{"a":[1,"x"]},"l":[1,2],"s":"line\\nbreak","u":"\\u00e9"}\n',
      [['n', 'b', 'z', 'o', 'l', 's', 'u'], ['1.5', 'true', '', '{"a":[1,"x"]}', '[1,2]', 'line\nbreak', 'é']],
    ],
    ['CRLF, blank lines, no final newline', '{"a":1}\r\n\r\n   \n{"a":2}', [['a'], ['1'], ['2']]],
    ['a BOM', '\uFEFF{"a":1}\n', [['a'], ['1']]],
    ['whitespace around an object', '  { "a" : 1 }  \n', [['a'], ['1']]],
  ])('%s', (_name, text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it.each<[unknown, string]>([
    ['x', 'x'],
    [0, '0'],
    [-1e21, '-1e+21'],
    [false, 'false'],
    [null, ''],
    [undefined, ''],
    [{}, '{}'],
    [['a'], '["a"]'],
  ])('stringifyValue(%j) = %j', (v, s) => expect(stringifyValue(v)).toBe(s));
});

describe('JSON Lines: problems, with the data file line', () => {
  it.each<[string, string, string[]]>([
    ['not JSON, with the column JSON.parse names', '{"a":1}\n{"a":1,}\n', ["2:8: not valid JSON: Expected double-quoted property name"]],
    ['a list', '{"a":1}\n[1,2]\n', ['2: expected a JSON object ({"id": 1, "email": "…"}) per line, found a list']],
    ['a scalar and null', '"x"\nnull\n{"a":1}\n', ['1: expected a JSON object ({"id": 1, "email": "…"}) per line, found a string', '2: expected a JSON object ({"id": 1, "email": "…"}) per line, found null']],
    ['a record split over two lines', '{"a":\n1}\n', ['1: not valid JSON: Unexpected end of JSON input', '2:2: not valid JSON: Unexpected non-whitespace character after JSON']],
    ['an empty file', '', [': the file is empty; a JSON Lines feeder needs at least one line holding a JSON object']],
    ['only blank lines', '\n \r\n', [': the file is empty; a JSON Lines feeder needs at least one line holding a JSON object']],
    [
      'past five problems, a count',
      'x\nx\nx\nx\nx\nx\n{"a":1}\nx\n',
      [...[1, 2, 3, 4, 5].map((l) => `${l}: not valid JSON: Unexpected token 'x', "x" is not valid JSON`), ': … and 2 more lines with problems'],
    ],
  ])('%s', (_name, text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it('more than 1000 distinct keys is not a table', () => {
    const lines = Array.from({ length: 1001 }, (_, i) => JSON.stringify({ [`k${i}`]: i })).join('\n');
    expect(read(lines)).toEqual([': the lines have more than 1000 distinct keys: each line should be a row with the same few keys']);
  });
});

describe('JSON Lines: bytes for templates', () => {
  const r = scanJsonl(shared('{"id":7,"name":"Zoë"}\n{"id":8}\n'), 'e.jsonl');
  if (!r.ok) throw new Error('scan failed');
  const t = new JsonlTable(r.table);
  it('bytes and write give the UTF-8 of the value', () => {
    expect(Buffer.from(t.bytes(0, 1)).toString()).toBe('Zoë');
    const out = new Uint8Array(8);
    expect(t.write(0, 1, out, 2)).toBe(4);
    expect(Buffer.from(out.subarray(2, 6)).toString()).toBe('Zoë');
    expect(t.write(0, 1, out, 5)).toBe(-1);
    expect(t.bytes(1, 1).length).toBe(0);
    expect(t.value(1, 0)).toBe('8');
    expect(Buffer.from(t.bytes(0, 0)).toString()).toBe('7');
  });
  it('rows and columns out of range throw', () => {
    expect(() => t.value(2, 0)).toThrow(RangeError);
    expect(() => t.value(0, 2)).toThrow(RangeError);
  });
});

describe('JSON Lines: any file of objects reads back (property)', () => {
  const key = fc.constantFrom('id', 'email', 'name', 'tags', 'n', 'ok', 'é', 'a b');
  const value = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }));
  const objects = fc.array(fc.dictionary(key, value, { minKeys: 1, maxKeys: 4 }), { minLength: 1, maxLength: 15 });
  it('columns are the keys in order of first appearance; values stringified', () => {
    fc.assert(
      fc.property(objects, fc.boolean(), (objs, crlf) => {
        const columns = [...new Set(objs.flatMap((o) => Object.keys(o)))];
        const rows = objs.map((o) => columns.map((c) => stringifyValue(o[c])));
        expect(read(objs.map((o) => JSON.stringify(o)).join(crlf ? '\r\n' : '\n'))).toEqual([columns, ...rows]);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
