// `--set <path>=<value>`: parsing the flag, applying it to a parsed document (replace, create,
// append, through aliases), the problems that name the flag, and how scenario problems about a
// value that came from a flag are attributed to it.
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { applyOverrides, escapeInterpolation, formatSetFlags, keyPath, parseOverride, parseOverrides, type Override } from '../../src/scenario/overrides.js';
import { parseScenario } from '../../src/scenario/load-scenario.js';
import { LoadtestError, ScenarioError, UsageError, formatProblem } from '../../src/errors.js';
import { ExitCode } from '../../src/exit-codes.js';

function parsed(text: string): Override {
  const r = parseOverride(text);
  if (!r.ok) throw new Error(r.error);
  return r.override;
}

describe('parseOverride', () => {
  it.each([
    ['load.max=800', ['load', 'max'], 800],
    ['traffic.workers=2', ['traffic', 'workers'], 2],
    ['traffic.insecure=true', ['traffic', 'insecure'], true],
    ['slo[0]=p99 < 200ms', ['slo', 0], 'p99 < 200ms'],
    ['traffic.requests[1].headers.x-run=ci-42', ['traffic', 'requests', 1, 'headers', 'x-run'], 'ci-42'],
    ['traffic.request.headers."x.y"=1', ['traffic', 'request', 'headers', 'x.y'], 1],
    ['a."b=c[0]"."d\\"e"."f\\\\g"=1', ['a', 'b=c[0]', 'd"e', 'f\\g'], 1],
    ['a."x\\ny"=1', ['a', 'x\\ny'], 1], // other backslashes are literal
    ['slo[12][3]=x', ['slo', 12, 3], 'x'],
    ['[0]=x', [0], 'x'],
    ['load.max = 800', ['load', 'max'], 800], // spaces around a bare key are dropped
    ["name='800'", ['name'], '800'],
    ['name="a # b"', ['name'], 'a # b'],
    ['name=a=b', ['name'], 'a=b'], // the first = after the path starts the value
    ['target=http://127.0.0.1:8080', ['target'], 'http://127.0.0.1:8080'],
    ['slo=[p99 < 1s, error_rate < 1%]', ['slo'], ['p99 < 1s', 'error_rate < 1%']],
    ['load={ start: 1, step: 1, max: 2 }', ['load'], { start: 1, step: 1, max: 2 }],
    ['report.html=', ['report', 'html'], null], // empty = YAML's nothing, as `html:` in the file
    ["name=''", ['name'], ''],
    ['name=${X}', ['name'], '${X}'], // kept as given; escaped only when written (see below)
  ])('%s', (text, path, value) => {
    const o = parsed(text);
    expect(o.path).toEqual(path);
    expect(o.value).toEqual(value);
    expect(o.text).toBe(text);
  });

  it('keeps the path as written for messages', () => {
    expect(parsed('traffic.request.headers."x.y"=1').pathText).toBe('traffic.request.headers."x.y"');
    expect(parsed(' load.max =1').pathText).toBe('load.max');
  });

  it.each([
    ['load.max', "--set load.max: no '=': expected <path>=<value>, e.g. load.max=800"],
    ['', "--set : empty: expected <path>=<value>, e.g. load.max=800"],
    ['=5', '--set =5: empty path before the =: expected <path>=<value>, e.g. load.max=800'],
    ['load..max=1', "--set load..max=1: empty key after 'load.'"],
    ['load.=1', "--set load.=1: empty key after 'load.'"],
    ['.load=1', '--set .load=1: empty key at the start'],
    ['slo[x]=1', "--set slo[x]=1: expected a list index such as [0] after 'slo', found '[x]'"],
    ['slo[-1]=1', "--set slo[-1]=1: expected a list index such as [0] after 'slo', found '[-1]'"],
    ['slo[01]=1', "--set slo[01]=1: expected a list index such as [0] after 'slo', found '[01]'"],
    ['slo[0=1', "--set slo[0=1: expected a list index such as [0] after 'slo', found '[0=1'"],
    ['a."b=1', `--set a."b=1: the quoted key after 'a.' is never closed (write "…")`],
    ['a.""=1', `--set a.""=1: empty key "" after 'a.'`],
    ['a."b"c=1', `--set a."b"c=1: expected '.', '[' or '=' after 'a."b"', found 'c'`],
    ['a.b"c"=1', `--set a.b"c"=1: a '"' inside a key after 'a.': quote the whole key ("…")`],
    ['a]=1', "--set a]=1: expected '.', '[' or '=' after 'a', found ']'"],
    ['slo=[a, b', "--set slo=[a, b: the value is not valid YAML (Flow sequence must end with a ]); to set it as a string, quote it: '…'"],
    ["name='open", "--set name='open: the value is not valid YAML (Missing closing 'quote); to set it as a string, quote it: '…'"],
    ['name=a: b', "--set name=a: b: the value reads as a YAML mapping; quote a string ('…') or write a flow { key: value }"],
    ['slo=- a', "--set slo=- a: the value reads as a YAML list; quote a string ('…') or write a flow [a, b]"],
    ['name=*x', '--set name=*x: the value is not valid YAML'],
  ])('%s is refused', (text, message) => {
    const r = parseOverride(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.startsWith(message)).toBe(true);
  });

  it('parseOverrides returns every error at once, in order', () => {
    const r = parseOverrides(['load.max=1', 'nope', 'slo[x]=1']);
    expect(r.overrides.map((o) => o.text)).toEqual(['load.max=1']);
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toMatch(/^--set nope: /);
    expect(r.errors[1]).toMatch(/^--set slo\[x\]=1: /);
  });
});

