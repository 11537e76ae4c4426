// Ad-hoc mode (`loadtest run --url … --slo … --start … --max …`): the flags become the same validated
// Scenario as a file, with documented defaults; every problem is located at its flag; --set applies
// on top; --print-scenario writes a YAML file that loads back to the same scenario. Through the
// functions and through the CLI in process (the commands registered as main() registers them).
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { LoadtestError, ScenarioError, UsageError } from '../../src/errors.js';
import { ExitCode } from '../../src/exit-codes.js';
import { AD_HOC_DEFAULTS, adHocScenario, splitUrl, type AdHocFlags } from '../../src/scenario/ad-hoc.js';
import { parseScenario } from '../../src/scenario/load-scenario.js';
import type { GenerateTrafficSpec, Scenario } from '../../src/scenario/scenario.js';

const minimal = join(import.meta.dirname, '../fixtures/valid/minimal.yaml');
const ISSUE = ['--url', 'http://127.0.0.1:8080/items', '--slo', 'p99 < 100ms', '--slo', 'error_rate < 1%', '--start', '100', '--max', '5000'];

afterEach(() => {
  vi.restoreAllMocks();
});

const cli = cliInProcess;

const traffic = (s: Scenario) => s.traffic as GenerateTrafficSpec;
const problems = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    if (e instanceof LoadtestError) return [e.message, ...e.details];
    throw e;
  }
  throw new Error('expected an error');
};

describe('ad-hoc flags → Scenario', () => {
  it('the issue’s example: the URL split into target and path, the SLOs and levels as given, defaults for the rest', () => {
    const { scenario } = adHocScenario({ url: 'http://127.0.0.1:8080/items', slo: ['p99 < 100ms', 'error_rate < 1%'], start: '100', max: '5000' });
    expect(scenario.name).toBe('127.0.0.1:8080/items');
    expect(traffic(scenario)).toMatchObject({ kind: 'generate', target: 'http://127.0.0.1:8080', requests: [{ method: 'GET', path: '/items', headers: {}, weight: 1 }] });
    expect(scenario.load).toEqual({ unit: 'rps', start: 100, max: 5000, factor: 1.5, stepDurationMs: 10_000, warmupMs: 2_000, refine: 0.05 });
    expect(scenario.slo.map((r) => r.text)).toEqual(['p99 < 100ms', 'error_rate < 1%']);
    expect(scenario.abort).toEqual([]);
    expect(scenario.overrides).toBeUndefined(); // the flags are the scenario, not changes to a file
  });

  it('only --url: every default, as documented', () => {
    const { scenario } = adHocScenario({ url: 'http://127.0.0.1:8080' });
    expect(traffic(scenario).requests[0]).toMatchObject({ method: 'GET', path: '/' });
    expect(scenario.load).toMatchObject({ start: AD_HOC_DEFAULTS.start, max: AD_HOC_DEFAULTS.max, factor: AD_HOC_DEFAULTS.factor, stepDurationMs: 10_000, refine: 0.05 });
    expect(scenario.slo.map((r) => r.text)).toEqual([...AD_HOC_DEFAULTS.slo]);
    expect(scenario.name).toBe('127.0.0.1:8080');
  });

  it('--step makes an additive ramp; --step-duration, --refine; --method, headers and a body as given', () => {
    const { scenario } = adHocScenario({
      url: 'https://api.example.test/v1/items?limit=5',
      step: '50',
      start: '50rps',
      stepDuration: '4s',
      refine: '2%',
      method: 'put',
      header: ['content-type: application/json', 'x-run:ci 42 '],
      body: '{"a":"${NOT_AN_ENV_VAR}"}',
    });
    expect(scenario.load).toMatchObject({ start: 50, step: 50, stepDurationMs: 4000, warmupMs: 800, refine: 0.02 });
    expect(scenario.load.factor).toBeUndefined();
    expect(traffic(scenario).requests[0]).toMatchObject({
      method: 'PUT',
      path: '/v1/items?limit=5',
      headers: { 'content-type': 'application/json', 'x-run': 'ci 42' },
      body: '{"a":"${NOT_AN_ENV_VAR}"}', // taken literally, like a --set value
    });
  });

  it('--body without --method is a POST (as curl -d)', () => {
    expect(traffic(adHocScenario({ url: 'http://h:1/x', body: 'a=1' }).scenario).requests[0]!.method).toBe('POST');
  });

  it('--set applies on top of the flags', () => {
    const { scenario } = adHocScenario({ url: 'http://h:1/x', max: '800' }, ['load.max=900', 'traffic.arrival=uniform', 'name=items']);
    expect(scenario.load.max).toBe(900);
    expect(traffic(scenario).arrival).toBe('uniform');
    expect(scenario.name).toBe('items');
    expect(scenario.overrides).toEqual(['load.max=900', 'traffic.arrival=uniform', 'name=items']);
  });

  it.each([
    ['http://127.0.0.1:8080', { origin: 'http://127.0.0.1:8080', path: '/' }],
    ['http://127.0.0.1:8080/', { origin: 'http://127.0.0.1:8080', path: '/' }],
    ['http://127.0.0.1:8080?q=1', { origin: 'http://127.0.0.1:8080', path: '/?q=1' }],
    ['HTTPS://u:p@h/a/b?c=d#frag', { origin: 'HTTPS://u:p@h', path: '/a/b?c=d' }],
    ['127.0.0.1:8080/items', undefined],
    ['ftp://h/x', undefined],
  ])('splitUrl(%s)', (url, expected) => {
    expect(splitUrl(url)).toEqual(expected);
  });
});

