// Templates reading data columns (`{{ users.email }}`): the scope checked at load time (unknown
// feeder or column with did-you-mean, header-unsafe values refused), the fill (one row per feeder
// per request, encoded for its place, identical for both clients' layouts) and `plan`'s samples.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load-scenario.js';
import type { ScenarioError } from '../../src/errors.js';
import type { GenerateTrafficSpec, RequestSpec, Scenario } from '../../src/scenario/scenario.js';
import { openFeeder } from '../../src/workload/data/feeder.js';
import { columnResolver, createTemplateRuntime, OutBuffer } from '../../src/workload/byte-template.js';
import { Rng, SeqSource } from '../../src/workload/random-source.js';
import { applyRows, feedersUsed, RequestData } from '../../src/workload/request-data.js';
import { compileRequestParts, compileWireRequest, renderParts, renderWire } from '../../src/workload/request-template.js';
import { sampleRequestLines } from '../../src/workload/sample-requests.js';
import { dataScope } from '../../src/workload/data/data-scope.js';
import { parseTemplate } from '../../src/workload/template-parser.js';

const tmp = mkdtempSync(join(tmpdir(), 'loadtest-data-tpl-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const USERS = 'id,email,name,note\n1,a@x.io,Ann,"line1\nline2"\n2,b+1@x.io,"Bo ""B"" Ö",plain\n3,c/d@x.io,Cé,"x\\y"\n';

function project(dir: string, body: string, files: Record<string, string> = { 'users.csv': USERS }): string {
  const root = join(tmp, dir);
  mkdirSync(root, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  const text = `name: shop\ntarget: http://127.0.0.1:3000\ndata:\n  users: { csv: users.csv, order: sequential }\n${body}load: { start: 10, step: 10, max: 20 }\nslo: [p99 < 100ms]\n`;
  writeFileSync(join(root, 'shop.yaml'), text);
  return join(root, 'shop.yaml');
}
const problems = async (file: string) => {
  const err = (await loadScenario(file, { env: {} }).catch((e: unknown) => e)) as ScenarioError;
  return err.details.map((l) => l.replaceAll(tmp, '<tmp>'));
};
const requests = (s: Scenario) => (s.traffic as GenerateTrafficSpec).requests;

describe('the scope of data columns (load time)', () => {
  it('a feeder column is a name templates may use; its hole is a var', async () => {
    const s = await loadScenario(project('ok', "traffic:\n  request: { path: '/u/{{ users.id }}?e={{ users.email }}' }\n"), { env: {} });
    const r = requests(s)[0]!;
    expect(r.template?.path?.filter((p) => typeof p !== 'string').map((p) => (typeof p === 'string' ? p : p.value))).toEqual([
      { kind: 'var', name: 'users.id' },
      { kind: 'var', name: 'users.email' },
    ]);
  });

  it('an unknown column or feeder is an error at the hole, with did-you-mean; all at once', async () => {
    const file = project(
      'bad',
      "traffic:\n  requests:\n    - { path: '/u/{{ users.emial }}' }\n    - { path: '/v/{{ user.email }}' }\n    - { path: '/w', body: '{{ users.zzzzzz }}', method: POST }\n    - { path: '/x/{{ orders.id }}' }\n",
    );
    expect(await problems(file)).toMatchInlineSnapshot(`
      [
        "<tmp>/bad/shop.yaml:7:19: traffic.requests[0].path: data 'users' has no column 'emial' in '{{ users.emial }}', did you mean 'users.email'?",
        "<tmp>/bad/shop.yaml:8:19: traffic.requests[1].path: unknown data 'user' in '{{ user.email }}', did you mean 'users.email'?",
        "<tmp>/bad/shop.yaml:9:28: traffic.requests[2].body: data 'users' has no column 'zzzzzz' (columns: id, email, name, note) in '{{ users.zzzzzz }}'",
        "<tmp>/bad/shop.yaml:10:19: traffic.requests[3].path: unknown name 'orders.id' in '{{ orders.id }}', did you mean 'users.id'?",
      ]
    `);
  });

  it('a column whose values a header cannot carry is refused in a header, accepted in a body', async () => {
    const file = project('hdr', "traffic:\n  request: { path: /, method: POST, headers: { x-note: 'n={{ users.note }}', x-name: '{{ users.name }}' }, body: '{{ users.note }}' }\n");
    expect(await problems(file)).toMatchInlineSnapshot(`
      [
        "<tmp>/hdr/shop.yaml:6:56: traffic.request.headers.x-note: column 'note' of data 'users' cannot go in a header value: row 1 has a line break (<tmp>/hdr/users.csv) in '{{ users.note }}'",
      ]
    `);
    // `name` has Ö and é: Latin-1, sendable. The body takes anything.
    await expect(loadScenario(project('hdr2', "traffic:\n  request: { path: /, method: POST, headers: { x-name: '{{ users.name }}' }, body: '{{ users.note }}' }\n"), { env: {} })).resolves.toBeDefined();
  });

  it('a data file that could not be read is one problem, not one more per template using it', async () => {
    const file = project('missing', "traffic:\n  request: { path: '/u/{{ users.id }}' }\n", {});
    const ps = await problems(file);
    expect(ps).toHaveLength(1);
    expect(ps[0]).toContain('cannot read the file');
  });
});

/** A runtime over the scenario's feeders, as one thread of a run builds it. */
function thread(s: Scenario) {
  const feeders = Object.values(s.data ?? {}).map((d) => openFeeder(d, { seed: 7 }));
  const rt = createTemplateRuntime(new SeqSource(), new Rng(new Uint8Array(16).fill(1)), feeders);
  return { feeders, rt, data: new RequestData(feeders, requests(s)), columns: columnResolver(feeders) };
}

describe('filling data columns', () => {
  it('every column of one request comes from the same row; the next request takes the next row', async () => {
    const s = await loadScenario(project('row', "traffic:\n  request: { path: '/u/{{ users.id }}/{{ users.email }}', headers: { x-id: '{{ users.id }}' } }\n"), { env: {} });
    const { rt, data, columns } = thread(s);
    const parts = compileRequestParts(requests(s)[0]!, columns);
    const out: string[] = [];
    for (let i = 0; i < 4; i++) {
      applyRows(rt, data.draw(0)!);
      const x = renderParts(parts, new OutBuffer(), rt);
      out.push(`${x.path} ${x.headers[1]}`);
    }
    // Path values percent-encoded (`@`, `+`, `/`), the header's as is; sequential wraps.
    expect(out).toEqual(['/u/1/a%40x.io 1', '/u/2/b%2B1%40x.io 2', '/u/3/c%2Fd%40x.io 3', '/u/1/a%40x.io 1']);
  });

  it('each place encodes as encodeValue would: json(…) in a body, raw body, Latin-1 header; both layouts the same bytes', async () => {
    const s = await loadScenario(
      project(
        'enc',
        "traffic:\n  request: { path: '/n/{{ users.name }}', method: POST, headers: { x-name: '{{ users.name }}' }, body: '{\"n\": \"{{ json(users.name) }}\", \"note\": \"{{ json(users.note) }}\", \"raw\": \"{{ users.email }}\"}' }\n",
      ),
      { env: {} },
    );
    const r: RequestSpec = requests(s)[0]!;
    const a = thread(s);
    const b = thread(s);
    const parts = compileRequestParts(r, a.columns);
    const wire = compileWireRequest(new URL('http://h:1'), r, b.columns)!;
    const bodies: string[] = [];
    for (let i = 0; i < 3; i++) {
      applyRows(a.rt, a.data.draw(0)!);
      applyRows(b.rt, b.data.draw(0)!);
      const x = renderParts(parts, new OutBuffer(), a.rt);
      const out = new OutBuffer(Buffer.alloc(8));
      const n = renderWire(wire, out, new OutBuffer(Buffer.alloc(4)), b.rt);
      const text = out.buf.subarray(0, n).toString('latin1');
      // The wire request holds the same path, header and body.
      expect(text.startsWith(`POST ${x.path} HTTP/1.1\r\n`)).toBe(true);
      expect(text).toContain(`x-name: ${x.headers[x.headers.indexOf('x-name') + 1]}\r\n`);
      expect(out.buf.subarray(n - x.body!.length, n).toString("utf8")).toBe(x.body!.toString("utf8"));
      bodies.push(x.body!.toString('utf8'));
      // The body parses as JSON and round-trips the file's values.
      const feeder = a.feeders[0]!;
      const row = a.rt.rows[0]!;
      expect(JSON.parse(x.body!.toString('utf8'))).toEqual({ n: feeder.value(row, 2), note: feeder.value(row, 3), raw: feeder.value(row, 1) });
      expect(x.path).toBe(`/n/${encodeURIComponent(feeder.value(row, 2))}`);
      expect(x.headers[x.headers.indexOf('x-name') + 1]).toBe(feeder.value(row, 2));
    }
    expect(bodies[0]).toBe('{"n": "Ann", "note": "line1\\nline2", "raw": "a@x.io"}');
    expect(bodies[1]).toBe('{"n": "Bo \\"B\\" Ö", "note": "plain", "raw": "b+1@x.io"}');
  });

  it('a unique feeder: each row once, then the draw fails and names the feeder', async () => {
    const s = await loadScenario(project('uniq', "traffic:\n  request: { path: '/u/{{ users.id }}' }\n").replace(/$/, ''), { env: {}, overrides: ['data.users.order=unique'] });
    const { data } = thread(s);
    expect([data.draw(0), data.draw(0), data.draw(0)]).toEqual([[0, 0], [0, 1], [0, 2]]);
    expect(data.draw(0)).toBeUndefined();
    expect(data.exhausted?.name).toBe('users');
  });

  it('a request uses a feeder once however many of its columns it reads; requests without data draw nothing', () => {
    const scope = dataScope({ users: { name: 'users', format: 'csv', file: '/x', order: 'sequential', columns: ['id', 'email'], rows: 1 } });
    const path = parseTemplate('/{{ users.id }}/{{ users.email }}/{{ seq }}', scope).parts;
    const r = (template: RequestSpec['template']): RequestSpec => ({ name: 'r', method: 'GET', path: '/', headers: {}, weight: 1, ...(template ? { template } : {}) });
    expect(feedersUsed(r({ path }), [{ name: 'other' }, { name: 'users' }])).toEqual([1]);
    expect(feedersUsed(r(undefined), [{ name: 'users' }])).toEqual([]);
  });
});

describe('`loadtest plan` samples', () => {
  it('show the rows a run would use (a private cursor), secret headers masked', async () => {
    const s = await loadScenario(
      project('plan', "traffic:\n  request: { path: '/u/{{ users.id }}', headers: { authorization: { value: 'Bearer {{ users.email }}', secret: true }, x-email: '{{ users.email }}' } }\n"),
      { env: {}, overrides: ['data.users.order=unique'] },
    );
    const lines = sampleRequestLines(requests(s), s.secrets, 3, s.data);
    expect(lines.slice(1)).toEqual([
      "  GET /u/{{ users.id }}",
      '    GET /u/1  authorization: ***  x-email: a@x.io',
      '    GET /u/2  authorization: ***  x-email: b+1@x.io',
      '    GET /u/3  authorization: ***  x-email: c/d@x.io',
    ]);
    // Sampling used nothing up: a run's feeder starts at row 0.
    const f = openFeeder(s.data!.users!);
    expect(f.next()).toBe(0);
  });
});
