// `traffic.sessions` read and checked at load time, and the
// capture sources: their grammar, their errors, and what they take from a response.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load-scenario.js';
import type { ScenarioError } from '../../src/errors.js';
import type { GenerateTrafficSpec } from '../../src/scenario/scenario.js';
import { applyCaptures, parseCaptureRegex, parseCaptureSource, type CaptureSpec } from '../../src/workload/session/capture.js';

const SHOP = `name: shop sessions
target: http://127.0.0.1:3000
traffic:
  error_status: ">=400"
  sessions:
    - name: buyer
      weight: 3
      steps:
        - name: create
          method: POST
          path: /items
          headers: { content-type: application/json, authorization: "Bearer \${TOKEN}" }
          body: '{"sku": {{ random.int(1, 1000) }}}'
          capture: { item_id: json.id, where: header.location, code: status, tok: { regex: 'token=(\\w+)' } }
        - think: 20ms
        - name: read
          path: /items/{{ item_id }}
        - think: 10ms-50ms
        - name: delete
          method: DELETE
          path: '/items/{{ item_id }}?by={{ tok }}'
    - name: browser
      weight: 7
      steps:
        - { name: list, path: '/items?page={{ random.int(1, 50) }}' }
load: { start: 20, step: 20, max: 400 }
slo: ["p99{read} < 100ms", error_rate < 1%]
`;

const traffic = (yaml: string) => parseScenario(yaml, 'shop.yaml', { TOKEN: 't0k' }).traffic as GenerateTrafficSpec;
const problems = (yaml: string): string[] => {
  try {
    parseScenario(yaml, 'shop.yaml', { TOKEN: 't0k' });
  } catch (e) {
    return (e as ScenarioError).details;
  }
  return [];
};