describe('ad-hoc problems are located at the flag (exit 2), every one at once', () => {
  it('values the scenario rejects: the reader’s own messages, prefixed with the flag', () => {
    const f: AdHocFlags = { url: 'http://127.0.0.1:8080/a b', slo: ['p99 < 1ms', 'p98 < 100ms'], start: 'lots', stepDuration: '5', refine: '200', method: 'GE T' };
    expect(() => adHocScenario(f)).toThrow(ScenarioError);
    expect(problems(() => adHocScenario(f))).toEqual([
      'invalid scenario: 6 problems',
      "--method: expected an HTTP method such as GET or POST, found 'GE T'",
      "--url: a path cannot contain spaces (encode them as %20), found '/a b'",
      "--start: expected requests/s such as 100 (or 100rps), found 'lots'",
      '--step-duration: expected a duration such as 500ms, 20s, 1.5s, 1m or 1m30s, found the bare number 5 (add a unit: 5s?)',
      '--refine: a bare number is a fraction (0.05 = 5%), and 200 > 1; did you mean 200%?',
      `--slo: "p98 < 100ms": unknown metric 'p98', did you mean 'p90'?`,
    ]);
  });

  it('a rule across flags names the flag it is reported at, a default as such', () => {
    expect(problems(() => adHocScenario({ url: 'http://h:1/', start: '20000' }))).toEqual([
      'invalid scenario: 1 problem',
      '--max (default 10000): max (10000 rps) is below start (20000 rps)',
    ]);
    expect(problems(() => adHocScenario({ url: 'http://h:1/', step: '10', factor: '2' }, ['load.warmup=20s']))).toEqual([
      'invalid scenario: 2 problems',
      '--factor: give either step (additive) or factor (geometric), not both',
      '--set load.warmup: warmup (20s) must be shorter than step_duration (10s): nothing would be judged',
    ]);
  });

  it('malformed flags: a usage error, one line each', () => {
    expect(() => adHocScenario({ url: 'localhost:8080/' })).toThrow(UsageError);
    expect(problems(() => adHocScenario({ url: 'localhost:8080/', header: ['x-a: 1', 'nocolon', ': v'] }))).toEqual([
      '3 flags cannot be used',
      '--url localhost:8080/: expected an http:// or https:// URL such as http://127.0.0.1:8080/items',
      "--header nocolon: expected 'Name: value', e.g. 'content-type: application/json'",
      "--header : v: expected 'Name: value', e.g. 'content-type: application/json'",
    ]);
  });
});

