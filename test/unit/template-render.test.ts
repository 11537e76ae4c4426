// Filling templates: the encoders by place, the value sources (seq across threads, random ranges,
// UUIDs), and whole requests as the lean client writes them (content-length of variable bodies)
// and as undici gets them.
import { describe, expect, it } from 'vitest';
import { createTemplateRuntime, OutBuffer, writeInt, type TemplateRuntime } from '../../src/workload/byte-template.js';
import { encodeValue, headerValueProblem, jsonEscape, percentEncode } from '../../src/workload/encode.js';
import { createSeqCounter, Rng, SeqSource, SEQ_BLOCK } from '../../src/workload/random-source.js';
import { compileRequestParts, renderParts, renderWire, type WireRequest } from '../../src/workload/request-template.js';
import { parseTemplate } from '../../src/workload/template-parser.js';
import { EMPTY_SCOPE, scopeOf } from '../../src/workload/template-scope.js';
import type { RequestTemplate } from '../../src/workload/template.js';
import { compileTemplatedRequest, serializeRequest } from '../../src/traffic/generator/http1-request.js';
import type { RequestSpec } from '../../src/scenario/scenario.js';

const ORIGIN = new URL('http://example.com:8080');
const seed = (n: number) => new Uint8Array(16).fill(n);
const runtime = (): TemplateRuntime => createTemplateRuntime(new SeqSource(), new Rng(seed(7)));
const t = (text: string, json = false) => {
  const r = parseTemplate(text, EMPTY_SCOPE, { json });
  expect(r.problems).toEqual([]);
  return r.parts;
};

/** A request whose fields with `{{` are templated, as the loader makes it. */
function req(over: Partial<RequestSpec>): RequestSpec {
  const r: RequestSpec = { name: 'r', method: 'GET', path: '/', headers: {}, weight: 1, ...over };
  const template: RequestTemplate = {};
  if (r.path.includes('{{')) template.path = t(r.path);
  for (const [k, v] of Object.entries(r.headers)) if (v.includes('{{')) (template.headers ??= {})[k] = t(v);
  if (r.body?.includes('{{')) template.body = t(r.body);
  if (Object.keys(template).length > 0) r.template = template;
  return r;
}

const wire = (w: WireRequest, rt: TemplateRuntime, out = new OutBuffer(), scratch = new OutBuffer()) => out.buf.toString('latin1', 0, renderWire(w, out, scratch, rt));

describe('encoders', () => {
  it.each([
    ['abc-._~XYZ019', 'abc-._~XYZ019'],
    ['a b', 'a%20b'],
    ['a/b?c=d&e#f', 'a%2Fb%3Fc%3Dd%26e%23f'],
    ['%', '%25'],
    ["!*'()", '%21%2A%27%28%29'],
    ['é€🚀', '%C3%A9%E2%82%AC%F0%9F%9A%80'],
  ])('percentEncode(%j) = %s', (s, want) => expect(percentEncode(s)).toBe(want));

  it.each([
    ['plain', 'plain'],
    ['a"b', 'a\\"b'],
    ['back\\slash', 'back\\\\slash'],
    ['line\nbreak\ttab', 'line\\nbreak\\ttab'],
    ['\u0001', '\\u0001'],
    ['é', 'é'],
    ['\ud800', '\\ud800'],
  ])('jsonEscape(%j) = %s', (s, want) => expect(jsonEscape(s)).toBe(want));

  it.each([
    ['ok value\twith tab', undefined],
    ['a\r\nx: 1', 'a header value cannot contain a line break or NUL character'],
    ['a\0', 'a header value cannot contain a line break or NUL character'],
    ['€', 'a header value must be Latin-1 text (characters up to U+00FF)'],
  ])('headerValueProblem(%j)', (s, want) => expect(headerValueProblem(s)).toBe(want));

  it.each([
    ['a b"c', 'path', false, 'a%20b%22c'],
    ['a b"c', 'path', true, 'a%20b%5C%22c'],
    ['a b"c', 'header', false, 'a b"c'],
    ['a b"c', 'body', true, 'a b\\"c'],
    ['é', 'body', false, 'é'],
  ] as const)('encodeValue(%j, %s, json %s)', (v, place, json, want) => expect(encodeValue(v, place, json).toString(place === 'body' ? 'utf8' : 'latin1')).toBe(want));

  it('a header value that cannot be sent throws (var holes: checked where their data is loaded)', () => {
    expect(() => encodeValue('a\nb', 'header', false)).toThrow(/line break/);
  });
});