describe('traffic.sessions', () => {
  it("the issue's example reads: steps are requests (by index), think times before the step they delay, captures parsed", () => {
    const t = traffic(SHOP);
    expect(t.requests.map((r) => r.name)).toEqual(['create', 'read', 'delete', 'list']);
    expect(t.sessions).toEqual([
      {
        name: 'buyer',
        weight: 3,
        steps: [
          {
            request: 0,
            captures: [
              { name: 'item_id', from: { kind: 'json', path: ['id'] }, source: 'json.id' },
              { name: 'where', from: { kind: 'header', name: 'location' }, source: 'header.location' },
              { name: 'code', from: { kind: 'status' }, source: 'status' },
              { name: 'tok', from: { kind: 'regex', pattern: 'token=(\\w+)' }, source: '{ regex: token=(\\w+) }' },
            ],
          },
          { request: 1, captures: [], think: { minMs: 20, maxMs: 20 } },
          { request: 2, captures: [], think: { minMs: 10, maxMs: 50 } },
        ],
      },
      { name: 'browser', weight: 7, steps: [{ request: 3, captures: [] }] },
    ]);
    // A captured variable is a var hole, filled at run time.
    expect(t.requests[1]!.template?.path).toEqual(['/items/', { value: { kind: 'var', name: 'item_id' }, json: false, source: '{{ item_id }}' }]);
  });

  it('every problem at once, each located: used before captured, unknown capture kinds, bad paths and regexes, think times', () => {
    const bad = `name: bad
target: http://127.0.0.1:3000
traffic:
  sessions:
    - name: buyer
      steps:
        - name: early
          path: /items/{{ item_id }}
        - name: create
          method: POST
          path: /items/{{ self }}
          capture: { item_id: jsn.id, self: status, n: 'json.items[x]', t: { regex: '(a)(b)' }, 9x: status, seq: status, r: { regex: '(' } }
        - think: 10ms-abc
        - name: again
          path: /items/{{ item_idd }}
        - think: 50ms-5ms
        - think: 5ms
    - name: buyer
      steps: []
  requests: [{ path: / }]
load: { start: 20, step: 20, max: 400 }
slo: [p99 < 100ms]
`;
    expect(problems(bad)).toMatchInlineSnapshot(`
      [
        "shop.yaml:8:24: traffic.sessions[0].steps[0].path: 'item_id' is used before any step captures it (step 2 captures it; a step can use only what earlier steps of its session captured) in '{{ item_id }}'",
        "shop.yaml:11:24: traffic.sessions[0].steps[1].path: 'self' is used before any step captures it (this step captures it, from its own response; a step can use only what earlier steps of its session captured) in '{{ self }}'",
        "shop.yaml:12:31: traffic.sessions[0].steps[1].capture.item_id: unknown capture 'jsn.id': expected json.<path>, header.<name>, status, { regex: <pattern> }; did you mean 'json.<path>'?",
        "shop.yaml:12:56: traffic.sessions[0].steps[1].capture.n: 'json.items[x]': expected [<index>] at character 11 (a JSON path is like json.id or json.items[0].id)",
        "shop.yaml:12:76: traffic.sessions[0].steps[1].capture.t: regex '(a)(b)' has 2 groups: give at most one (its match is the value), or use (?:…) for the others",
        "shop.yaml:12:97: traffic.sessions[0].steps[1].capture.9x: '9x' cannot name a captured value: templates write it as {{ 9x }}, so use letters, digits and _ (not first a digit)",
        "shop.yaml:12:109: traffic.sessions[0].steps[1].capture.seq: 'seq' is already a template name (a built-in or a data feeder); capture into another name",
        "shop.yaml:12:125: traffic.sessions[0].steps[1].capture.r: regex '(' does not compile: /(/: Unterminated group",
        "shop.yaml:13:18: traffic.sessions[0].steps[2].think: expected a think time such as 20ms or a range such as 10ms-50ms, found "10ms-abc": expected a duration such as 500ms, 20s, 1.5s, 1m or 1m30s, found 'abc'",
        "shop.yaml:15:24: traffic.sessions[0].steps[3].path: unknown name 'item_idd' in '{{ item_idd }}', did you mean 'item_id'?",
        "shop.yaml:16:18: traffic.sessions[0].steps[4].think: think 50ms-5ms: the shortest time is longer than the longest",
        "shop.yaml:16:18: traffic.sessions[0].steps[4].think: a think time after the last step delays nothing: remove it (a think time comes before the step it delays)",
        "shop.yaml:17:18: traffic.sessions[0].steps[5].think: two think steps in a row: write one (their times add up)",
        "shop.yaml:18:13: traffic.sessions[1].name: session name 'buyer' is already used by traffic.sessions[0]; names must be unique",
        "shop.yaml:19:14: traffic.sessions[1].steps: expected at least one request step",
        "shop.yaml:20:3: traffic.requests: give either 'sessions' (each arrival runs a session's steps) or 'requests', not both",
      ]
    `);
  });

  it('continue_on_failure: true on a step lets its session go on past a failure; false and absent end it', () => {
    const t = traffic(`name: s
target: http://127.0.0.1:3000
traffic:
  sessions:
    - name: visit
      steps:
        - { name: optional, path: /maybe, continue_on_failure: true }
        - { name: strict, path: /must, continue_on_failure: false }
        - { name: last, path: /last }
load: { start: 20, step: 20, max: 400 }
slo: [p99 < 100ms]
`);
    expect(t.sessions![0]!.steps).toEqual([
      { request: 0, captures: [], continueOnFailure: true },
      { request: 1, captures: [] },
      { request: 2, captures: [] },
    ]);
  });

  it('continue_on_failure: not a boolean, or beside a capture, each located', () => {
    expect(
      problems(`name: s
target: http://127.0.0.1:3000
traffic:
  sessions:
    - name: visit
      steps:
        - { name: a, path: /a, continue_on_failure: yes please }
        - { name: b, path: /b, capture: { id: json.id }, continue_on_failure: true }
        - { name: c, path: '/c/{{ id }}', continue_on_failur: true }
load: { start: 20, step: 20, max: 400 }
slo: [p99 < 100ms]
`),
    ).toMatchInlineSnapshot(`
      [
        "shop.yaml:7:53: traffic.sessions[0].steps[0].continue_on_failure: expected true or false, found the string 'yes please'",
        "shop.yaml:8:79: traffic.sessions[0].steps[1].continue_on_failure: a step that captures values cannot continue on failure: a failed step captures nothing, and the steps after it would miss its values",
        "shop.yaml:9:43: traffic.sessions[0].steps[2].continue_on_failur: unknown key 'continue_on_failur', did you mean 'continue_on_failure'?",
      ]
    `);
  });

  it('`plan` samples show a captured value by name', async () => {
    const { sampleRequestLines } = await import('../../src/workload/sample-requests.js');
    const t = traffic(SHOP);
    expect(sampleRequestLines(t.requests, [], 1).filter((l) => l.includes('/items/'))).toEqual(['    GET /items/captured.item_id', '    DELETE /items/captured.item_id?by=captured.tok']);
  });
});

