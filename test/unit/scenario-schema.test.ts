// `loadtest schema`: the JSON Schema mirrors the loader's key lists exactly, and accepts every
// valid fixture and bundled scenario (an editor must never flag a file the loader accepts).
// A small draft 2020-12 subset validator (only the keywords our schema uses) checks the files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scenarioJsonSchema } from '../../src/scenario/json-schema.js';
import { KEYS } from '../../src/scenario/fields.js';
import { parseDuration } from '../../src/scenario/values.js';
import { parseSlo } from '../../src/slo/parse.js';
import fc from 'fast-check';

type S = Record<string, any>;
const schema = scenarioJsonSchema() as S;

/** Returns the paths at which `v` breaks `s`. Supports the keywords scenarioJsonSchema uses. */
function validate(s: S | boolean, v: unknown, path = '$'): string[] {
  if (s === true) return [];
  if (s === false) return [`${path}: not allowed here`];
  if (s.$ref) {
    const target = schema.$defs[s.$ref.replace('#/$defs/', '')];
    if (!target) return [`${path}: unresolved ${s.$ref}`];
    const { $ref: _r, ...rest } = s;
    return [...validate(target, v, path), ...validate(rest, v, path)];
  }
  const errs: string[] = [];
  const known = new Set(['$schema', 'title', 'description', 'default', 'examples', 'type', 'properties', 'required', 'additionalProperties', 'items', 'anyOf', 'const', 'enum', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'minItems', 'minLength', 'uniqueItems', 'propertyNames', 'patternProperties', 'maxProperties', '$defs', 'allOf', 'if', 'then', 'else']);
  for (const k of Object.keys(s)) if (!known.has(k)) errs.push(`${path}: validator does not know keyword ${k}`);
  for (const sub of s.allOf ?? []) errs.push(...validate(sub, v, path));
  if (s.if !== undefined) {
    const branch = validate(s.if, v, path).length === 0 ? s.then : s.else;
    if (branch !== undefined) errs.push(...validate(branch, v, path));
  }
  const typeOf = (x: unknown) => (x === null ? 'null' : Array.isArray(x) ? 'array' : Number.isInteger(x) ? 'integer' : typeof x);
  if (s.type) {
    const types = ([] as string[]).concat(s.type);
    const t = typeOf(v);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) return [`${path}: expected ${types.join('|')}, got ${t}`];
  }
  if (s.anyOf && !s.anyOf.some((alt: S) => validate(alt, v, path).length === 0)) errs.push(`${path}: no anyOf alternative matches ${JSON.stringify(v)}`);
  if ('const' in s && v !== s.const) errs.push(`${path}: expected ${s.const}`);
  if (s.enum && !s.enum.includes(v)) errs.push(`${path}: not in enum`);
  if (typeof v === 'string') {
    if (s.pattern && !new RegExp(s.pattern, 'u').test(v)) errs.push(`${path}: '${v}' does not match ${s.pattern}`);
    if (s.minLength !== undefined && v.length < s.minLength) errs.push(`${path}: too short`);
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) errs.push(`${path}: < minimum`);
    if (s.maximum !== undefined && v > s.maximum) errs.push(`${path}: > maximum`);
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) errs.push(`${path}: ≤ exclusiveMinimum`);
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) errs.push(`${path}: too few items`);
    if (s.uniqueItems && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) errs.push(`${path}: duplicate items`);
    if (s.items) v.forEach((x, i) => errs.push(...validate(s.items, x, `${path}[${i}]`)));
  } else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in o)) errs.push(`${path}: missing ${r}`);
    if (s.maxProperties !== undefined && Object.keys(o).length > s.maxProperties) errs.push(`${path}: too many properties`);
    for (const [k, x] of Object.entries(o)) {
      if (s.propertyNames) errs.push(...validate(s.propertyNames, k, `${path}.${k}(name)`));
      const patterns = Object.entries((s.patternProperties ?? {}) as Record<string, S>).filter(([re]) => new RegExp(re, 'u').test(k));
      for (const [, ps] of patterns) errs.push(...validate(ps, x, `${path}.${k}`));
      if (s.properties?.[k] !== undefined) errs.push(...validate(s.properties[k], x, `${path}.${k}`));
      else if (patterns.length > 0) continue;
      else if (s.additionalProperties === false) errs.push(`${path}: unexpected key ${k}`);
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') errs.push(...validate(s.additionalProperties, x, `${path}.${k}`));
    }
  }
  return errs;
}