describe('value sources', () => {
  it.each([0, 7, 9, 10, 99, 100, -1, -42, 999_999_999, 1_000_000_000, 1234567890, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1)])('writeInt(%d)', (n) => {
    const b = Buffer.alloc(32);
    expect(b.toString('latin1', 0, writeInt(b, 0, n))).toBe(String(n));
  });

  it('seq: one source counts 1, 2, 3, … densely', () => {
    const s = new SeqSource();
    expect(Array.from({ length: 200 }, () => s.take())).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('seq: agents (each its own counter and slot, threads within) never repeat one another’s numbers', () => {
    const agents = [0, 1, 2, 65_535].map((slot) => createSeqCounter(slot));
    const sources = agents.flatMap((c) => [new SeqSource(c), new SeqSource(c)]);
    const seen = new Set<number>();
    const rng = new Rng(seed(5));
    for (let i = 0; i < 20_000; i++) seen.add(sources[rng.int(0, sources.length - 1)]!.take());
    expect(seen.size).toBe(20_000);
    // Agent 0's first block is 1–64, agent 1's 65–128; one machine's counter is unchanged (dense).
    expect(new SeqSource(createSeqCounter(0)).take()).toBe(1);
    expect(new SeqSource(createSeqCounter(1)).take()).toBe(65);
    const one = new SeqSource(createSeqCounter());
    expect(Array.from({ length: 130 }, () => one.take()).at(-1)).toBe(130);
  });

  it('seq: sources on one counter (threads) never repeat a number, taking blocks of 64', () => {
    const counter = createSeqCounter();
    const [a, b, c] = [new SeqSource(counter), new SeqSource(counter), new SeqSource(counter)];
    const seen = new Set<number>();
    const rng = new Rng(seed(3));
    for (let i = 0; i < 10_000; i++) seen.add([a, b, c][rng.int(0, 2)]!.take());
    expect(seen.size).toBe(10_000);
    expect(new SeqSource(counter).take() % SEQ_BLOCK).toBe(1);
  });

  it.each([
    [1, 3],
    [-5, 5],
    [7, 7],
    [0, 2 ** 40],
    [-(2 ** 53 - 1), 2 ** 53 - 1],
  ])('random.int(%d, %d) stays in its bounds, both included', (min, max) => {
    const rng = new Rng(seed(1));
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < 20_000; i++) {
      const x = rng.int(min, max);
      expect(Number.isInteger(x)).toBe(true);
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    expect(lo).toBeGreaterThanOrEqual(min);
    expect(hi).toBeLessThanOrEqual(max);
    if (max - min < 10) expect([lo, hi]).toEqual([min, max]);
  });

  it('a seed of equal bytes still starts with independent draws', () => {
    const rng = new Rng(seed(0x5a));
    const draws = Array.from({ length: 8 }, () => rng.u32());
    expect(new Set(draws).size).toBe(8);
  });

  it('random.int(1, 3) is uniform (each value within 3% of a third over 30,000 draws)', () => {
    const rng = new Rng();
    const n = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) n[rng.int(1, 3) - 1]!++;
    for (const c of n) expect(Math.abs(c / 10_000 - 1)).toBeLessThan(0.03);
  });
});

