// Typed, position-aware reading of a parsed YAML document. Every reader either returns a value or
// records a problem (file:line:col, key path, what was expected, what was found) and returns
// undefined, so one pass finds every problem at once. `${VAR}` interpolation happens here, on
// scalar values, so positions stay those of the file. Merge keys (`<<: *base`) are resolved here
// too (yaml-merge.ts), so merged keys keep the position where they are written.
import { EMPTY_SCOPE, type TemplateScope } from '../workload/template-scope.js';
import { isAlias, isMap, isScalar, isSeq, Scalar, YAMLMap, type Document, type LineCounter, type Node } from 'yaml';
import type { ScenarioProblem, SourcePosition } from '../errors.js';
import { closest } from './did-you-mean.js';
import { EXTENSION_PREFIX } from './fields.js';
import { interpolate } from './interpolate.js';
import { describeValue, type Parsed } from './values.js';
import { MergeResolver, plainData, type ResolvedMap } from './yaml-merge.js';

export type YNode = Node | null | undefined;

/** A scalar's value after interpolation; `failed` when interpolation reported a problem. */
export interface ScalarValue {
  value: unknown;
  /** Substituted values that came from the environment (secret candidates). */
  fromEnv: string[];
  failed?: true;
  /** The value is the result of substitution (so `"100"` from `${N:-100}` may be a number). */
  interpolated?: true;
}