describe('formatSetFlags', () => {
  it.each([
    [['load.max=800', 'target=http://127.0.0.1:8080'], '--set load.max=800 --set target=http://127.0.0.1:8080'],
    [['slo[0]=p99 < 1s'], "--set 'slo[0]=p99 < 1s'"],
    [["name=it's"], "--set 'name=it'\\''s'"],
    [['a."x.y"=1'], `--set 'a."x.y"=1'`],
  ])('%j → %s', (texts, want) => {
    expect(formatSetFlags(texts)).toBe(want);
  });
});

describe('keyPath', () => {
  it.each([
    [['load', 'max'], 'load.max'],
    [['slo', 0], 'slo[0]'],
    [['traffic', 'requests', 1, 'headers', 'x.y'], 'traffic.requests[1].headers.x.y'],
    [[0, 'a'], '[0].a'],
  ] as const)('%j → %s', (path, want) => {
    expect(keyPath(path)).toBe(want);
  });
});

const FILE = `name: s
target: http://127.0.0.1:8080
traffic:
  requests:
    - { name: a, path: /a, headers: &h { accept: application/json } }
    - { name: b, path: /b, headers: *h }
  timeout: &t 2s
load: { start: 10, step: 10, max: 100, step_duration: *t }
slo: [p99 < 100ms]
report:
`;

function apply(sets: string[], text = FILE): { js: unknown; problems: string[]; roots: string[] } {
  const doc = parseDocument(text);
  const { applied, problems } = applyOverrides(doc, sets.map(parsed), 's.yaml');
  return { js: doc.toJS(), problems, roots: applied.map((a) => a.root) };
}

