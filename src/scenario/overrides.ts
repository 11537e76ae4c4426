// `--set <path>=<value>` overrides: change one value of a scenario from the command line (CI sweeps,
// one-off tweaks) without editing the file. Pure: parsing is string → Override, applying edits a
// parsed yaml Document in memory and returns problems instead of throwing.
//
// Grammar of a flag (the value is everything after the `=` that ends the path):
//
//   set     := path '=' value
//   path    := first ( '.' key | '[' index ']' )*
//   first   := key | '[' index ']'
//   key     := bare | quoted
//   bare    := any characters but  . [ ] = "   (surrounding spaces are dropped; not empty)
//   quoted  := '"' ( any character but " and \  |  '\"'  |  '\\' )* '"'     (not empty)
//   index   := 0 | [1-9][0-9]*
//   value   := one YAML scalar or flow collection: 800, true, p99 < 200ms, 'a literal', [a, b], { a: 1 }
//
// Examples: `load.max=800`, `slo[0]=p99 < 200ms`, `traffic.requests[1].headers.x-run=ci-42`,
// `traffic.request.headers."x.y"=1` (a key with dots, `=` or brackets is written in double quotes).
//
// Applying: a missing key is created (with its parent mappings); `[n]` on a list of n items appends
// (also `[0]` on a missing list); anything else that does not fit the document (a key or an index
// into a scalar, an index further past the end) is a problem naming the flag. The value is taken
// literally: a `${` in it is not interpolated (see escapeInterpolation).
import { isAlias, isMap, isScalar, isSeq, Pair, parseDocument, visit, YAMLMap, YAMLSeq, type Document, type Node } from 'yaml';
import { describeValue } from './values.js';
import { MergeResolver } from './yaml-merge.js';

/** A key (string) or a list index (number). */
export type PathSegment = string | number;

export interface Override {
  /** The flag's argument as given: `load.max=800`. */
  text: string;
  /** The path as written, before the `=`: `load.max`, `traffic.request.headers."x.y"`. */
  pathText: string;
  path: PathSegment[];
  /** The value parsed as YAML: 800, 'p99 < 200ms', ['a', 'b'], { a: 1 }, null for an empty value. */
  value: unknown;
  /**
   * The flag this override stands for when it is not a `--set` (ad-hoc mode: `--url`, `--slo`, …;
   * see ad-hoc.ts): problems with its value are attributed to it, and `text` is that flag as given.
   */
  flag?: string;
}

export type ParsedOverride = { ok: true; override: Override } | { ok: false; error: string };

/** `a.b[0].c`: the key path as the scenario readers print it (keys unquoted), for matching problems. */
export function keyPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/** Parses one `--set` argument; the error quotes the argument and says what was expected. */
export function parseOverride(text: string): ParsedOverride {
  const fail = (why: string): ParsedOverride => ({ ok: false, error: `--set ${text}: ${why}` });
  const path: PathSegment[] = [];
  let i = 0;
  const at = () => (i === 0 ? 'at the start' : `after '${text.slice(0, i)}'`);
  for (;;) {
    if (text[i] === '[') {
      const close = text.indexOf(']', i);
      const digits = close < 0 ? text.slice(i + 1) : text.slice(i + 1, close);
      if (close < 0 || !/^(0|[1-9][0-9]*)$/.test(digits) || !Number.isSafeInteger(Number(digits))) {
        return fail(`expected a list index such as [0] ${at()}, found '[${close < 0 ? digits : digits + ']'}'`);
      }
      path.push(Number(digits));
      i = close + 1;
    } else if (text[i] === '"') {
      let key = '';
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
        key += text[j++];
      }
      if (j >= text.length) return fail(`the quoted key ${at()} is never closed (write "…")`);
      if (key === '') return fail(`empty key "" ${at()}`);
      path.push(key);
      i = j + 1;
    } else {
      const m = /^[^.[\]="]*/.exec(text.slice(i))![0];
      const key = m.trim();
      if (text[i + m.length] === '"') return fail(`a '"' inside a key ${at()}: quote the whole key ("…")`);
      if (key === '') {
        if (i === 0 && text[0] === '=') return fail('empty path before the =: expected <path>=<value>, e.g. load.max=800');
        if (i >= text.length && i === 0) return fail('empty: expected <path>=<value>, e.g. load.max=800');
        return fail(`empty key ${at()}`);
      }
      path.push(key);
      i += m.length;
    }
    // After a key or an index: another segment, or the `=` that starts the value.
    const c = text[i];
    if (c === '=') break;
    if (c === '[') continue;
    if (c === '.') {
      i++;
      continue;
    }
    if (c === undefined) return fail("no '=': expected <path>=<value>, e.g. load.max=800");
    return fail(`expected '.', '[' or '=' ${at()}, found '${c}'`);
  }
  const pathText = text.slice(0, i).trim();
  const parsed = parseValue(text.slice(i + 1));
  if (!parsed.ok) return fail(parsed.error);
  return { ok: true, override: { text, pathText, path, value: parsed.value } };
}