describe('loadtest run --url (CLI, in process)', () => {
  it('--print-scenario: the issue’s example as YAML to keep, exit 0, nothing sent; it loads back to the same scenario', async () => {
    const r = await cli('run', ...ISSUE, '--print-scenario');
    expect(r).toMatchObject({ code: ExitCode.OK, err: [] });
    expect(r.out).toBe(
      [
        "# The scenario of `loadtest run --url …`'s flags, every default written out.",
        '# Run it with: loadtest run <this file>   (change a value with --set, e.g. --set load.max=800)',
        '',
        'name: 127.0.0.1:8080/items',
        'target: http://127.0.0.1:8080',
        'traffic:',
        '  request:',
        '    method: GET',
        '    path: /items',
        'load:',
        '  start: 100',
        '  max: 5000',
        '  factor: 1.5',
        '  step_duration: 10s',
        '  refine: 5%',
        'slo:',
        '  - p99 < 100ms',
        '  - error_rate < 1%',
        '',
      ].join('\n'),
    );
    const { scenario } = adHocScenario({ url: 'http://127.0.0.1:8080/items', slo: ['p99 < 100ms', 'error_rate < 1%'], start: '100', max: '5000' });
    expect(parseScenario(r.out, 'kept.yaml', {})).toEqual(scenario);
  });

  it('--print-scenario round-trips headers, a body with ${ and --set values', async () => {
    const r = await cli('run', '--url', 'http://h:1/x', '-H', 'content-type: application/json', '--body', '{"a": "${X}"}', '--set', 'traffic.timeout=2s', '--print-scenario');
    expect(r.code).toBe(ExitCode.OK);
    const { scenario } = adHocScenario({ url: 'http://h:1/x', header: ['content-type: application/json'], body: '{"a": "${X}"}' }, ['traffic.timeout=2s']);
    // The kept file has the --set value written in: it is the file's own, not an override of it.
    const { overrides, ...rest } = scenario;
    expect(overrides).toEqual(['traffic.timeout=2s']);
    expect(parseScenario(r.out, 'kept.yaml', {})).toEqual(rest);
    expect(traffic(rest).timeoutMs).toBe(2000);
  });

  it('--print-scenario masks secrets and says so', async () => {
    const r = await cli('run', '--url', 'http://user:hunter22@h:1/x', '-H', 'authorization: Bearer t0ken', '--print-scenario');
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).not.toMatch(/hunter22|t0ken/);
    expect(r.out).toMatch(/^# Secrets are masked as \*\*\*/);
  });

  it('--print-scenario with a file: the file with its --set overrides applied, comments kept', async () => {
    const r = await cli('run', minimal, '--set', 'load.max=800', '--print-scenario');
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toContain('# The least a generate-mode scenario needs.');
    expect(r.out).toContain('load: { start: 10, step: 10, max: 800 }');
  });

  it('a bad flag value: exit 2, located at the flag, nothing printed on stdout', async () => {
    const r = await cli('run', ...ISSUE.slice(0, 4), '--slo', 'p99 < soon', '--print-scenario');
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.out).toBe('');
    expect(r.err).toEqual(['loadtest: invalid scenario: 1 problem', expect.stringMatching(/^ {2}--slo: "p99 < soon": /)]);
  });

  it.each([
    [[minimal, '--url', 'http://h:1/', '--max', '5'], `loadtest: --url, --max: these flags describe a scenario without a file; to change ${minimal}, use --set (e.g. --set load.max=800, --set target=http://127.0.0.1:8080)`],
    [['--slo', 'p99 < 1s', '--start', '5'], 'loadtest: --slo, --start: ad-hoc mode needs --url, the URL to load (or give a scenario file)'],
    [[], "loadtest: expected a scenario file or --url: loadtest run scenario.yaml, or loadtest run --url http://127.0.0.1:8080/ --slo 'p99 < 100ms'"],
  ])('run %j: a usage error (exit 2)', async (args, line) => {
    const r = await cli('run', ...args);
    expect(r).toEqual({ code: ExitCode.USAGE, out: '', err: [line] });
  });
});
