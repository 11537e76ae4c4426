// The template names a scenario's `data:` declares: `{{ users.email }}` is column `email` of the
// feeder `users`. Checked at load time against the columns the file had when it was read, with a
// did-you-mean for a misspelt feeder or column; a column used in a header value is checked for
// values a header cannot carry (CR, LF, NUL, past U+00FF) — in the file, at load time, so a run
// never meets one halfway through.
import { closest } from '../../scenario/did-you-mean.js';
import type { DataSpec } from '../../scenario/scenario.js';
import type { TemplateScope } from '../template-scope.js';
import { attachFeeder, type SharedFeeder } from './feeder.js';
import { displayPath, type SharedTable } from './table.js';

/** What a column name must look like to be written in a template (the grammar's ident). */
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `feeder.column` → its feeder and column, for the names a scope of data declares. */
export function splitDataName(name: string): { feeder: string; column: string } | undefined {
  const dot = name.indexOf('.');
  if (dot <= 0) return undefined;
  return { feeder: name.slice(0, dot), column: name.slice(dot + 1) };
}

/**
 * The scope of `data:`: every `feeder.column` whose column is a plain name. `broken`: feeders
 * written under `data:` that could not be read (their problems are reported there): any column of
 * theirs is accepted, so a missing file is one problem, not one per template.
 */
export function dataScope(data: Readonly<Record<string, DataSpec>>, broken: readonly string[] = []): TemplateScope {
  const names: string[] = [];
  for (const d of Object.values(data)) for (const c of d.columns) if (IDENT.test(c)) names.push(`${d.name}.${c}`);
  const known = new Set(names);
  const lax = new Set(broken);
  return {
    has: (n) => known.has(n) || lax.has(splitDataName(n)?.feeder ?? ''),
    names: () => names,
    explain: (n) => {
      const s = splitDataName(n);
      if (!s) return undefined;
      const d = data[s.feeder];
      if (!d) {
        if (Object.keys(data).length === 0) return undefined;
        const guess = closest(s.feeder, Object.keys(data));
        if (guess === undefined) return undefined;
        return { error: `unknown data '${s.feeder}'`, hint: `, did you mean '${guess}.${s.column}'?` };
      }
      if (d.columns.includes(s.column)) {
        return { error: `data '${d.name}': column '${s.column}' is not a plain name (letters, digits, _) and cannot be written in a template; rename it in the file` };
      }
      const guess = closest(s.column, d.columns);
      const cols = d.columns.length <= 8 ? ` (columns: ${d.columns.join(', ')})` : '';
      return guess !== undefined
        ? { error: `data '${d.name}' has no column '${s.column}'`, hint: `, did you mean '${d.name}.${guess}'?` }
        : { error: `data '${d.name}' has no column '${s.column}'${cols}` };
    },
    headerProblem: (n) => {
      const s = splitDataName(n);
      const why = s ? data[s.feeder]?.headerUnsafe?.[s.column] : undefined;
      return why === undefined ? undefined : `column '${s!.column}' of data '${s!.feeder}' cannot go in a header value: ${why} (${displayPath(data[s!.feeder]!.file)})`;
    },
  };
}

/**
 * Per column, the first value that cannot be a header value (`row 7: a line break`), for the
 * columns that have one; {} when every value could be sent in a header. One pass over the file.
 */
export function headerUnsafeColumns(table: SharedTable): Record<string, string> {
  const f = attachFeeder({ name: '', order: 'sequential', table, cursor: new SharedArrayBuffer(4) } satisfies SharedFeeder);
  const out: Record<string, string> = {};
  for (let c = 0; c < f.columns.length; c++) {
    for (let r = 0; r < f.rows; r++) {
      const why = headerByteProblem(f.bytes(r, c));
      if (why) {
        out[f.columns[c]!] = `row ${r + 1} has ${why}`;
        break;
      }
    }
  }
  return out;
}

/** What in these UTF-8 bytes a header value cannot carry, or undefined. */
function headerByteProblem(b: Uint8Array): string | undefined {
  for (let i = 0; i < b.length; i++) {
    const x = b[i]!;
    if (x === 0x0d || x === 0x0a) return 'a line break';
    if (x === 0) return 'a NUL character';
    // UTF-8 lead bytes from 0xC4 start characters past U+00FF (not Latin-1).
    if (x >= 0xc4 && x < 0xf8 && (x & 0xc0) === 0xc0) return 'a character past U+00FF (not Latin-1)';
  }
  return undefined;
}