/** Parses every argument; returns the overrides, or every error (one line each). */
export function parseOverrides(texts: readonly string[]): { overrides: Override[]; errors: string[] } {
  const overrides: Override[] = [];
  const errors: string[] = [];
  for (const t of texts) {
    const r = parseOverride(t);
    if (r.ok) overrides.push(r.override);
    else errors.push(r.error);
  }
  return { overrides, errors };
}

function parseValue(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) {
    const msg = doc.errors[0]!.message.split('\n')[0]!.trim();
    return { ok: false, error: `the value is not valid YAML (${msg}); to set it as a string, quote it: '…'` };
  }
  const top = doc.contents;
  // `a: b` or `- a` would parse as a block mapping or list: almost surely a string meant literally.
  if ((isMap(top) || isSeq(top)) && !top.flow) {
    return { ok: false, error: `the value reads as a YAML ${isMap(top) ? 'mapping' : 'list'}; quote a string ('…') or write a flow ${isMap(top) ? '{ key: value }' : '[a, b]'}` };
  }
  try {
    return { ok: true, value: doc.toJS() };
  } catch (e) {
    // `*name`: an alias needs an anchor, and a value has none to refer to.
    return { ok: false, error: `the value is not valid YAML (${(e as Error).message}); to set it as a string, quote it: '…'` };
  }
}

