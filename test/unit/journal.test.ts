import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LoadtestError } from '../../src/errors.js';
import { ExitCode } from '../../src/exit-codes.js';
import { assertNoPendingJournal, deleteJournal, readJournal, writeJournal, type WeightJournal } from '../../src/traffic/shifters/journal.js';
import { beforeShiftRun } from '../../src/traffic/shifters/shift-run.js';
import type { Scenario } from '../../src/scenario/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'loadtest-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const journal: WeightJournal = {
  kind: 'loadtest.weight-journal',
  version: 1,
  shifter: { type: 'haproxy', socket: '/run/haproxy/admin.sock', backend: 'web' },
  weights: { web1: 100, web2: 100, web3: 50 },
  pid: 999_999_999,
  startedAt: '2026-01-01T00:00:00.000Z',
  scenario: 'web1 capacity',
};

describe('weight journal', () => {
  it('round-trips, creating the directory, and leaves no temp file', async () => {
    const f = join(dir, 'sub', 'j.json');
    await writeJournal(f, journal);
    expect(readJournal(f)).toEqual(journal);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['j.json']);
    await deleteJournal(f);
    expect(readJournal(f)).toBeUndefined();
    await deleteJournal(f); // idempotent
  });

  it('assertNoPendingJournal refuses with exit 6 and says how to restore', async () => {
    const f = join(dir, 'pending.json');
    expect(() => assertNoPendingJournal(f)).not.toThrow();
    await writeJournal(f, journal);
    let err: unknown;
    try {
      assertNoPendingJournal(f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LoadtestError);
    expect((err as LoadtestError).exitCode).toBe(ExitCode.UNRESTORED);
    expect((err as LoadtestError).message).toContain(`an unrestored weight journal exists: ${f}`);
    expect((err as LoadtestError).details.join('\n')).toContain(`loadtest restore --journal ${f}`);
    expect((err as LoadtestError).details.join('\n')).toContain('--restore-first');
  });

  it('says so when the run that wrote it is still alive', async () => {
    const f = join(dir, 'alive.json');
    await writeJournal(f, { ...journal, pid: process.ppid });
    expect(() => assertNoPendingJournal(f)).toThrow(/which is still running/);
  });

  it('--restore-first never replays the journal of a run that is still going', async () => {
    const f = join(dir, 'live-run.json');
    await writeJournal(f, { ...journal, pid: process.ppid });
    const scenario = { traffic: { kind: 'shift', journalFile: f } } as unknown as Scenario;
    await expect(beforeShiftRun(scenario, true, () => undefined)).rejects.toThrow(/which is still running/);
    expect(readJournal(f)).toBeDefined();
  });

  it.each([
    ['not json {', /not valid JSON/],
    [JSON.stringify({ kind: 'other' }), /not a loadtest journal/],
    [JSON.stringify({ ...journal, weights: { web1: 999 } }), /not a loadtest journal/],
  ])('rejects a damaged journal %#', (text, re) => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, text);
    expect(() => readJournal(f)).toThrow(re);
  });

  it('writes the original weights as readable JSON', async () => {
    const f = join(dir, 'readable.json');
    await writeJournal(f, journal);
    expect(JSON.parse(readFileSync(f, 'utf8')).weights).toEqual({ web1: 100, web2: 100, web3: 50 });
  });
});
