// ${VAR} interpolation: substitution, defaults, escapes, errors with offsets, and what counts as
// a value from the environment (masked later as a secret).
import { describe, expect, it } from 'vitest';
import { interpolate } from '../../src/scenario/interpolate.js';
import { parseScenario } from '../../src/scenario/load-scenario.js';
import { ScenarioError } from '../../src/errors.js';

const env = { HOST: '127.0.0.1', PORT: '8080', EMPTY: '', TOKEN: 's3cr3t' };

describe('interpolate', () => {
  it.each([
    ['plain text', 'plain text', []],
    ['http://${HOST}:${PORT}', 'http://127.0.0.1:8080', ['127.0.0.1', '8080']],
    ['${MISSING:-fallback}', 'fallback', []],
    ['${HOST:-fallback}', '127.0.0.1', ['127.0.0.1']],
    ['${EMPTY:-fallback}', 'fallback', []], // :- also replaces empty, as in the shell
    ['[${EMPTY}]', '[]', []],
    ['$${HOST}', '${HOST}', []], // escape
    ['cost: $5', 'cost: $5', []], // a lone $ is literal
    ['${MISSING:-}', '', []],
    ['${MISSING:-a:-b}', 'a:-b', []],
  ])('%s', (input, value, fromEnv) => {
    const r = interpolate(input, env);
    expect(r.errors).toEqual([]);
    expect(r.value).toBe(value);
    expect(r.fromEnv).toEqual(fromEnv);
  });

  it.each([
    ['x ${MISSING}', [{ offset: 2, message: 'environment variable MISSING is not set (give a default with ${MISSING:-value})' }]],
    ['${HOST', [{ offset: 0, message: "unterminated '${': expected ${NAME} or ${NAME:-default} (write $${ for a literal ${)" }]],
    ['${1X}', [{ offset: 0, message: "bad variable name '1X' in '${1X}': expected letters, digits and _" }]],
    ['${A} ${B}', [
      { offset: 0, message: 'environment variable A is not set (give a default with ${A:-value})' },
      { offset: 5, message: 'environment variable B is not set (give a default with ${B:-value})' },
    ]],
  ])('error: %s', (input, errors) => {
    expect(interpolate(input, env).errors).toEqual(errors);
  });
});

describe('interpolation in scenario files', () => {
  const text = `name: env test
target: http://\${HOST}:\${PORT}
traffic:
  requests:
    - path: /
      headers: { authorization: "Bearer \${TOKEN}" }
  workers: \${WORKERS:-2}
  insecure: \${INSECURE:-false}
load:
  start: \${START:-10}
  step: 10
  max: \${MAX}
  step_duration: "\${STEP:-2s}"
slo: [ "p99 < \${P99:-100ms}" ]
`;

  it('substitutes scalars of every type, keeps positions, and masks env values of strings', () => {
    const s = parseScenario(text, 'env.yaml', { ...env, MAX: '50' });
    expect(s.traffic.kind === 'generate' && s.traffic.target).toBe('http://127.0.0.1:8080');
    expect(s.traffic.kind === 'generate' && s.traffic.requests[0]!.headers.authorization).toBe('Bearer s3cr3t');
    expect(s.load).toMatchObject({ start: 10, max: 50, stepDurationMs: 2000 });
    expect(s.traffic).toMatchObject({ workers: 2, insecure: false });
    expect(s.slo[0]!.threshold).toBe(100);
    // Values from the environment in fields that can carry credentials (headers, bodies, paths,
    // commands) are secrets; the target origin, names, numbers (MAX) and defaults are not — a
    // host or port from ${ENV} must not turn every "8080" in the output into "***".
    expect(s.secrets).toEqual(['s3cr3t']);
  });

  it('reports an unset variable at its own line and column', () => {
    try {
      parseScenario(text, 'env.yaml', env);
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      expect((e as ScenarioError).details).toEqual([
        'env.yaml:12:8: load.max: environment variable MAX is not set (give a default with ${MAX:-value})',
      ]);
    }
  });

  it('defaults to process.env', () => {
    process.env.LOADTEST_TEST_MAX = '70';
    try {
      const t = 'name: n\ntarget: http://127.0.0.1:1\ntraffic: { request: { path: / } }\nload:\n  start: 1\n  step: 1\n  max: ${LOADTEST_TEST_MAX}\nslo: [p99 < 1s]\n';
      const s = parseScenario(t, 'env.yaml');
      expect(s.load.max).toBe(70);
    } finally {
      delete process.env.LOADTEST_TEST_MAX;
    }
  });

  it('a number field that does not become a number is a type error', () => {
    expect(() => parseScenario(text, 'env.yaml', { ...env, MAX: 'lots' })).toThrow(ScenarioError);
    try {
      parseScenario(text, 'env.yaml', { ...env, MAX: 'lots' });
    } catch (e) {
      expect((e as ScenarioError).details).toEqual([
        "env.yaml:12:8: load.max: expected requests/s such as 100 (or 100rps), found 'lots'",
      ]);
    }
  });
});