describe('applyOverrides', () => {
  it.each([
    // replacing
    [['load.max=800'], (d: any) => d.load.max, 800, 'load.max'],
    [['slo[0]=p50 < 1ms'], (d: any) => d.slo, ['p50 < 1ms'], 'slo[0]'],
    [['traffic.timeout=5s'], (d: any) => d.traffic.timeout, '5s', 'traffic.timeout'],
    [['load.max=1', 'load.max=2'], (d: any) => d.load.max, 2, 'load.max'], // the last one wins
    [['slo=[a, b]'], (d: any) => d.slo, ['a', 'b'], 'slo'],
    [['traffic.requests[0]={ path: /x }'], (d: any) => d.traffic.requests[0], { path: '/x' }, 'traffic.requests[0]'],
    // creating keys and parents
    [['traffic.workers=2'], (d: any) => d.traffic.workers, 2, 'traffic.workers'],
    [['gate.expect_min=400'], (d: any) => d.gate, { expect_min: 400 }, 'gate'],
    [['report.json=out.json'], (d: any) => d.report, { json: 'out.json' }, 'report'], // `report:` (empty) is filled
    [['traffic.requests[0].headers.x-run=ci-42'], (d: any) => d.traffic.requests[0].headers, { accept: 'application/json', 'x-run': 'ci-42' }, 'traffic.requests[0].headers.x-run'],
    [['traffic.requests[0].headers."x.y"=1'], (d: any) => d.traffic.requests[0].headers['x.y'], 1, 'traffic.requests[0].headers.x.y'],
    [['traffic.requests[1].body.items[0].id=7'], (d: any) => d.traffic.requests[1].body, { items: [{ id: 7 }] }, 'traffic.requests[1].body'],
    [['abort[0]=error_rate > 50%'], (d: any) => d.abort, ['error_rate > 50%'], 'abort'],
    // appending
    [['slo[1]=p50 < 10ms'], (d: any) => d.slo, ['p99 < 100ms', 'p50 < 10ms'], 'slo[1]'],
    [['slo[1]=a', 'slo[2]=b'], (d: any) => d.slo, ['p99 < 100ms', 'a', 'b'], 'slo[1]'],
    [['traffic.requests[2]={ path: /c }'], (d: any) => d.traffic.requests.length, 3, 'traffic.requests[2]'],
  ])('%j', (sets, pick, want, root) => {
    const r = apply(sets);
    expect(r.problems).toEqual([]);
    expect(pick(r.js)).toEqual(want);
    expect(r.roots[0]).toBe(root);
  });

  it('through an alias, only the addressed copy changes', () => {
    const r = apply(['traffic.requests[1].headers.x-run=ci-42']);
    const reqs = (r.js as any).traffic.requests;
    expect(reqs[1].headers).toEqual({ accept: 'application/json', 'x-run': 'ci-42' });
    expect(reqs[0].headers).toEqual({ accept: 'application/json' });
  });

  it('replacing an alias changes that place only', () => {
    const r = apply(['load.step_duration=30s']).js as any;
    expect([r.load.step_duration, r.traffic.timeout]).toEqual(['30s', '2s']);
  });

  it("changing an anchor changes that place only: its aliases keep the file's value", () => {
    const t = apply(['traffic.timeout=5s']).js as any;
    expect([t.traffic.timeout, t.load.step_duration]).toEqual(['5s', '2s']);
    const h = apply(['traffic.requests[0].headers.accept=text/plain']).js as any;
    expect(h.traffic.requests.map((q: any) => q.headers)).toEqual([{ accept: 'text/plain' }, { accept: 'application/json' }]);
    // The anchor inside a replaced value: its alias keeps the value instead of dangling.
    const q = apply(['traffic.requests[0]={ path: /x }']).js as any;
    expect(q.traffic.requests[1].headers).toEqual({ accept: 'application/json' });
  });

  const MERGED = `x-h: &h { accept: application/json, x-tenant: acme }
x-base: &base { method: POST, headers: *h, weight: 2 }
traffic:
  requests:
    - { <<: *base, path: /a }
    - { <<: [*base], path: /b }
`;

  it('a key that comes from a merge (<<): changed in a copy written there, the rest of the merged value stays', () => {
    const r = apply(['traffic.requests[0].headers.x-run=ci-42', 'traffic.requests[1].method=GET'], MERGED);
    expect(r.problems).toEqual([]);
    const reqs = (r.js as any).traffic.requests;
    expect(reqs[0].headers).toEqual({ accept: 'application/json', 'x-tenant': 'acme', 'x-run': 'ci-42' });
    expect(reqs[1].method).toBe('GET');
    expect((r.js as any)['x-base'].headers).toEqual({ accept: 'application/json', 'x-tenant': 'acme' });
    expect(apply(['traffic.requests[0].weight.x=1'], MERGED).problems).toEqual([
      "--set traffic.requests[0].weight.x=1: traffic.requests[0].weight in s.yaml is the number 2, not a mapping: it has no key 'x'",
    ]);
  });

  it('a value with ${ is written escaped, so the readers take it literally', () => {
    const doc = parseDocument(FILE);
    applyOverrides(doc, [parsed('name=${HOME}')]);
    expect(doc.get('name')).toBe('$${HOME}');
  });

  it.each([
    ['load.max.x=1', "--set load.max.x=1: load.max in s.yaml is the number 100, not a mapping: it has no key 'x'"],
    ['name[0]=1', "--set name[0]=1: name in s.yaml is the string 's', not a list: it has no index [0]"],
    ['slo.p99=1', "--set slo.p99=1: slo in s.yaml is a list, not a mapping: it has no key 'p99'"],
    ['load[0]=1', '--set load[0]=1: load in s.yaml is a mapping, not a list: it has no index [0]'],
    ['[0]=1', '--set [0]=1: the top level of s.yaml is a mapping, not a list: it has no index [0]'],
    ['slo[2]=x', '--set slo[2]=x: slo in s.yaml has 1 item: [1] appends, [2] is past the end'],
    ['traffic.requests[5].path=/x', '--set traffic.requests[5].path=/x: traffic.requests in s.yaml has 2 items: [2] appends, [5] is past the end'],
    ['abort[1]=x', '--set abort[1]=x: abort is not in s.yaml: only [0] can start the list, not [1]'],
    ['gate.x[3]=1', '--set gate.x[3]=1: gate.x is not in s.yaml: only [0] can start the list, not [3]'],
  ])('%s cannot be applied', (set, message) => {
    const r = apply([set]);
    expect(r.problems).toEqual([message]);
  });

  it('reports every problem and applies the rest', () => {
    const r = apply(['name[0]=1', 'load.max=5', 'slo[9]=x']);
    expect(r.problems).toHaveLength(2);
    expect((r.js as any).load.max).toBe(5);
  });

  it('a top level that is not a mapping', () => {
    expect(apply(['load.max=1'], '- a\n').problems).toEqual(["--set load.max=1: the top level of s.yaml is a list, not a mapping: it has no key 'load'"]);
  });
});

