// Issue #12's shop scenario against a real REST server from npm, json-server (test/helpers/json-server.ts),
// on loopback: buyers POST /items with an owner from a `unique` CSV feeder, capture the new id from
// the JSON answer, think, and GET /items/{{ item_id }} back; browsers page through /items. What the
// SERVER holds and logged afterwards — not our counters — must show: every item a session created was
// found when read back (no 404 at any step), each CSV row's email owns at most one item (the unique
// feeder, across worker threads), and as many items as the report says were created (plus the
// pre-flight probe, which sends the first step). Kept to small, short levels: json-server writes its
// whole db file on every POST.
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, spawnCli } from '../helpers/cli-process.js';
import { shopScenario, startJsonServer, type TestJsonServer } from '../helpers/json-server.js';
import type { RunResult } from '../../src/result.js';

const ROWS = 3000;
const dir = mkdtempSync(join(tmpdir(), 'loadtest-shop-'));
const emails = Array.from({ length: ROWS }, (_, i) => `user${i + 1}@example.com`);

beforeAll(() => {
  writeFileSync(join(dir, 'users.csv'), `id,email\n${emails.map((e, i) => `${i + 1},${e}`).join('\n')}\n`);
});
afterAll(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('the shop scenario against json-server', () => {
  let server: TestJsonServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it.each([
    ['lean', 1],
    ['undici', 2],
  ])('%s client, %d thread(s): every created item read back, each unique row used at most once, server and report agree', async (client, workers) => {
    // A fresh server per run: its items are this run's only.
    await server?.stop();
    server = await startJsonServer({ items: [] });
    const file = join(dir, `shop-${client}.yaml`);
    const json = join(dir, `shop-${client}.json`);
    // No warm-up: every request sent is in the report's counts.
    writeFileSync(file, shopScenario('shop against json-server', server.url, { client, workers, order: 'unique' }));
    const cli = spawnCli(['run', file, '--json', json, '--no-progress'], { cwd: dir, deadlineMs: 60_000 });
    const { code } = await cli.exited;
    const out = cli.stdout() + cli.stderr();
    const report = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
    expect(report.status, out).toBe('completed');
    expect(code, out).toBe(0);
    expect(report.steps.length).toBeGreaterThanOrEqual(2);

    // The report: no 404 and no error for any step name, at every step.
    let created = 0;
    let read = 0;
    let listed = 0;
    for (const st of report.steps) {
      expect(st.statusCodes['404'], `step at ${st.level}: ${out}`).toBeUndefined();
      expect(st.errorCount).toBe(0);
      const by = Object.fromEntries(st.byRequest.map((b) => [b.name, b]));
      expect(Object.keys(by).sort()).toEqual(['create', 'list', 'read']);
      for (const b of Object.values(by)) expect(b.errors, b.name).toBe(0);
      expect(by.read!.count).toBeGreaterThan(0);
      expect(st.sessions!.failed).toBe(0);
      created += by.create!.count;
      read += by.read!.count;
      listed += by.list!.count;
    }

    // The server's log: what it answered, by route.
    const log = server.requests();
    expect(log.filter((r) => r.status === 404)).toEqual([]);
    expect(log.filter((r) => r.status >= 400)).toEqual([]);
    const posts = log.filter((r) => r.method === 'POST' && r.path === '/items');
    const gets = log.filter((r) => r.method === 'GET' && /^\/items\/\d+$/.test(r.path));
    expect(posts.every((r) => r.status === 201)).toBe(true);
    // The pre-flight probe sends the first step (a create) once, before the first step.
    expect(posts.length).toBe(created + 1);
    expect(gets.length).toBe(read);
    expect(log.filter((r) => r.method === 'GET' && r.path.startsWith('/items?_page=')).length).toBe(listed);

    // The server's data: as its API answers it, and as it wrote its db file.
    const res = await fetch(`${server.url}/items`);
    const items = (await res.json()) as Array<{ id: number; owner: string; sku: number }>;
    expect(items.length).toBe(created + 1);
    expect(server.db().items!.length).toBe(items.length);
    const owners = items.map((i) => i.owner);
    // order: unique — each row (email) owns at most one item, across threads; every owner a row of the file.
    expect(new Set(owners).size).toBe(owners.length);
    const known = new Set(emails);
    expect(owners.filter((o) => !known.has(o))).toEqual([]);
    expect(items.every((i) => Number.isInteger(i.sku) && i.sku >= 1 && i.sku <= 1000)).toBe(true);
    // Every item read back was one the server created (ids from the captured JSON, not guessed).
    const ids = new Set(items.map((i) => i.id));
    expect(gets.filter((g) => !ids.has(Number(g.path.slice('/items/'.length))))).toEqual([]);
    // Each created item read back at most once (one read step per buyer session).
    expect(new Set(gets.map((g) => g.path)).size).toBe(gets.length);
    expect(out).toContain('sessions/s');
  });
});