describe('a failed interpolation is one problem', () => {
  it('no follow-up type errors, no duplicates', () => {
    const t = 'name: x\ntarget: ${NOPE}\ntraffic: { request: { path: / } }\nload: { start: 1, step: 1, max: 2 }\nslo: ${SLO}\n';
    try {
      parseScenario(t, 'dup.yaml', {});
      throw new Error('expected an error');
    } catch (e) {
      expect((e as ScenarioError).details).toEqual([
        'dup.yaml:2:9: target: environment variable NOPE is not set (give a default with ${NOPE:-value})',
        'dup.yaml:5:6: slo: environment variable SLO is not set (give a default with ${SLO:-value})',
      ]);
    }
  });
});

describe('interpolation inside flow collections', () => {
  it('explains that ${VAR} must be quoted inside { } and [ ]', () => {
    try {
      parseScenario('name: x\nload: { max: ${MAX} }\n', 'flow.yaml', { MAX: '1' });
      throw new Error('expected an error');
    } catch (e) {
      expect((e as ScenarioError).details).toEqual([
        'flow.yaml:2:15: YAML syntax: Unexpected flow-map-start at node end (inside { } or [ ], quote values that use ${VAR}: "${VAR}")',
      ]);
    }
  });
});

describe('a rule naming a request inside a flow list', () => {
  const scenario = (slo: string) => `name: x
target: http://127.0.0.1:9
traffic:
  requests:
    - { name: buy, path: '/buy/{{ seq }}' }
    - { name: read, path: /read }
load: { start: 1, step: 1, max: 2 }
slo: ${slo}
`;

  it('parses as written: `{` does not open a mapping there (flow-rules.ts)', () => {
    const s = parseScenario(scenario('[p99{buy} < 50ms, error_rate < 1%, "p99{read} <= 0.4s"]'), 'slo.yaml', {});
    expect(s.slo.map((r) => r.text)).toEqual(['p99{buy} < 50ms', 'error_rate < 1%', 'p99{read} <= 0.4s']);
    // Template holes on other lines are left alone.
    expect(s.traffic.kind === 'generate' && s.traffic.requests[0]!.path).toBe('/buy/{{ seq }}');
  });

  it('points at the rule, braces and all, when it is wrong', () => {
    try {
      parseScenario(scenario('[error_rate < 1%, p99{biy} < 50ms]'), 'slo.yaml', {});
      throw new Error('expected an error');
    } catch (e) {
      const [line] = (e as ScenarioError).details;
      expect(line).toMatch(/^slo\.yaml:8:24: /);
      expect(line).toContain('biy');
      expect(line).not.toMatch(/[\uE000\uE001]/);
    }
  });

  it('a brace left open is still an error', () => {
    expect(() => parseScenario('name: x\nslo: [p99{buy < 50ms]\n', 'slo.yaml', {})).toThrow(ScenarioError);
  });
});
