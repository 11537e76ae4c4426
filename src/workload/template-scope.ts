// What the names in a template mean: the built-in values and functions, checked at load time
// (argument count and types, `random.int(5, 1)`), and the scope — the other names a scenario
// declares: data columns (`{{ users.email }}`, data/data-scope.ts) and, later, session captures
// (`{{ item_id }}`). Each such name becomes a `var` hole the sender fills at run time. An unknown
// name is an error with a suggestion, never sent as text.
import { closest } from '../scenario/did-you-mean.js';
import type { HoleValue } from './template.js';

export type Expr =
  | { type: 'name'; name: string }
  | { type: 'call'; name: string; args: Expr[] }
  | { type: 'string'; value: string }
  | { type: 'integer'; value: number; text: string };

/** Names beyond the built-ins, known at load time. */
export interface TemplateScope {
  /** Whether `name` is a variable of this scope (a data column, a captured value). */
  has(name: string): boolean;
  /** Every name, for did-you-mean. */
  names(): readonly string[];
  /**
   * Why `name` is not in this scope when the scope can say better than "unknown name" (a column
   * the data file does not have: `data 'users' has no column 'emial'`), with its did-you-mean.
   */
  explain?(name: string): { error: string; hint?: string } | undefined;
  /** Why a value of `name` (a variable of this scope) may not be sendable in a header value, or undefined. */
  headerProblem?(name: string): string | undefined;
}

export const EMPTY_SCOPE: TemplateScope = { has: () => false, names: () => [] };

/** A scope of fixed names (tests; later: a feeder's columns, a session's captures so far). */
export function scopeOf(names: readonly string[]): TemplateScope {
  const set = new Set(names);
  return { has: (n) => set.has(n), names: () => names };
}

/** The longest `random.string(n)`: a bound on the bytes one hole can take. */
export const MAX_RANDOM_STRING = 4096;

const VALUES: Record<string, HoleValue> = { seq: { kind: 'seq' }, uuid: { kind: 'uuid' }, 'now.ms': { kind: 'now.ms' } };
const FUNCTIONS: Record<string, string> = {
  'random.int': 'random.int(a, b)',
  'random.pick': "random.pick(a, b, …)",
  'random.string': 'random.string(n)',
  json: 'json(value)',
};
const BUILTINS = [...Object.keys(VALUES), ...Object.keys(FUNCTIONS)];

/** A failure's `hint` (did you mean …) goes after the quoted hole. */
type Resolved = { ok: true; value: HoleValue; json: boolean } | { ok: false; error: string; hint?: string };
const fail = (error: string, hint?: string): Resolved => (hint === undefined ? { ok: false, error } : { ok: false, error, hint });

/** The hole an expression makes; `json`: inside json(…) (or in a body that asks for JSON escaping). */
export function resolveExpr(e: Expr, scope: TemplateScope, json: boolean): Resolved {
  switch (e.type) {
    case 'string':
      return { ok: true, value: { kind: 'pick', options: [e.value] }, json };
    case 'integer':
      return { ok: true, value: { kind: 'pick', options: [e.text] }, json };
    case 'name': {
      const v = VALUES[e.name];
      if (v) return { ok: true, value: v, json };
      if (FUNCTIONS[e.name]) return fail(`${e.name} is a function: write ${FUNCTIONS[e.name]}`);
      if (scope.has(e.name)) return { ok: true, value: { kind: 'var', name: e.name }, json };
      const why = scope.explain?.(e.name);
      if (why) return fail(why.error, why.hint);
      return fail(`unknown name '${e.name}'`, suggest(e.name, scope));
    }
    case 'call':
      return resolveCall(e, scope, json);
  }
}

function resolveCall(e: Extract<Expr, { type: 'call' }>, scope: TemplateScope, json: boolean): Resolved {
  const { name, args } = e;
  if (VALUES[name]) return fail(`${name} takes no arguments: write {{ ${name} }}`);
  const count = (n: number, what: string): string | undefined =>
    args.length === n ? undefined : `${FUNCTIONS[name]} takes ${what}, found ${args.length} argument${args.length === 1 ? '' : 's'}`;
  switch (name) {
    case 'random.int': {
      const bad = count(2, 'two whole numbers');
      if (bad) return fail(bad);
      const [a, b] = args.map((x) => (x.type === 'integer' && Number.isSafeInteger(x.value) ? x.value : undefined));
      if (a === undefined || b === undefined) return fail(`${FUNCTIONS[name]} takes two whole numbers (up to ±2^53), found ${describe(args[a === undefined ? 0 : 1]!)}`);
      if (a > b) return fail(`random.int(${a}, ${b}): the lower bound ${a} is above the upper bound ${b}`);
      return { ok: true, value: { kind: 'int', min: a, max: b }, json };
    }
    case 'random.pick': {
      if (args.length === 0) return fail(`${FUNCTIONS[name]} takes at least one value, found none`);
      const options: string[] = [];
      for (const a of args) {
        if (a.type === 'string') options.push(a.value);
        else if (a.type === 'integer') options.push(a.text);
        else return fail(`${FUNCTIONS[name]} takes strings and numbers, found ${describe(a)}`);
      }
      return { ok: true, value: { kind: 'pick', options }, json };
    }
    case 'random.string': {
      const bad = count(1, 'one length');
      if (bad) return fail(bad);
      const n = args[0]!;
      if (n.type !== 'integer' || n.value < 1 || n.value > MAX_RANDOM_STRING) return fail(`${FUNCTIONS[name]} takes a length from 1 to ${MAX_RANDOM_STRING}, found ${describe(n)}`);
      return { ok: true, value: { kind: 'string', length: n.value }, json };
    }
    case 'json': {
      const bad = count(1, 'one value');
      if (bad) return fail(bad);
      if (args[0]!.type === 'call' && (args[0] as { name: string }).name === 'json') return fail('json(json(…)) would escape twice');
      return resolveExpr(args[0]!, scope, true);
    }
    default:
      return fail(`unknown function '${name}'`, suggest(name, scope));
  }
}

function describe(e: Expr): string {
  switch (e.type) {
    case 'integer':
      return e.text;
    case 'string':
      return `the string '${e.value}'`;
    case 'name':
      return `'${e.name}'`;
    case 'call':
      return `${e.name}(…)`;
  }
}

function suggest(name: string, scope: TemplateScope): string {
  const guess = closest(name, [...BUILTINS, ...scope.names()]);
  return guess !== undefined ? `, did you mean '${guess}'?` : ` (known: ${[...BUILTINS, ...scope.names()].join(', ')})`;
}
