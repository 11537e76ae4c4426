// Bad-input fuzzing of the scenario loader: thousands of mutated scenarios (characters deleted,
// duplicated, swapped, inserted; files truncated; values replaced by the wrong type; random keys
// added or removed). Whatever the input, parseScenario returns a Scenario or throws a
// ScenarioError whose every problem says where it is — never a TypeError or any other crash.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { parseScenario } from '../../src/scenario/load-scenario.js';
import { ScenarioError } from '../../src/errors.js';

const seeds = [
  ...readdirSync(join(import.meta.dirname, '../fixtures/valid')).map((f) => join(import.meta.dirname, '../fixtures/valid', f)),
  ...readdirSync(join(import.meta.dirname, '../../scenarios')).filter((f) => f.endsWith('.yaml')).map((f) => join(import.meta.dirname, '../../scenarios', f)),
].map((f) => readFileSync(f, 'utf8'));

// Fixed seed so a failure reproduces; FUZZ_SEED=<n> FUZZ_RUNS=<n> explore further.
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

const env = { TARGET: 'http://127.0.0.1:1', API_TOKEN: 't' };
/** Parsed as if written in scenarios/, so the files examples name (replay's access log) are found. */
const AS_FILE = join(import.meta.dirname, '../../scenarios/fuzz.yaml');

/** The property: a Scenario, or a ScenarioError in which every problem has a position or a path. */
function check(text: string): void {
  let result: unknown;
  try {
    result = parseScenario(text, AS_FILE, env);
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw new Error(`not a ScenarioError for input:\n${text}\n---\n${(e as Error).stack}`);
    expect(e.problems.length).toBeGreaterThan(0);
    // Each problem once: a value looked at twice must not be reported twice.
    if (new Set(e.details).size !== e.details.length) throw new Error(`duplicate problem lines:\n${e.details.join('\n')}\ninput:\n${text}`);
    for (const p of e.problems) {
      if (!p.pos && !p.path) throw new Error(`problem without position or path: ${JSON.stringify(p)}\ninput:\n${text}`);
      expect(p.message.length).toBeGreaterThan(0);
      expect(p.message).not.toContain('\n');
    }
    return;
  }
  expect(result).toHaveProperty('name');
}

const SPECIAL = [':', '-', ' ', '\n', '{', '}', '[', ']', '"', "'", '#', '&', '*', '!', '|', '>', '%', '$', '${X}', '\t', '?', ',', '0', 'x'];

type TextOp = { kind: 'delete' | 'dup' | 'swap' | 'insert' | 'truncate'; at: number; ch: number };
const textOp = fc.record({
  kind: fc.constantFrom('delete', 'dup', 'swap', 'insert', 'truncate'),
  at: fc.nat(),
  ch: fc.nat(),
}) as fc.Arbitrary<TextOp>;

function applyText(text: string, op: TextOp): string {
  if (text.length === 0) return text;
  const i = op.at % text.length;
  switch (op.kind) {
    case 'delete':
      return text.slice(0, i) + text.slice(i + 1);
    case 'dup':
      return text.slice(0, i) + text[i] + text.slice(i);
    case 'swap':
      return i + 1 < text.length ? text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2) : text;
    case 'insert':
      return text.slice(0, i) + SPECIAL[op.ch % SPECIAL.length] + text.slice(i);
    case 'truncate':
      return text.slice(0, i);
  }
}

/** Every container (object or array) in a JS value, for structural mutations. */
function containers(v: unknown, out: Array<Record<string, unknown> | unknown[]> = []): Array<Record<string, unknown> | unknown[]> {
  if (v && typeof v === 'object') {
    out.push(v as Record<string, unknown>);
    for (const x of Object.values(v)) containers(x, out);
  }
  return out;
}

const WRONG: unknown[] = [0, -1, 1.5, 1e309, true, null, '', 'x', '${UNSET}', '1x', '5%', '10s', [], [1], {}, { a: 1 }, 'p99 < 1ms', '🙂'];
const KEYS = ['name', 'stpe', 'path', 'slo', 'load', 'max', 'start', 'shift', 'haproxy', 'requests', '<<', '1', 'control', 'url'];

type TreeOp = { kind: 'replace' | 'add' | 'remove'; where: number; key: number; value: number };
const treeOp = fc.record({
  kind: fc.constantFrom('replace', 'add', 'remove'),
  where: fc.nat(),
  key: fc.nat(),
  value: fc.nat(),
}) as fc.Arbitrary<TreeOp>;

function applyTree(doc: unknown, op: TreeOp): void {
  const cs = containers(doc);
  if (cs.length === 0) return;
  const c = cs[op.where % cs.length]!;
  const keys = Object.keys(c);
  const value = structuredClone(WRONG[op.value % WRONG.length]);
  if (op.kind === 'add') {
    if (Array.isArray(c)) c.push(value);
    else c[KEYS[op.key % KEYS.length]!] = value;
    return;
  }
  if (keys.length === 0) return;
  const k = keys[op.key % keys.length]!;
  if (op.kind === 'remove') {
    if (Array.isArray(c)) c.splice(Number(k), 1);
    else delete c[k];
  } else (c as Record<string, unknown>)[k] = value;
}

describe('fuzz: parseScenario never crashes', () => {
  it('the seeds are valid', () => {
    for (const s of seeds) expect(() => parseScenario(s, AS_FILE, env)).not.toThrow();
  });

  it(`character-level mutations (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(textOp, { minLength: 1, maxLength: 6 }), (seed, ops) => {
        check(ops.reduce(applyText, seeds[seed % seeds.length]!));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it(`structural mutations: wrong types, random keys, removed keys (${RUNS} runs)`, () => {
    const docs = seeds.map((s) => parseYaml(s));
    fc.assert(
      fc.property(fc.nat(), fc.array(treeOp, { minLength: 1, maxLength: 4 }), (seed, ops) => {
        const doc = structuredClone(docs[seed % docs.length]);
        for (const op of ops) applyTree(doc, op);
        check(stringify(doc));
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
  });

  it('arbitrary text and arbitrary YAML values', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (t) => check(t)), { numRuns: 300, seed: SEED + 2 });
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => check(stringify(v))), { numRuns: 300, seed: SEED + 3 });
  });
});