/** `--set load.max=30 --set 'slo[1]=p50 < 10ms'`: the flags as a shell would take them back (for headers and plans). */
export function formatSetFlags(texts: readonly string[]): string {
  return texts.map((t) => `--set ${/^[\w.,:/=@%+-]+$/.test(t) ? t : `'${t.replaceAll("'", `'\\''`)}'`}`).join(' ');
}

/** What applying one override wrote. */
export interface AppliedOverride {
  override: Override;
  /** Key path (keyPath) of the shallowest node it wrote: the value itself, or the first parent it created. */
  root: string;
}

/**
 * Applies overrides in order (a later one wins) to a parsed scenario document. `source` names the
 * document in problems (the file). Each problem is one line starting with `--set <text>:` (or the
 * ad-hoc flag as given).
 */
export function applyOverrides(doc: Document, overrides: readonly Override[], source = 'the scenario'): { applied: AppliedOverride[]; problems: string[] } {
  const applied: AppliedOverride[] = [];
  const problems: string[] = [];
  for (const o of overrides) {
    const r = applyOne(doc, o, source);
    if (typeof r === 'string') problems.push(`${o.flag ? o.text : `--set ${o.text}`}: ${r}`);
    else applied.push({ override: o, root: r.root });
  }
  return { applied, problems };
}

function applyOne(doc: Document, o: Override, source: string): string | { root: string } {
  let current: unknown = doc.contents;
  let created: string | undefined;
  for (let k = 0; k < o.path.length; k++) {
    const seg = o.path[k]!;
    const here = o.path.slice(0, k);
    const last = k === o.path.length - 1;
    const where = here.length === 0 ? `the top level of ${source}` : `${keyPath(here)} in ${source}`;
    const next = last ? undefined : o.path[k + 1];
    let child: unknown;
    let put: (n: Node) => void;
    if (typeof seg === 'string') {
      if (!isMap(current)) return notA(current, where, 'mapping', seg);
      const map = current;
      let pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      // A key that only comes from a merge (`<<: *base`): the path goes on in a copy written here,
      // which wins over the merged one, so the rest of the merged value stays.
      const inherited = pair || last ? undefined : mergedValue(doc, map, seg);
      if (isMap(inherited) || isSeq(inherited)) {
        pair = new Pair(doc.createNode(seg), copyOf(inherited));
        map.items.push(pair);
      }
      child = pair ? pair.value : inherited; // a merged scalar: the next step says it is not a collection
      put = (n) => {
        detach(doc, pair?.value);
        if (pair) pair.value = n;
        else map.items.push(new Pair(doc.createNode(seg), n));
      };
    } else {
      if (!isSeq(current)) return notA(current, where, 'list', seg);
      const seq = current;
      const n = seq.items.length;
      if (seg > n) return `${where} has ${n} item${n === 1 ? '' : 's'}: [${n}] appends, [${seg}] is past the end`;
      child = seg < n ? seq.items[seg] : undefined;
      put = (node) => {
        detach(doc, seq.items[seg]);
        if (seg === n) seq.items.push(node);
        else seq.items[seg] = node;
      };
    }
    const path = o.path.slice(0, k + 1);
    if (last) {
      put(doc.createNode(escapeInterpolation(o.value, o.path), { aliasDuplicateObjects: false }));
      return { root: created ?? keyPath(path) };
    }
    if (isAlias(child)) {
      // Through an alias (*name) only the addressed copy changes, not the anchor and its other uses.
      const copy = copyOf(child.resolve(doc));
      if (copy) put(copy);
      child = copy;
    }
    // The path goes on inside `child` and changes it: its aliases elsewhere keep the file's value.
    if (isMap(child) || isSeq(child)) unshare(doc, new Set([child]));
    if (child === undefined || child === null || (isScalar(child) && child.value === null)) {
      // A missing (or empty: `report:`) parent is created, as a list only when the next index appends.
      if (typeof next === 'number' && next !== 0) return `${keyPath(path)} is not in ${source}: only [0] can start the list, not [${next}]`;
      child = typeof next === 'number' ? new YAMLSeq() : new YAMLMap();
      put(child as Node);
      created ??= keyPath(path);
    }
    current = child;
  }
  return 'empty path'; // parseOverride never returns an empty path
}

function notA(node: unknown, where: string, want: 'mapping' | 'list', seg: PathSegment): string {
  const found = isMap(node) ? 'a mapping' : isSeq(node) ? 'a list' : describeValue(isScalar(node) ? node.value : node);
  const address = typeof seg === 'number' ? `index [${seg}]` : `key '${seg}'`;
  return `${where} is ${found}, not a ${want}: it has no ${address}`;
}

/** The value `key` gets from the mapping's merge keys (aliases followed), when it is not written there. */
function mergedValue(doc: Document, map: YAMLMap, key: string): Node | undefined {
  const deref = (n: Node | null | undefined) => (isAlias(n) ? (n.resolve(doc) as Node | undefined) : n);
  const v = new MergeResolver({ deref, reportBadMerge: () => {} }).resolve(map, '').named.get(key)?.value;
  return deref(v) ?? undefined;
}

/**
 * Before `node` (and everything in it) is replaced: aliases elsewhere to an anchor inside it become
 * copies of what they referred to, so they keep the file's value and do not dangle.
 */
function detach(doc: Document, node: unknown): void {
  if (!isMap(node) && !isSeq(node) && !isScalar(node)) return;
  const anchored = new Set<Node>();
  visit(node, {
    Node: (_k, n) => {
      if ((n as { anchor?: string }).anchor) anchored.add(n);
    },
  });
  unshare(doc, anchored);
}

/** Replaces every alias of these anchored nodes with a copy: an override changes only what its path addresses. */
function unshare(doc: Document, nodes: ReadonlySet<Node>): void {
  if (![...nodes].some((n) => (n as { anchor?: string }).anchor)) return;
  visit(doc, {
    Alias: (_k, a) => {
      const target = a.resolve(doc);
      return target && nodes.has(target) ? copyOf(target) : undefined;
    },
  });
}

/** A deep copy of an anchored node without anchors, so aliases keep resolving to the original. */
function copyOf(node: Node | undefined): Node | undefined {
  if (!node) return undefined;
  const copy = node.clone() as Node;
  visit(copy, {
    Node: (_k, n) => {
      delete (n as { anchor?: string }).anchor;
    },
  });
  return copy;
}

/**
 * The scenario readers interpolate `${VAR}` when they read a scalar, and `$${` is their escape for a
 * literal `${`: a value given with --set is meant literally (the shell has already expanded what it
 * should), so its `${` are escaped before it goes into the document at `path`. Not inside a
 * structured request body (`body: { … }`): that is sent as written, never interpolated.
 */
export function escapeInterpolation(v: unknown, path: readonly PathSegment[] = []): unknown {
  if (path.slice(0, -1).includes('body')) return v;
  if (typeof v === 'string') return v.replaceAll('${', () => '$${'); // a function: in a replacement string `$$` is one `$`
  if (Array.isArray(v)) return v.map((x, i) => escapeInterpolation(x, [...path, i]));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, escapeInterpolation(x, [...path, k])]));
  return v;
}