describe('scenario JSON Schema', () => {
  it('is draft 2020-12 and serializable', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it('lists exactly the keys the loader accepts, section by section', () => {
    const p = schema.properties;
    const traffic = p.traffic.properties;
    const shift = traffic.shift.properties;
    const metricsObj = p.metrics.anyOf[1].properties;
    const sections: Array<[readonly string[], S]> = [
      [KEYS.root, p],
      [KEYS.traffic, traffic],
      [KEYS.data, p.data.additionalProperties.properties],
      [KEYS.request, schema.$defs.request.properties],
      [KEYS.header, schema.$defs.request.properties.headers.additionalProperties.anyOf[1].properties],
      [KEYS.shift, shift],
      [KEYS.haproxy, shift.haproxy.anyOf[0].properties],
      [KEYS.haproxy, shift.haproxy.anyOf[1].items.properties],
      [KEYS.command, shift.command.properties],
      [KEYS.limits, shift.limits.properties],
      [KEYS.metrics, metricsObj],
      [KEYS.prometheus, metricsObj.prometheus.properties],
      [KEYS.scrape, metricsObj.scrape.properties],
      [KEYS.load, p.load.properties],
      [KEYS.report, p.report.properties],
      [KEYS.gate, p.gate.properties],
    ];
    for (const [keys, props] of sections) expect(Object.keys(props)).toEqual([...keys]);
  });

  const files = [
    ...readdirSync(join(import.meta.dirname, '../fixtures/valid')).map((f) => join(import.meta.dirname, '../fixtures/valid', f)),
    ...readdirSync(join(import.meta.dirname, '../../scenarios')).filter((f) => f.endsWith('.yaml')).map((f) => join(import.meta.dirname, '../../scenarios', f)),
  ];
  // Editors (yaml-language-server since 0.7) resolve merge keys (<<) before validating.
  it.each(files.map((f) => [f.split('/').slice(-2).join('/'), f]))('accepts %s', (_n, f) => {
    expect(validate(schema, parse(readFileSync(f, 'utf8'), { merge: true }))).toEqual([]);
  });

  it.each([
    ['unknown key', { name: 'x', traffic: {}, load: { start: 1, max: 2, stpe: 1 }, slo: ['p99 < 1ms'] }],
    ['bad SLO', { name: 'x', traffic: {}, load: { start: 1, max: 2 }, slo: ['p98 < 1ms'] }],
    ['bad duration', { name: 'x', traffic: { timeout: '5 secs' }, load: { start: 1, max: 2 }, slo: ['p99 < 1ms'] }],
    ['missing name', { traffic: {}, target: 'http://h', load: { start: 1, max: 2 }, slo: ['p99 < 1ms'] }],
    ['generate without target', { name: 'x', traffic: {}, load: { start: 1, max: 2 }, slo: ['p99 < 1ms'] }],
    ['generate with a share level', { name: 'x', target: 'http://h', traffic: {}, load: { start: '1x', max: 2 }, slo: ['p99 < 1ms'] }],
    ['generate with windows', { name: 'x', target: 'http://h', traffic: {}, load: { start: 1, max: 2, window: '5s' }, slo: ['p99 < 1ms'] }],
    ['shift with a target', { name: 'x', target: 'http://h', traffic: { shift: {} }, load: { start: '1x', max: '2x' }, slo: ['error_rate < 1%'] }],
    ['an x- key below the top level', { name: 'x', target: 'http://h', traffic: { 'x-a': 1 }, load: { start: 1, max: 2 }, slo: ['p99 < 1ms'] }],
    ['data in shift mode', { name: 'x', data: { users: { csv: 'u.csv' } }, traffic: { shift: {} }, load: { start: '1x', max: '2x' }, slo: ['error_rate < 1%'] }],
    ['data without a file', { name: 'x', target: 'http://h', data: { users: { order: 'unique' } }, traffic: {}, load: { start: 1, max: 2 }, slo: ['p99 < 1ms'] }],
    ['data with an unknown order', { name: 'x', target: 'http://h', data: { users: { csv: 'u.csv', order: 'uniqe' } }, traffic: {}, load: { start: 1, max: 2 }, slo: ['p99 < 1ms'] }],
    ['shift with an rps level', { name: 'x', traffic: { shift: {} }, load: { start: 100, max: '2x' }, slo: ['error_rate < 1%'] }],
  ])('rejects: %s', (_n, doc) => {
    expect(validate(schema, doc)).not.toEqual([]);
  });

  it('the validator itself accepts minimal documents of both modes', () => {
    expect(validate(schema, { name: 'x', target: 'http://h', traffic: {}, load: { start: 1, max: 2 }, slo: ['p99 < 1ms'] })).toEqual([]);
    expect(validate(schema, { name: 'x', traffic: { shift: {} }, load: { start: '1x', max: '2x' }, slo: ['error_rate < 1%'] })).toEqual([]);
  });

  it('accepts data feeders (generate mode)', () => {
    const data = { users: { csv: 'data/users.csv', order: 'unique' }, events: { jsonl: 'data/events.jsonl' } };
    expect(validate(schema, { name: 'x', target: 'http://h', data, traffic: {}, load: { start: 1, max: 2 }, slo: ['p99 < 1ms'] })).toEqual([]);
  });
});

describe('defaults are valid values (editors insert them on completion)', () => {
  /** Every (schema, default) pair in the schema. */
  function defaults(s: unknown, out: Array<[S, unknown, string]> = [], path = '$'): Array<[S, unknown, string]> {
    if (s && typeof s === 'object') {
      if ('default' in (s as S)) out.push([s as S, (s as S).default, path]);
      for (const [k, v] of Object.entries(s as S)) defaults(v, out, `${path}.${k}`);
    }
    return out;
  }
  it('each default validates against its own schema', () => {
    const all = defaults(schema);
    expect(all.length).toBeGreaterThan(15);
    for (const [s, d, path] of all) expect(validate(s, d, path)).toEqual([]);
  });
});

describe('schema patterns agree with the loader', () => {
  const fcTokens = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
  it('durations: the pattern accepts exactly what parseDuration accepts', () => {
    const re = new RegExp(schema.$defs.duration.pattern, 'u');
    const piece = fc.tuple(fcTokens(['0', '1', '1.5', '20', '90', '.5', '', '-1']), fcTokens(['ms', 's', 'm', 'h', '', 'x', ' s']));
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 3 }), (pieces) => {
        const d = pieces.map(([n, u]) => n + u).join('');
        expect(re.test(d)).toBe(parseDuration(d).ok && d.trim() === d);
      }),
      { numRuns: 500, seed: 3 },
    );
  });
  it('SLO rules: the pattern accepts every rule parseSlo accepts', () => {
    const re = new RegExp(schema.$defs.slo.pattern, 'u');
    const rule = fc.tuple(
      fcTokens(['', 'control.']),
      fcTokens(['p50', 'p99', 'p999', 'mean', 'mean_latency', 'error_rate', 'throughput', 'rps', 'queue', 'share', 'p98']),
      fcTokens(['', '{buy}']),
      fcTokens([' < ', '<=', ' > ', '>=', ' = ']),
      fcTokens(['250', '0.5', '.5', '1', '-1']),
      fcTokens(['', 'ms', 's', 'us', 'µs', '%', 'rps', '/s', 'x']),
    );
    fc.assert(
      fc.property(rule, (parts) => {
        const text = parts.join('');
        let ok = true;
        try {
          parseSlo(text);
        } catch {
          ok = false;
        }
        // The parser also checks units per metric; the pattern only the shape. So: parser ⇒ pattern.
        if (ok) expect(re.test(text)).toBe(true);
      }),
      { numRuns: 1000, seed: 4 },
    );
  });
});
