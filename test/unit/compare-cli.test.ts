// `loadtest compare` / `report` / `history` as functions: bad input gets one clear line and exit 2
// (UsageError), good input the expected output. The real binary is exercised in test/integration.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareCommand, labelsFor } from '../../src/cli/commands/compare.js';
import { formatFromPath, reportCommand } from '../../src/cli/commands/report.js';
import { UsageError } from '../../src/errors.js';
import { ExitCode } from '../../src/exit-codes.js';
import { loadReport } from '../../src/report/load-report.js';

const FIX = new URL('../fixtures/reports/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'loadtest-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

async function usageMessage(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(ExitCode.USAGE);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('loadReport', () => {
  const v1 = JSON.parse(readFileSync(join(FIX, 'generate-baseline.json'), 'utf8')) as Record<string, unknown>;
  const cases: Array<[string, () => string, string]> = [
    ['a missing file', () => join(dir, 'nope.json'), `cannot read report ${join(dir, 'nope.json')}: no such file`],
    ['a directory', () => dir, `${dir} is a directory, not a loadtest JSON report`],
    ['an empty file', () => file('empty.json', ''), 'is not valid JSON (the file is empty): expected a loadtest JSON report'],
    ['broken JSON', () => file('broken.json', '{\n  "schema": "loadtest.report",\n  oops\n}'), 'is not valid JSON at line 3 col 3: expected a loadtest JSON report'],
    ['a JSON array', () => file('array.json', '[1,2]'), 'is not a loadtest report: expected a JSON object with "schema": "loadtest.report"'],
    ['another tool\'s JSON', () => file('k6.json', '{"metrics": {}}'), 'is not a loadtest report (no "schema" field; expected "loadtest.report")'],
    ['a history entry', () => file('hist.json', '{"schema": "loadtest.history"}'), 'is not a loadtest report ("schema" is "loadtest.history"; expected "loadtest.report")'],
    ['a newer schema version', () => file('v2.json', JSON.stringify({ ...v1, schemaVersion: 2 })), 'is a loadtest report of schemaVersion 2; this loadtest reads schemaVersion 1'],
    ['a truncated report', () => file('cut.json', JSON.stringify({ ...v1, steps: undefined, capacity: 'x' })), 'is not a complete loadtest report: "capacity" must be an object; "steps" must be an array'],
  ];
  it.each(cases)('rejects %s with one clear line', async (_name, path, msg) => {
    const m = await usageMessage(loadReport(path()));
    expect(m).toContain(msg);
    expect(m).not.toContain('\n');
  });

  it('reads a real report', async () => {
    const r = await loadReport(join(FIX, 'shift-live.json'));
    expect(r.scenario.mode).toBe('shift');
  });
});

describe('compareCommand', () => {
  it('needs two reports', async () => {
    expect(await usageMessage(compareCommand({ files: [join(FIX, 'generate-baseline.json')], format: 'table' }))).toContain('compare needs at least two reports (got 1)');
  });

  it('rejects an unknown format', async () => {
    const files = [join(FIX, 'generate-baseline.json'), join(FIX, 'generate-same.json')];
    expect(await usageMessage(compareCommand({ files, format: 'xml' as never }))).toBe('--format must be table, markdown or json (got "xml")');
  });

  it('exits 4 with --fail-on-regression only when a run regressed', async () => {
    const out: string[] = [];
    const write = (t: string) => out.push(t);
    const base = join(FIX, 'generate-baseline.json');
    expect(await compareCommand({ files: [base, join(FIX, 'generate-regressed.json')], format: 'json', failOnRegression: true, write })).toBe(ExitCode.REGRESSION);
    expect(await compareCommand({ files: [base, join(FIX, 'generate-same.json')], format: 'json', failOnRegression: true, write })).toBe(ExitCode.OK);
    expect(await compareCommand({ files: [base, join(FIX, 'generate-regressed.json')], format: 'json', write })).toBe(ExitCode.OK);
    expect(JSON.parse(out[0]!).pairs[0].verdict).toBe('regressed');
  });

  it('labels runs by file name, by path where names clash', () => {
    expect(labelsFor(['a/run.json', 'b/run.json', 'c/other.json'])).toEqual(['a/run.json', 'b/run.json', 'other']);
  });
});

describe('reportCommand', () => {
  it('writes the format the extension names', async () => {
    expect(formatFromPath('x/report.HTML')).toBe('html');
    expect(formatFromPath('summary.md')).toBe('markdown');
    expect(formatFromPath('junit.xml')).toBe('junit');
    const out = join(dir, 'out', 'r.html');
    const wrote: string[] = [];
    expect(await reportCommand({ file: join(FIX, 'generate-baseline.json'), output: out, wrote: (p) => wrote.push(p) })).toBe(0);
    expect(wrote).toEqual([out]);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!DOCTYPE html>/);
  });

  it('rejects an output it cannot name the format of', async () => {
    mkdirSync(join(dir, 'x'), { recursive: true });
    expect(await usageMessage(reportCommand({ file: join(FIX, 'generate-baseline.json'), output: join(dir, 'x', 'r.pdf') }))).toContain(
      'cannot tell the format from the extension; use .html, .md or .xml, or --format',
    );
  });

  it('prints the Markdown summary without an output', async () => {
    let text = '';
    await reportCommand({ file: join(FIX, 'generate-baseline.json'), write: (t) => (text += t) });
    expect(text).toContain('## loadtest: checkout');
  });
});