describe('byte templates', () => {
  const fill = (text: string, place: 'path' | 'header' | 'body' = 'body', rt = runtime()) => {
    const p = compileRequestParts(req(place === 'path' ? { path: text } : place === 'header' ? { headers: { x: text } } : { method: 'POST', body: text }));
    const r = renderParts(p, new OutBuffer(), rt);
    return place === 'path' ? r.path : place === 'header' ? r.headers[1]! : r.body!.toString('utf8');
  };

  it.each([
    ['/r/{{ seq }}', /^\/r\/1$/],
    ['{{ uuid }}', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/],
    ['{{ now.ms }}', /^\d{13}$/],
    ['{{ random.string(20) }}', /^[A-Za-z0-9]{20}$/],
    ['{{ random.int(-3, -1) }}', /^-[123]$/],
    ["{{ random.pick('a', 'b') }}", /^[ab]$/],
    ["x{{ '{{' }}y", /^x\{\{y$/],
  ])('%s (body)', (text, re) => expect(fill(text)).toMatch(re));

  it('in a path, a picked value is percent-encoded: it cannot add a segment or a parameter', () => {
    expect(fill("/s?q={{ random.pick('a/b&c=d é') }}", 'path')).toBe('/s?q=a%2Fb%26c%3Dd%20%C3%A9');
  });

  it("a path's literal non-ASCII characters are percent-encoded as for a plain path; its reserved characters kept", () => {
    expect(fill('/café/{{ seq }}?a=1&b=é', 'path')).toBe('/caf%C3%A9/1?a=1&b=%C3%A9');
  });

  it('in a header, values are sent as they are', () => {
    expect(fill("Bearer {{ random.pick('a b/c') }}", 'header')).toBe('Bearer a b/c');
  });

  it('json(…) escapes for the inside of a JSON string', () => {
    expect(fill('{"q": "{{ json(random.pick(\'say "hi"\\\')) }}"}')).toBe('{"q": "say \\"hi\\"\\\\"}');
  });

  it('var holes (data columns, captures) ask the runtime lookup, encoded for their place', () => {
    const parts = parseTemplate('/u/{{ users.email }}', scopeOf(['users.email'])).parts;
    const p = compileRequestParts({ name: 'u', method: 'GET', path: '', headers: {}, weight: 1, template: { path: parts } });
    const rt = { ...runtime(), lookup: (n: string) => (n === 'users.email' ? 'a+b@x.org' : '?') };
    // A small buffer: an unbounded hole grows it.
    expect(renderParts(p, new OutBuffer(Buffer.alloc(4)), rt).path).toBe('/u/a%2Bb%40x.org');
  });
});

describe('templated requests on the wire (lean client)', () => {
  it('no holes: no template (the request keeps its one precomputed Buffer)', () => {
    expect(compileTemplatedRequest(ORIGIN, req({ path: '/static' }))).toBeNull();
  });

  it('path and header holes: the same bytes as serializeRequest, with values', () => {
    const w = compileTemplatedRequest(ORIGIN, req({ path: '/r/{{ seq }}', headers: { 'x-id': 'id-{{ seq }}', accept: '*/*' } }))!;
    const rt = runtime();
    const out = new OutBuffer();
    expect(wire(w, rt, out)).toBe(serializeRequest(ORIGIN, req({ path: '/r/1', headers: { 'x-id': 'id-2', accept: '*/*' } })).toString('latin1'));
    // The buffer is reused: the next send writes new values over it.
    const before = out.buf;
    expect(wire(w, rt, out)).toBe(serializeRequest(ORIGIN, req({ path: '/r/3', headers: { 'x-id': 'id-4', accept: '*/*' } })).toString('latin1'));
    expect(out.buf).toBe(before);
  });

  it('a static body after a templated path keeps its content-length', () => {
    const w = compileTemplatedRequest(ORIGIN, req({ method: 'POST', path: '/r/{{ seq }}', body: 'héllo' }))!;
    expect(Buffer.from(wire(w, runtime()), 'latin1').equals(serializeRequest(ORIGIN, req({ method: 'POST', path: '/r/1', body: 'héllo' })))).toBe(true);
  });

  it('a templated body: content-length is its byte length, per request', () => {
    const body = '{"n": {{ random.int(1, 1000000) }}, "s": "{{ random.string(3) }}", "u": "{{ random.pick(\'é\', \'abcdef\') }}"}';
    const w = compileTemplatedRequest(ORIGIN, req({ method: 'POST', path: '/items', headers: { 'content-type': 'application/json' }, body }))!;
    const rt = runtime();
    const lengths = new Set<number>();
    const out = new OutBuffer();
    for (let i = 0; i < 200; i++) {
      const n = renderWire(w, out, new OutBuffer(), rt);
      const bytes = out.buf.subarray(0, n);
      const head = bytes.toString('latin1', 0, bytes.indexOf('\r\n\r\n') + 4);
      const sent = bytes.subarray(head.length);
      expect(head).toMatch(/^POST \/items HTTP\/1\.1\r\nhost: example\.com:8080\r\ncontent-type: application\/json\r\ncontent-length: \d+\r\n\r\n$/);
      expect(Number(/content-length: (\d+)/.exec(head)![1])).toBe(sent.length);
      expect(() => JSON.parse(sent.toString('utf8'))).not.toThrow();
      lengths.add(sent.length);
    }
    expect(lengths.size).toBeGreaterThan(1);
  });

  it('a templated body needs our content-length: one set in the scenario is refused', () => {
    expect(() => compileTemplatedRequest(ORIGIN, req({ method: 'POST', headers: { 'Content-Length': '5' }, body: '{{ seq }}' }))).toThrow(/content-length/);
  });

  it('literal parts get the static checks (a space in a templated path throws, naming the request)', () => {
    expect(() => compileTemplatedRequest(ORIGIN, { ...req({ path: '/a b/{{ seq }}' }), name: 'bad' })).toThrow(/request bad\b/);
  });
});