describe('escapeInterpolation', () => {
  it.each([
    ['${X}', [], '$${X}'],
    ['a $${X} $ b', [], 'a $$${X} $ b'],
    [{ a: ['${X}'] }, ['slo'], { a: ['$${X}'] }],
    ['${X}', ['traffic', 'request', 'body'], '$${X}'], // a string body is interpolated
    [{ a: '${X}' }, ['traffic', 'request', 'body'], { a: '${X}' }], // a structured body is not
    ['${X}', ['traffic', 'request', 'body', 'a'], '${X}'],
    [800, [], 800],
  ] as const)('%j at %j → %j', (v, path, want) => {
    expect(escapeInterpolation(v, path)).toEqual(want);
  });
});

const SCENARIO = `name: s
target: http://127.0.0.1:8080
traffic:
  request: { path: / }
load: { start: 10, step: 10, max: 100 }
slo: [p99 < 100ms]
`;

function problemLines(sets: string[], env: Record<string, string> = {}, text = SCENARIO): string[] {
  try {
    parseScenario(text, 's.yaml', env, sets);
  } catch (e) {
    if (e instanceof ScenarioError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

describe('parseScenario with overrides', () => {
  it('applies them and records them as given', () => {
    const s = parseScenario(SCENARIO, 's.yaml', {}, ['load.max=800', 'traffic.workers=2', 'slo[1]=p50 < 20ms']);
    expect(s.load.max).toBe(800);
    expect(s.traffic.kind === 'generate' && s.traffic.workers).toBe(2);
    expect(s.slo.map((r) => r.text)).toEqual(['p99 < 100ms', 'p50 < 20ms']);
    expect(s.overrides).toEqual(['load.max=800', 'traffic.workers=2', 'slo[1]=p50 < 20ms']);
    expect(parseScenario(SCENARIO, 's.yaml', {}).overrides).toBeUndefined();
  });

  it('an override wins over ${VAR} in the file, and its own value is not interpolated', () => {
    const text = SCENARIO.replace('max: 100', 'max: "${MAX}"').replace('name: s', 'name: ${NAME:-s}');
    const s = parseScenario(text, 's.yaml', { MAX: '300' }, ['load.max=800', 'name=run ${NAME}']);
    expect(s.load.max).toBe(800);
    expect(s.name).toBe('run ${NAME}');
    // The file's value it replaces is not read: its variable need not be set.
    expect(parseScenario(text, 's.yaml', {}, ['load.max=800']).load.max).toBe(800);
  });

  it.each([
    [['load.max=lots'], ["--set load.max: expected requests/s such as 100 (or 100rps), found 'lots'"]],
    [['load.max=5'], ['--set load.max: max (5 rps) is below start (10 rps)']], // a cross-key rule at the key
    [['slo[0]=p98 < 1ms'], ['--set slo[0]: "p98 < 1ms": unknown metric \'p98\', did you mean \'p90\'?']],
    [['traffic.workers=0'], ['--set traffic.workers: expected a whole number from 1 to 256, found 0']],
    [['traffic.request={ method: POST }'], ["--set traffic.request: traffic.request.path: missing required key 'path': the path and query to request, beginning with /"]],
    [['traffic.request.headers."x.y"=[1]'], [`--set traffic.request.headers."x.y": traffic.request.headers.x.y: expected a string or { value: '...', secret: true }, found a list`]],
    // Two flags on the same value: the problem is the last one's, the one that won.
    [['load.max=1', 'load.max=lots'], ["--set load.max: expected requests/s such as 100 (or 100rps), found 'lots'"]],
  ])('%j → problems naming the flag', (sets, want) => {
    expect(problemLines(sets)).toEqual(want);
  });

  it('merged values (<<) read as the file would have them, with the override on top', () => {
    const text = SCENARIO.replace('traffic:\n  request: { path: / }', 'x-r: &r { path: /, headers: { accept: a/b } }\ntraffic:\n  request: { <<: *r }');
    const s = parseScenario(text, 's.yaml', {}, ['traffic.request.headers.x-run=ci-42']);
    expect(s.traffic.kind === 'generate' && s.traffic.requests[0]!.headers).toEqual({ accept: 'a/b', 'x-run': 'ci-42' });
  });

  it("the file's own problems keep their file:line:col", () => {
    const text = SCENARIO.replace('max: 100', 'max: 100, stpe: 1');
    expect(problemLines(['load.max=lots'], {}, text)).toEqual([
      "s.yaml:5:40: load.stpe: unknown key 'stpe', did you mean 'step'?",
      "--set load.max: expected requests/s such as 100 (or 100rps), found 'lots'",
    ]);
  });

  it('a malformed flag or one that does not fit is a usage error (exit 2), one line each', () => {
    const one = (() => {
      try {
        parseScenario(SCENARIO, 's.yaml', {}, ['load.max']);
      } catch (e) {
        return e;
      }
    })();
    expect(one).toBeInstanceOf(UsageError);
    expect((one as UsageError).message).toBe("--set load.max: no '=': expected <path>=<value>, e.g. load.max=800");
    expect(() => parseScenario(SCENARIO, 's.yaml', {}, ['name.x=1'])).toThrow(UsageError);
    const two = (() => {
      try {
        parseScenario(SCENARIO, 's.yaml', {}, ['name.x=1', 'slo[5]=x']);
      } catch (e) {
        return e;
      }
    })() as LoadtestError;
    expect(two.exitCode).toBe(ExitCode.USAGE);
    expect(two.details).toEqual([
      "--set name.x=1: name in s.yaml is the string 's', not a mapping: it has no key 'x'",
      '--set slo[5]=x: slo in s.yaml has 1 item: [1] appends, [5] is past the end',
    ]);
  });
});
