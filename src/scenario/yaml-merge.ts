// YAML 1.1 merge keys (`<<: *base`, `<<: [*a, *b]`, as in docker-compose and GitLab CI),
// resolved on the parsed tree rather than by the parser, so every merged key and value keeps the
// position where it is written (the anchor's place): a problem in a merged value points there,
// under the path of the mapping that merged it. Also: a collection as plain data, merges resolved.
import { isAlias, isMap, isScalar, isSeq, Scalar, type Node, type YAMLMap } from 'yaml';

type YNode = Node | null | undefined;

/** One key of a mapping after merging: its name, and the key and value nodes as written. */
export interface MapEntry {
  /** The key's text; undefined when it is not a string or number (`[a]: 1`, `true: 1`). */
  name: string | undefined;
  key: YNode;
  value: YNode;
}

/** A mapping's keys with merges resolved, and how many merge values could not be used. */
export interface ResolvedMap {
  /** Keys by name, in the order they appear (merged keys where their `<<` stands). */
  named: Map<string, MapEntry>;
  /** Keys that are not names, own and merged, for the caller to report or stringify. */
  unnamed: MapEntry[];
  /** `<<` values (or list items) that are not mappings, already reported. */
  badMerges: number;
}

/** What the resolver needs from its reader: aliases followed, problems recorded. */
export interface MergeHost {
  deref(node: YNode): YNode;
  /**
   * Reports a `<<` value that is not a mapping or a list of mappings, at the value as written
   * (`<<: *name` points at the alias: using it there is the mistake, not the anchor's value).
   */
  reportBadMerge(written: YNode, path: string): void;
}

/** A plain `<<` key (a quoted "<<" is an ordinary key, as YAML 1.1 has it). */
export function isMergeKey(key: unknown): boolean {
  if (typeof key === 'symbol') return key.description === '<<';
  if (!isScalar(key) || (key.type !== undefined && key.type !== Scalar.PLAIN)) return false;
  return key.value === '<<' || (typeof key.value === 'symbol' && key.value.description === '<<');
}

export class MergeResolver {
  // One resolution per mapping: an anchor merged into many places is read (and its bad `<<`
  // reported) once, and aliases of aliases cannot make the work grow exponentially.
  private readonly cache = new WeakMap<YAMLMap, ResolvedMap>();
  private readonly resolving = new Set<YAMLMap>();

  constructor(private readonly host: MergeHost) {}

  /**
   * Keys written in the mapping win over merged ones, wherever they stand; among merged
   * mappings the earlier wins (`<<: [*a, *b]`: a's keys over b's), as YAML 1.1 specifies. Merged
   * mappings may merge others. A mapping merged into itself adds nothing.
   */
  resolve(map: YAMLMap, path: string): ResolvedMap {
    const cached = this.cache.get(map);
    if (cached) return cached;
    const out: ResolvedMap = { named: new Map(), unnamed: [], badMerges: 0 };
    if (this.resolving.has(map)) return out;
    this.resolving.add(map);
    const own = new Set<string>();
    for (const item of map.items) {
      const name = isMergeKey(item.key) ? undefined : nameOf(this.host.deref(item.key as YNode));
      if (name !== undefined) own.add(name);
    }
    for (const item of map.items) {
      if (isMergeKey(item.key)) {
        for (const source of this.sources(item.value as YNode, path ? `${path}.<<` : '<<', out)) {
          const merged = this.resolve(source, path);
          out.badMerges += merged.badMerges;
          for (const e of merged.unnamed) if (!out.unnamed.some((u) => u.key === e.key)) out.unnamed.push(e); // `<<: [*a, *a]`
          for (const [name, e] of merged.named) if (!own.has(name) && !out.named.has(name)) out.named.set(name, e);
        }
        continue;
      }
      const key = this.host.deref(item.key as YNode) ?? (item.key as YNode);
      const entry: MapEntry = { name: nameOf(key), key, value: item.value as YNode };
      if (entry.name === undefined) out.unnamed.push(entry);
      else out.named.set(entry.name, entry);
    }
    this.resolving.delete(map);
    this.cache.set(map, out);
    return out;
  }

  /** The mappings a `<<` value names; anything else is reported and counted. */
  private sources(value: YNode, path: string, out: ResolvedMap): YAMLMap[] {
    const v = this.host.deref(value);
    if (isMap(v)) return [v];
    if (!isSeq(v)) {
      this.host.reportBadMerge(value, path);
      out.badMerges++;
      return [];
    }
    const maps: YAMLMap[] = [];
    v.items.forEach((it, i) => {
      const m = this.host.deref(it as YNode);
      if (isMap(m)) maps.push(m);
      else {
        this.host.reportBadMerge(it as YNode, `${path}[${i}]`);
        out.badMerges++;
      }
    });
    return maps;
  }
}

/**
 * A collection as plain data (a structured request body, sent as JSON): aliases and merge keys
 * resolved, scalars as written. An error when it contains itself (`&b { next: *b }`, at the alias)
 * or expands past `maxValues` (aliases of aliases grow exponentially: a billion-laughs file).
 */
export function plainData(
  node: YNode,
  path: string,
  host: Pick<MergeHost, 'deref'> & { entries(map: YAMLMap, path: string): ResolvedMap },
  maxValues: number,
): { ok: true; value: unknown } | { ok: false; error: string; at?: YNode } {
  let left = maxValues;
  const stack = new Set<Node>();
  const walk = (raw: YNode, p: string): unknown => {
    const n = host.deref(raw);
    if (--left < 0) throw new PlainError(`expands to more than ${maxValues} values (aliases included)`);
    if (isScalar(n)) return n.value;
    if (!isMap(n) && !isSeq(n)) return null;
    if (stack.has(n)) throw new PlainError('contains itself (an alias inside its own anchor)', raw);
    stack.add(n);
    let out: unknown;
    if (isSeq(n)) out = n.items.map((it, i) => walk(it as YNode, `${p}[${i}]`));
    else {
      const o: Record<string, unknown> = {};
      const { named, unnamed } = host.entries(n, p);
      for (const [k, e] of named) o[k] = walk(e.value, p ? `${p}.${k}` : k);
      // `true: 1`, `[a]: 1`: JSON keys are text, so such keys become their text.
      for (const e of unnamed) o[String(walk(e.key, p))] = walk(e.value, p);
      out = o;
    }
    stack.delete(n);
    return out;
  };
  try {
    return { ok: true, value: walk(node, path) };
  } catch (e) {
    if (!(e instanceof PlainError)) throw e;
    return { ok: false, error: e.message, at: e.at };
  }
}

class PlainError extends Error {
  constructor(message: string, readonly at?: YNode) {
    super(message);
  }
}

function nameOf(key: YNode): string | undefined {
  if (isAlias(key) || !isScalar(key)) return undefined;
  return typeof key.value === 'string' || typeof key.value === 'number' ? String(key.value) : undefined;
}
