// `loadtest validate` and `loadtest schema` as functions (the CLI maps flags to these): the summary
// line, the error every problem line travels in, and the schema file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { validateCommand } from '../../src/cli/commands/validate.js';
import { schemaCommand } from '../../src/cli/commands/schema.js';
import { LoadtestError, ScenarioError } from '../../src/errors.js';
import { ExitCode } from '../../src/exit-codes.js';

const fixtures = join(import.meta.dirname, '../fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'loadtest-scenario-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('validateCommand', () => {
  it.each([
    ['valid/minimal.yaml', 'ok: {f}: "minimal", generate, 10 ramp steps up to 100 rps'],
    ['valid/full-generate.yaml', 'ok: {f}: "full generate", generate, 9 ramp steps up to 1000 rps'],
    ['valid/shift-haproxy-address.yaml', 'ok: {f}: "shift over tcp", shift, 5 ramp steps up to 3x'],
    ['valid/shift-scrape.yaml', 'ok: {f}: "scrape", shift, 4 ramp steps up to 8x'],
  ])('%s', async (rel, want) => {
    const f = join(fixtures, rel);
    const lines: string[] = [];
    expect(await validateCommand({ files: [f], env: {}, write: (l) => lines.push(l) })).toBe(ExitCode.OK);
    expect(lines).toEqual([want.replace('{f}', f)]);
  });

  it('throws the ScenarioError (exit 2) with one line per problem', async () => {
    const f = join(fixtures, 'invalid/multiple-problems.yaml');
    const err = await validateCommand({ files: [f], env: {}, write: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).exitCode).toBe(ExitCode.USAGE);
    expect((err as ScenarioError).message).toBe('invalid scenario: 6 problems');
    for (const l of (err as ScenarioError).details) expect(l.startsWith(`${f}:`)).toBe(true);
  });

  it('several files: a summary per valid file, the problems of all invalid ones in one error', async () => {
    const files = ['valid/minimal.yaml', 'invalid/max-below-start.yaml', 'valid/anchors.yaml', 'invalid/warmup-too-long.yaml', 'nope.yaml'].map((f) => join(fixtures, f));
    const lines: string[] = [];
    const err = await validateCommand({ files, env: {}, write: (l) => lines.push(l) }).catch((e: unknown) => e);
    expect(lines).toEqual([
      `ok: ${files[0]}: "minimal", generate, 10 ramp steps up to 100 rps`,
      `ok: ${files[2]}: "anchors", generate, 3 ramp steps up to 20 rps`,
      `note: ${files[2]}: step length: even stretched, steps at 10, 15, 20 rps cannot show it: judged inconclusive, the ramp goes on past them; a load.step_duration of ≥ 9.5s (or load.start ≥ 48 rps) would`,
    ]);
    expect((err as ScenarioError).details).toEqual([
      `${files[1]}:8:8: load.max: max (100 rps) is below start (500 rps)`,
      `${files[3]}:10:11: load.warmup: warmup (10s) must be shorter than step_duration (10s): nothing would be judged`,
      `cannot read scenario ${files[4]}: no such file`,
    ]);
  });

  it('a missing file is a usage error', async () => {
    const err = await validateCommand({ files: [join(tmp, 'nope.yaml')] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadtestError);
    expect((err as LoadtestError).exitCode).toBe(ExitCode.USAGE);
  });
});

describe('schemaCommand', () => {
  it('writes the schema to a file', async () => {
    const out = join(tmp, 'scenario.schema.json');
    const said = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await schemaCommand({ out })).toBe(ExitCode.OK);
    // Says what it wrote, on stderr (stdout is the schema's when there is no -o).
    expect(said.mock.calls.map((c) => String(c[0]))).toEqual([`wrote ${out}\n`]);
    said.mockRestore();
    const s = JSON.parse(readFileSync(out, 'utf8'));
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(s.required).toEqual(['name', 'traffic', 'load', 'slo']);
  });
  it('an unwritable path is a usage error', async () => {
    const err = await schemaCommand({ out: join(tmp, 'no/such/dir/s.json') }).catch((e: unknown) => e);
    expect((err as LoadtestError).exitCode).toBe(ExitCode.USAGE);
  });
});
