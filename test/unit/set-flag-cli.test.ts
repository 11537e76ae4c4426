// `--set` through the CLI, in process: the commands registered as main() registers them, the flag
// collected by commander (repeatable, in order), the lines main() would print and the exit codes.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { ScenarioError, UsageError } from '../../src/errors.js';
import { ExitCode } from '../../src/exit-codes.js';
import { loadScenario } from '../../src/scenario/load-scenario.js';
import { scenarioSummary } from '../../src/controller/build-result.js';
import { minimalScenario } from '../../src/report/json-lines.js';
import { renderHeader } from '../../src/report/terminal-format.js';
import { Chalk } from 'chalk';

const fixtures = join(import.meta.dirname, '../fixtures');
const minimal = join(fixtures, 'valid/minimal.yaml');


const cli = cliInProcess;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('validate --set', () => {
  it('applies every flag, in order', async () => {
    const r = await cli('validate', minimal, '--set', 'load.max=50', '--set', 'traffic.workers=2', '--set', 'load.max=800');
    expect(r).toEqual({ code: ExitCode.OK, out: `ok: ${minimal}: "minimal", generate, 80 ramp steps up to 800 rps\n`, err: [] });
  });

  it('a bad value: the usual problem, located at the flag (exit 2)', async () => {
    const r = await cli('validate', minimal, '--set', 'load.max=lots', '--set', 'slo[1]=p98 < 1ms');
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.err).toEqual([
      'loadtest: invalid scenario: 2 problems',
      "  --set load.max: expected requests/s such as 100 (or 100rps), found 'lots'",
      `  --set slo[1]: "p98 < 1ms": unknown metric 'p98', did you mean 'p90'?`,
    ]);
  });

  it.each([
    ['load.max', "loadtest: --set load.max: no '=': expected <path>=<value>, e.g. load.max=800"],
    ['=800', 'loadtest: --set =800: empty path before the =: expected <path>=<value>, e.g. load.max=800'],
    ['name.first=x', "loadtest: --set name.first=x: name in {f} is the string 'minimal', not a mapping: it has no key 'first'"],
    ['slo[5]=x', 'loadtest: --set slo[5]=x: slo in {f} has 1 item: [1] appends, [5] is past the end'],
  ])('--set %s is a usage error (exit 2), one line naming the flag', async (set, line) => {
    const r = await cli('validate', minimal, '--set', set);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.err).toEqual([line.replace('{f}', minimal)]);
    expect(r.out).toBe('');
  });

  it('a malformed flag is reported before any file is read', async () => {
    const r = await cli('validate', join(fixtures, 'no-such.yaml'), '--set', 'nope');
    expect(r.err).toEqual(["loadtest: --set nope: no '=': expected <path>=<value>, e.g. load.max=800"]);
  });

  it('several files: a flag that does not fit one of them is one of the problems', async () => {
    const other = join(fixtures, 'valid/full-generate.yaml');
    const r = await cli('validate', minimal, other, '--set', 'traffic.requests[3]={ path: /x }');
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.out).toBe(`ok: ${other}: "full generate", generate, 9 ramp steps up to 1000 rps\n`);
    expect(r.err).toEqual([
      'loadtest: invalid scenario: 1 problem',
      `  --set traffic.requests[3]={ path: /x }: traffic.requests is not in ${minimal}: only [0] can start the list, not [3]`,
    ]);
  });

  it('is in the help', async () => {
    const r = await cli('validate', '--help');
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toContain('--set <path=value>');
  });
});

describe('plan and run --set', () => {
  it('plan shows the ramp with the overrides, and lists them', async () => {
    const r = await cli('plan', minimal, '--set', 'load.max=30', '--set', 'slo[1]=p50 < 10ms');
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toContain('ramp (3 steps, +10 from 10 to 30 rps):');
    expect(r.out).toContain('SLOs: p99 < 100ms, p50 < 10ms');
    expect(r.out).toContain("overrides: --set load.max=30 --set 'slo[1]=p50 < 10ms'\n");
  });

  it('plan: a malformed flag is exit 2', async () => {
    expect((await cli('plan', minimal, '--set', 'load..max=1')).code).toBe(ExitCode.USAGE);
  });

  it('run: a bad value or a malformed flag stops before anything is sent (exit 2)', async () => {
    const bad = await cli('run', minimal, '--set', 'load.max=lots', '--no-progress');
    expect(bad.code).toBe(ExitCode.USAGE);
    expect(bad.err[1]).toBe("  --set load.max: expected requests/s such as 100 (or 100rps), found 'lots'");
    const malformed = await cli('run', minimal, '--set', 'slo[x]=1');
    expect(malformed.code).toBe(ExitCode.USAGE);
    expect(malformed.err).toEqual(["loadtest: --set slo[x]=1: expected a list index such as [0] after 'slo', found '[x]'"]);
  });

  it('the report records the overrides in scenario.overrides', async () => {
    const s = await loadScenario(minimal, { env: {}, overrides: ['load.max=800', 'traffic.request.headers.x-run=ci-42'] });
    expect(scenarioSummary(s).overrides).toEqual(['load.max=800', 'traffic.request.headers.x-run=ci-42']);
    expect(scenarioSummary(await loadScenario(minimal, { env: {} }))).not.toHaveProperty('overrides');
  });

  it("the run's header, step log and --json-lines say which overrides were used", async () => {
    const s = await loadScenario(minimal, { env: {}, overrides: ['load.max=800', 'slo[0]=p99 < 200ms'] });
    expect(renderHeader(s, 'http://127.0.0.1:8080', 80, 0, new Chalk({ level: 0 })).at(-1)).toBe("overrides: --set load.max=800 --set 'slo[0]=p99 < 200ms'");
    expect(minimalScenario(s).overrides).toEqual(['load.max=800', 'slo[0]=p99 < 200ms']);
    expect(minimalScenario(await loadScenario(minimal, { env: {} }))).not.toHaveProperty('overrides');
  });

  it('an empty value turns a report off, as documented (`--set report.html=`)', async () => {
    const withHtml = ['report.html=out/r.html', 'report.junit=out/j.xml'];
    expect((await loadScenario(minimal, { env: {}, overrides: withHtml })).report).toEqual({ html: 'out/r.html', junit: 'out/j.xml' });
    const off = await loadScenario(minimal, { env: {}, overrides: [...withHtml, 'report.html=', "report.junit=''"] });
    expect(off.report).toEqual({});
    const r = await cli('validate', minimal, '--set', 'report.html=');
    expect(r).toEqual({ code: ExitCode.OK, out: `ok: ${minimal}: "minimal", generate, 10 ramp steps up to 100 rps\n`, err: [] });
  });

  it('loadScenario keeps its signature and takes parsed overrides too', async () => {
    expect((await loadScenario(minimal)).load.max).toBe(100);
    await expect(loadScenario(minimal, { overrides: ['x'] })).rejects.toBeInstanceOf(UsageError);
    await expect(loadScenario(minimal, { overrides: ['load.max=-1'] })).rejects.toBeInstanceOf(ScenarioError);
  });
});
