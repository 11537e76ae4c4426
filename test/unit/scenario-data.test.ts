// The `data:` section: feeders by name, each file read and checked when the scenario loads, so
// `loadtest validate` lists a missing file, a quote never closed, a missing header, ragged rows
// and an empty file — each at the file's key in the scenario, quoting the data file's own line.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { loadScenario, parseScenario } from '../../src/scenario/load-scenario.js';
import { ScenarioError } from '../../src/errors.js';
import { ExitCode } from '../../src/exit-codes.js';
import { openFeeder } from '../../src/workload/data/feeder.js';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { renderPlan } from '../../src/cli/commands/plan.js';

const tmp = mkdtempSync(join(tmpdir(), 'loadtest-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => void vi.restoreAllMocks());

const HEAD = 'name: shop\ntarget: http://127.0.0.1:3000\n';
const TAIL = 'traffic:\n  request: { path: / }\nload: { start: 10, step: 10, max: 20 }\nslo: [p99 < 100ms]\n';

/** Writes files under tmp/<dir>/ and returns the scenario's path. */
function project(dir: string, scenario: string, files: Record<string, string>): string {
  const root = join(tmp, dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  writeFileSync(join(root, 'shop.yaml'), HEAD + scenario + TAIL);
  return join(root, 'shop.yaml');
}
const hide = (lines: readonly string[]) => lines.map((l) => l.replaceAll(tmp, '<tmp>'));

describe('a scenario with data loads', () => {
  it('feeders by name: paths relative to the scenario file, order defaulting to sequential', async () => {
    const file = project('ok', 'data:\n  users: { csv: data/users.csv, order: unique }\n  events: { jsonl: data/events.jsonl, order: random }\n  plain: { csv: "${DATA}/plain.csv" }\n', {
      'data/users.csv': 'id,email\n1,a@x\n2,b@x\n',
      'data/events.jsonl': '{"kind":"view"}\n{"kind":"buy","sku":3}\n',
      'shared/plain.csv': 'x\n1\n',
    });
    const s = await loadScenario(file, { env: { DATA: join(tmp, 'ok/shared') } });
    const dir = join(tmp, 'ok');
    expect(s.data).toEqual({
      users: { name: 'users', format: 'csv', file: join(dir, 'data/users.csv'), order: 'unique', columns: ['id', 'email'], rows: 2 },
      events: { name: 'events', format: 'jsonl', file: join(dir, 'data/events.jsonl'), order: 'random', columns: ['kind', 'sku'], rows: 2 },
      plain: { name: 'plain', format: 'csv', file: join(dir, 'shared/plain.csv'), order: 'sequential', columns: ['x'], rows: 1 },
    });
    // The path is a file path, not a secret: it stays readable even from ${ENV}.
    expect(s.secrets).toEqual([]);
    const users = openFeeder(s.data!.users!);
    expect([users.value(users.next(), users.column('email')), users.value(users.next(), 1), users.next()]).toEqual(['a@x', 'b@x', -1]);
  });

  it('no data: no data field; `data:` with nothing under it: none either', () => {
    expect(parseScenario(HEAD + TAIL, 'x.yaml', {}).data).toBeUndefined();
    expect(parseScenario(HEAD + 'data:\n' + TAIL, 'x.yaml', {}).data).toBeUndefined();
  });

  it('`loadtest plan` lists each feeder (no request here uses one, so none can run out: test/unit/plan-feeder.test.ts)', async () => {
    const file = project('plan', 'data:\n  users: { csv: users.csv, order: unique }\n  skus: { jsonl: skus.jsonl }\n', {
      'users.csv': 'id,email\n1,a@x\n2,b@x\n',
      'skus.jsonl': '{"sku":1}\n',
    });
    const lines = hide(renderPlan(await loadScenario(file, { env: {} }))).filter((l) => l.startsWith('data '));
    expect(lines).toEqual([
      'data users: <tmp>/plan/users.csv (csv, 2 rows: id, email), order unique',
      'data skus: <tmp>/plan/skus.jsonl (jsonl, 1 row: sku), order sequential',
    ]);
  });

  it('`loadtest validate` accepts it', async () => {
    const file = project('cli-ok', 'data:\n  users: { csv: users.csv }\n', { 'users.csv': 'id\n1\n' });
    const r = await cliInProcess('validate', file);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out.replaceAll(tmp, '<tmp>')).toBe('ok: <tmp>/cli-ok/shop.yaml: "shop", generate, 2 ramp steps up to 20 rps\n');
  });
});

describe('`loadtest validate` reports every data problem at once', () => {
  it('missing file, quote never closed, no header, ragged rows, empty file, bad JSON, unknown order', async () => {
    const file = project(
      'bad',
      [
        'data:',
        '  missing: { csv: data/missing.csv }',
        '  quoted: { csv: data/quoted.csv }',
        '  headless: { csv: data/headless.csv }',
        '  ragged: { csv: data/ragged.csv, order: unique }',
        '  empty: { csv: data/empty.csv }',
        '  events: { jsonl: data/events.jsonl }',
        '  ordered: { csv: data/ok.csv, order: uniq }',
        '  folder: { csv: data }',
        '',
      ].join('\n'),
      {
        'data/quoted.csv': 'id,name\n1,"Doe, J\n2,x\n',
        'data/headless.csv': '1,a@x\n2,b@x\n',
        'data/ragged.csv': 'id,email\n1,a@x\n2\n3,c@x,extra\n',
        'data/empty.csv': '',
        'data/events.jsonl': '{"a":1}\n{"a":2,}\n[3]\n',
        'data/ok.csv': 'id\n1\n',
      },
    );
    const r = await cliInProcess('validate', file);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(hide(r.err)).toMatchInlineSnapshot(`
      [
        "loadtest: invalid scenario: 10 problems",
        "  <tmp>/bad/shop.yaml:4:19: data.missing.csv: <tmp>/bad/data/missing.csv: cannot read the file: no such file",
        "  <tmp>/bad/shop.yaml:5:18: data.quoted.csv: <tmp>/bad/data/quoted.csv:2:3: this quoted field is never closed (a quote inside a quoted field is written "")",
        "  <tmp>/bad/shop.yaml:6:20: data.headless.csv: <tmp>/bad/data/headless.csv:1: the first row (1,a@x) is not a header: a CSV feeder needs a first row naming its columns (e.g. id,email)",
        "  <tmp>/bad/shop.yaml:7:18: data.ragged.csv: <tmp>/bad/data/ragged.csv:3: this row has 1 field, the header has 2",
        "  <tmp>/bad/shop.yaml:7:18: data.ragged.csv: <tmp>/bad/data/ragged.csv:4: this row has 3 fields, the header has 2",
        "  <tmp>/bad/shop.yaml:8:17: data.empty.csv: <tmp>/bad/data/empty.csv: the file is empty; a CSV feeder needs a header row naming its columns (e.g. id,email) and at least one row",
        "  <tmp>/bad/shop.yaml:9:20: data.events.jsonl: <tmp>/bad/data/events.jsonl:2:8: not valid JSON: Expected double-quoted property name",
        "  <tmp>/bad/shop.yaml:9:20: data.events.jsonl: <tmp>/bad/data/events.jsonl:3: expected a JSON object ({"id": 1, "email": "…"}) per line, found a list",
        "  <tmp>/bad/shop.yaml:10:39: data.ordered.order: expected sequential, random or unique, found 'uniq'",
        "  <tmp>/bad/shop.yaml:11:18: data.folder.csv: <tmp>/bad/data: cannot read the file: is a directory, not a file",
      ]
    `);
  });

  it('--set changes a feeder like any key; its problems name the flag', async () => {
    const file = project('set', 'data:\n  users: { csv: users.csv }\n', { 'users.csv': 'id\n1\n' });
    expect((await loadScenario(file, { env: {}, overrides: ['data.users.order=unique'] })).data?.users?.order).toBe('unique');
    const err = await loadScenario(file, { env: {}, overrides: ['data.users.order=uniqe', 'data.users.csv=nope.csv'] }).catch((e: unknown) => e);
    expect(hide((err as ScenarioError).details)).toEqual([
      "--set data.users.order: expected sequential, random or unique, found 'uniqe', did you mean 'unique'?",
    ]);
    const err2 = await loadScenario(file, { env: {}, overrides: ['data.users.csv=nope.csv'] }).catch((e: unknown) => e);
    expect(hide((err2 as ScenarioError).details)).toEqual(['--set data.users.csv: <tmp>/set/nope.csv: cannot read the file: no such file']);
  });

  it('shift mode takes no data', () => {
    const text = 'name: s\ndata:\n  users: { csv: u.csv }\ntraffic:\n  shift: { haproxy: { socket: /run/h.sock, backend: be, servers: [a] } }\nload: { start: 1x, step: 1x, max: 2x }\nslo: [error_rate < 1%]\n';
    let lines: readonly string[] = [];
    try {
      parseScenario(text, 'shift.yaml', {});
    } catch (e) {
      lines = (e as ScenarioError).details;
    }
    expect(lines).toEqual(['shift.yaml:2:1: data: not used with traffic.shift: data feeds the requests loadtest generates']);
  });
});

describe('data syntax (test/fixtures/invalid/data-syntax.yaml)', () => {
  it('names, formats, orders, keys: every problem, none needing a file read', () => {
    const name = 'data-syntax.yaml';
    const text = readFileSync(join(import.meta.dirname, '../fixtures/invalid', name), 'utf8');
    let lines: readonly string[] = [];
    try {
      parseScenario(text, name, {});
    } catch (e) {
      lines = (e as ScenarioError).details;
    }
    expect(lines).toMatchInlineSnapshot(`
      [
        "data-syntax.yaml:3:1: payload: unknown key 'payload': data files go under data:, one per name, e.g. data: { users: { csv: data/users.csv } }",
        "data-syntax.yaml:5:40: data.users.order: expected sequential, random or unique, found 'uniqe', did you mean 'unique'?",
        "data-syntax.yaml:6:13: data.events: give either csv: or jsonl:, not both",
        "data-syntax.yaml:7:3: data.nothing: give the file as csv: <path> or jsonl: <path>",
        "data-syntax.yaml:8:3: data.random: 'random' is a name templates use for their own values ({{ random.int(1, 100) }}); choose another name for this data",
        "data-syntax.yaml:9:3: data.2fa: '2fa' cannot name data: templates refer to it as {{ 2fa.<column> }}, so use letters, digits and _ (not first a digit)",
        "data-syntax.yaml:10:11: data.typo.cvs: unknown key 'cvs', did you mean 'csv'?",
        "data-syntax.yaml:11:14: data.by_path.file: unknown key 'file': give the file as csv: <path> or jsonl: <path>",
        "data-syntax.yaml:12:11: data.listed: expected a mapping (key: value), found a list",
        "data-syntax.yaml:13:22: data.empty_path.csv: expected the path of a data file, found an empty string",
        "data-syntax.yaml:14:34: data.numbered.order: expected sequential, random or unique, found the number 3",
      ]
    `);
  });
});