describe('capture sources', () => {
  it.each([
    ['status', { kind: 'status' }],
    ['header.Location', { kind: 'header', name: 'location' }],
    ['json.id', { kind: 'json', path: ['id'] }],
    ['json.items[0].id', { kind: 'json', path: ['items', 0, 'id'] }],
    ['json[2]', { kind: 'json', path: [2] }],
    ['json.created-at', { kind: 'json', path: ['created-at'] }],
  ])('%s', (text, from) => {
    expect(parseCaptureSource(text)).toEqual({ ok: true, from });
  });

  it.each(['json', 'json.', 'json.items[', 'json.a b', 'header.', 'header.a b', 'regex(x)', 'body.id', 'headers.x', 'code', 'xyz'])('refused: %s', (text) => {
    const r = parseCaptureSource(text);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error).toContain(text.trim() === '' ? '' : text.split('.')[0]!);
  });

  it('regex: compiles, at most one group', () => {
    expect(parseCaptureRegex('id=(\\d+)')).toEqual({ ok: true, from: { kind: 'regex', pattern: 'id=(\\d+)' } });
    expect(parseCaptureRegex('(?:a|b)(c)').ok).toBe(true);
    expect(parseCaptureRegex('(a)(b)')).toMatchObject({ ok: false });
    expect(parseCaptureRegex('(')).toMatchObject({ ok: false });
  });

  const caps = (...xs: Array<[string, string]>): CaptureSpec[] =>
    xs.map(([name, source]) => {
      const p = source.startsWith('/') ? parseCaptureRegex(source.slice(1)) : parseCaptureSource(source);
      if (!p.ok) throw new Error(p.error);
      return { name, from: p.from, source };
    });
  const res = (body: string | null, status = 201, headers: Record<string, string> = {}) => ({
    status,
    header: (n: string) => headers[n],
    body: body === null ? null : Buffer.from(body),
  });

  it('applied to a response: text of strings, numbers, objects; the first failure says which and why', () => {
    const body = JSON.stringify({ id: 42, name: 'é"x', items: [{ id: 'a1' }, { id: 'a2' }], meta: { n: 1 }, nil: null });
    expect(applyCaptures(caps(['id', 'json.id'], ['second', 'json.items[1].id'], ['meta', 'json.meta'], ['name', 'json.name'], ['code', 'status'], ['loc', 'header.location'], ['re', '/"id":"(a\\d)"']), res(body, 201, { location: '/items/42' }))).toEqual({
      ok: true,
      values: [
        ['id', '42'],
        ['second', 'a2'],
        ['meta', '{"n":1}'],
        ['name', 'é"x'],
        ['code', '201'],
        ['loc', '/items/42'],
        ['re', 'a1'],
      ],
    });
    expect(applyCaptures(caps(['id', 'json.nil']), res(body))).toEqual({ ok: false, error: 'capture id (json.nil): not found' });
    expect(applyCaptures(caps(['id', 'json.items[5].id']), res(body))).toEqual({ ok: false, error: 'capture id (json.items[5].id): not found' });
    expect(applyCaptures(caps(['id', 'json.id']), res('<html>'))).toEqual({ ok: false, error: 'capture id (json.id): the body is not JSON' });
    expect(applyCaptures(caps(['id', 'json.id']), res(null))).toMatchObject({ ok: false, error: expect.stringContaining('no body read') });
    expect(applyCaptures(caps(['loc', 'header.location']), res('{}'))).toEqual({ ok: false, error: 'capture loc (header.location): not found' });
  });
});