/** `a` + `b` → `a.b`; root + `b` → `b`. */
export function childPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export class Reader {
  readonly problems: ScenarioProblem[] = [];
  /** Env-derived values of string fields (masked in output). */
  readonly secrets = new Set<string>();
  /** The names templates may use beyond the built-ins (data columns); set once `data:` is read. */
  templateScope: TemplateScope = EMPTY_SCOPE;
  private readonly interpolated = new WeakMap<Node, ScalarValue>();
  private readonly merges = new MergeResolver({
    deref: (n) => this.deref(n),
    reportBadMerge: (n, path) => {
      const sv = this.value(n, path);
      if (!sv.failed) this.reportAt(n, path, `'<<' merges a mapping or a list of mappings (such as *base or [*a, *b]), found ${describeValue(sv.value)}`);
    },
  });

  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
    readonly file: string,
    private readonly env: Record<string, string | undefined>,
  ) {}

  position(offset: number): SourcePosition {
    const { line, col } = this.lc.linePos(offset);
    return { file: this.file, line, col };
  }

  /** Record a problem at a source offset (or without position when unknown). */
  report(path: string, rawMessage: string, offset?: number): void {
    // One line per problem, even when it quotes a multi-line value or a key with control characters.
    const message = oneLine(rawMessage);
    path = oneLine(path);
    this.problems.push(offset === undefined ? { path, message } : { path, message, pos: this.position(offset) });
  }

  /** Record a problem at a node's start. */
  reportAt(node: YNode, path: string, message: string): void {
    this.report(path, message, offsetOf(node));
  }

  /** Follows an alias to its anchor; anything else is returned as is. */
  deref(node: YNode): YNode {
    if (isAlias(node)) {
      try {
        return node.resolve(this.doc) as Node | undefined;
      } catch {
        return undefined;
      }
    }
    return node;
  }

  /** A mapping's keys with merge keys resolved (once per mapping). */
  entries(map: YAMLMap, path: string): ResolvedMap {
    return this.merges.resolve(map, path);
  }

  /**
   * A collection as plain data (a structured request body, sent as JSON): aliases and merge keys
   * resolved, scalars as written (no interpolation). Undefined, with a problem, when it contains
   * itself or expands past MAX_PLAIN_NODES (aliases of aliases grow exponentially).
   */
  plain(node: YNode, path: string): unknown {
    const r = plainData(node, path, this, MAX_PLAIN_NODES);
    if (r.ok) return r.value;
    this.reportAt(r.at ?? node, path, r.error);
    return undefined;
  }

  /** The plain JS value of a scalar after interpolation; collections become markers for messages. */
  value(node: YNode, path: string): ScalarValue {
    const n = this.deref(node);
    if (n === null || n === undefined) return { value: null, fromEnv: [] };
    if (isMap(n)) return { value: {}, fromEnv: [] };
    if (isSeq(n)) return { value: [], fromEnv: [] };
    if (!isScalar(n)) return { value: undefined, fromEnv: [] };
    const v = n.value;
    if (typeof v !== 'string' || !v.includes('$')) return { value: v, fromEnv: [] };
    // Once per node: readers may look at a value twice, its problems must be reported once.
    const cached = this.interpolated.get(n);
    if (cached) return cached;
    const r = interpolate(v, this.env);
    for (const e of r.errors) this.report(path, e.message, scalarOffset(n, e.offset));
    // After a failed interpolation the value is unknown: readers skip it (the problem is recorded).
    const out: ScalarValue =
      r.errors.length > 0
        ? { value: undefined, fromEnv: [], failed: true }
        : r.value === v
          ? { value: v, fromEnv: [] }
          : { value: r.value, fromEnv: r.fromEnv, interpolated: true };
    this.interpolated.set(n, out);
    return out;
  }

  /**
   * A string (numbers are taken as their decimal text: header values, names). Values from ${ENV}
   * are secrets (masked in every output) unless `envSecret` is false: fields that hold no
   * credentials — names, the target origin, file paths, server names — stay readable, so a
   * `target: ${TARGET}` is not printed as `***` (URL passwords are masked separately).
   */
  text(node: YNode, path: string, what = 'a string', envSecret = true): string | undefined {
    const { value, fromEnv, failed } = this.value(node, path);
    if (failed) return undefined;
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
      if (envSecret) for (const s of fromEnv) this.secrets.add(s);
      return String(value);
    }
    this.reportAt(this.deref(node) ?? node, path, `expected ${what}, found ${describeValue(value)}`);
    return undefined;
  }

  /** A finite number (a YAML number, or a string that became one by interpolation). */
  number(node: YNode, path: string, what = 'a number'): number | undefined {
    const { value, failed, interpolated } = this.value(node, path);
    if (failed) return undefined;
    // A string is a number only when it became one by interpolation (`${RPS:-100}`); `"100"` is a string.
    const n = typeof value === 'number' ? value : interpolated && typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (Number.isFinite(n)) return n;
    this.reportAt(this.deref(node) ?? node, path, `expected ${what}, found ${describeValue(value)}`);
    return undefined;
  }

  /** A whole number within [min, max]. */
  integer(node: YNode, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const what = max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`;
    const n = this.number(node, path, what);
    if (n === undefined) return undefined;
    if (!Number.isInteger(n) || n < min || n > max) {
      this.reportAt(this.deref(node) ?? node, path, `expected ${what}, found ${n}`);
      return undefined;
    }
    return n;
  }

  boolean(node: YNode, path: string): boolean | undefined {
    const { value, failed } = this.value(node, path);
    if (failed) return undefined;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    this.reportAt(this.deref(node) ?? node, path, `expected true or false, found ${describeValue(value)}`);
    return undefined;
  }

  /** Runs a pure value parser (values.ts) on a scalar and reports its error at the node. */
  parsed<T>(node: YNode, path: string, parse: (v: unknown) => Parsed<T>): T | undefined {
    const { value, failed } = this.value(node, path);
    if (failed) return undefined;
    const r = parse(value);
    if (r.ok) return r.value;
    this.reportAt(this.deref(node) ?? node, path, r.error);
    return undefined;
  }

  /** The items of a sequence (aliases resolved). */
  seq(node: YNode, path: string, what = 'a list'): YNode[] | undefined {
    const n = this.deref(node);
    if (isSeq(n)) return n.items.map((i) => this.deref(i as YNode));
    const sv = this.value(n, path);
    if (!sv.failed) this.reportAt(n ?? node, path, `expected ${what}, found ${describeValue(sv.value)}`);
    return undefined;
  }

  /**
   * A mapping with a known set of keys: unknown keys are reported (with a suggestion, or the
   * hint in `hints` for keys people often guess), duplicate keys are the YAML parser's business.
   * `anchor` is where "missing key" problems point: the key of this mapping in its parent.
   */
  map(node: YNode, path: string, allowed: readonly string[] | 'any', anchor?: number, hints: Record<string, string> = {}): MapView | undefined {
    const n = this.deref(node);
    if (!isMap(n)) {
      const sv = this.value(n, path);
      if (!sv.failed) this.reportAt(n ?? node, path, `expected a mapping (key: value), found ${describeValue(sv.value)}`);
      return undefined;
    }
    return new MapView(this, n, path, anchor ?? offsetOf(n), allowed, hints);
  }
}

/** Past this many values, a structured body is refused (a billion-laughs file stays small on disk). */
const MAX_PLAIN_NODES = 100_000;

/**
 * A YAML mapping whose keys were checked against an allowed list, merge keys resolved: `<<: *base`
 * reads as if base's keys were written here (keys written here win), each merged key and value
 * keeping its own position. In the root mapping (path ''), `x-` keys are not checked nor read.
 */
export class MapView {
  private readonly entries = new Map<string, { key: YNode; value: YNode }>();
  /** Known keys an unknown key looked like a typo of: their absence is not reported again. */
  private readonly misspelled = new Set<string>();
  /** Keys (and `<<` values) that were reported instead of read: unknown, not names, not mappings. */
  readonly rejected: number;

  constructor(
    private readonly r: Reader,
    readonly node: YAMLMap,
    readonly path: string,
    readonly anchor: number | undefined,
    allowed: readonly string[] | 'any',
    hints: Record<string, string>,
  ) {
    const resolved = r.entries(node, path);
    let rejected = resolved.badMerges;
    for (const { key: keyNode } of resolved.unnamed) {
      r.report(path, `keys must be plain names, found ${describeValue(isScalar(keyNode) ? keyNode.value : isSeq(keyNode) ? [] : {})}`, offsetOf(keyNode));
      rejected++;
    }
    for (const [key, e] of resolved.named) {
      if (path === '' && key.startsWith(EXTENSION_PREFIX)) continue;
      if (allowed !== 'any' && !allowed.includes(key)) {
        const guess = closest(key, allowed);
        if (guess !== undefined) this.misspelled.add(guess);
        const hint = hints[key] ? `: ${hints[key]}` : key === '<<' ? ": a quoted '<<' is an ordinary key; write <<: *name unquoted to merge" : guess !== undefined ? `, did you mean '${guess}'?` : ` (expected one of: ${allowed.join(', ')})`;
        r.report(childPath(path, key), `unknown key '${key}'${hint}`, offsetOf(e.key));
        rejected++;
        continue;
      }
      this.entries.set(key, { key: e.key, value: e.value });
    }
    this.rejected = rejected;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The value node of a key (aliases resolved); undefined when absent. */
  get(key: string): YNode {
    const e = this.entries.get(key);
    return e ? this.r.deref(e.value) : undefined;
  }

  /** Offset of a key's name in the file (for problems about the key itself). */
  keyOffset(key: string): number | undefined {
    return offsetOf(this.entries.get(key)?.key);
  }

  /** True when an unknown key was reported as a likely typo of `key`. */
  wasMisspelled(key: string): boolean {
    return this.misspelled.has(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  p(key: string): string {
    return childPath(this.path, key);
  }

  /** Reports a missing required key at this mapping's own key; returns false when missing. */
  require(key: string, what: string): boolean {
    if (this.has(key)) return true;
    if (this.misspelled.has(key)) return false; // "unknown key 'stpe', did you mean 'step'?" says it all
    this.r.report(this.p(key), `missing required key '${key}': ${what}`, this.anchor);
    return false;
  }

  /** A nested mapping; absent or empty (`report:` with nothing) reads as an empty mapping when `optional`. */
  child(key: string, allowed: readonly string[] | 'any', hints: Record<string, string> = {}): MapView | undefined {
    const n = this.get(key);
    if (n === undefined || (isScalar(n) && n.value === null)) return this.r.map(new YAMLMap(), this.p(key), allowed, this.keyOffset(key) ?? this.anchor);
    return this.r.map(n, this.p(key), allowed, this.keyOffset(key), hints);
  }
}

export function offsetOf(node: YNode): number | undefined {
  return node && node.range ? node.range[0] : undefined;
}

/**
 * Source offset of character `col` of a scalar's value: exact for plain and simply quoted
 * scalars (escapes aside), the scalar's start for block scalars.
 */
export function scalarOffset(node: Node, col: number): number | undefined {
  const start = offsetOf(node);
  if (start === undefined || !isScalar(node)) return start;
  if (node.type === Scalar.PLAIN) return start + col;
  if (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) return start + 1 + col;
  return start;
}

/** Control characters (newlines, tabs, …) escaped, so a quoted value cannot break a line. */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
