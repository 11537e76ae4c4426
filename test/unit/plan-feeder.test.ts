// `loadtest plan`'s line for a `unique` feeder: whether the ramp could use its rows up. A request
// mix draws one row per request that uses the feeder; a session one per step that uses it, so the
// rows a session needs are its steps using the feeder, weighted by session weight.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderPlan } from '../../src/cli/commands/plan.js';
import { loadScenario } from '../../src/scenario/load-scenario.js';
import type { RequestSpec, SessionSpec } from '../../src/scenario/scenario.js';
import { rowsPerArrival } from '../../src/workload/request-data.js';

const tmp = mkdtempSync(join(tmpdir(), 'loadtest-plan-feeder-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const USERS = 'id,email\n' + Array.from({ length: 100 }, (_, i) => `${i},u${i}@x`).join('\n') + '\n';
/** The `data users` line of `plan` for a scenario whose traffic is `traffic` (100 unique rows; the ramp: 10 then 20/s, 10 s steps). */
async function usersLine(dir: string, traffic: string): Promise<string> {
  const root = join(tmp, dir);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'users.csv'), USERS);
  const yaml = `name: shop\ntarget: http://127.0.0.1:3000\ndata:\n  users: { csv: users.csv, order: unique }\ntraffic:\n${traffic}load: { start: 10, step: 10, max: 20, step_duration: 10s, warmup: 1s }\nslo: [p50 < 1s]\n`;
  writeFileSync(join(root, 'shop.yaml'), yaml);
  const line = renderPlan(await loadScenario(join(root, 'shop.yaml'), { env: {} })).find((l) => l.startsWith('data users'))!;
  return line.replace(/^data users: .*?order unique/, 'data users …');
}

describe('rowsPerArrival', () => {
  const req = (path: string, weight = 1) => ({ path, weight, template: path.includes('{{') ? { path: [{ value: { kind: 'var', name: path.slice(path.indexOf('{{') + 3, path.indexOf('}}') - 1) } }] } : undefined }) as unknown as RequestSpec;
  const session = (weight: number, ...steps: number[]) => ({ name: 's', weight, steps: steps.map((request) => ({ request, captures: [] })) }) as SessionSpec;
  const a = req('/a/{{ users.id }}');
  const b = req('/b');
  const c = req('/c/{{ users.email }}');
  const other = req('/d/{{ skus.id }}');
  it.each([
    ['every request uses it', [a, c], undefined, 1],
    ['one request of two, equal weights', [a, b], undefined, 0.5],
    ['weights count', [a, { ...b, weight: 3 } as RequestSpec], undefined, 0.25],
    ['none uses it (another feeder)', [b, other], undefined, 0],
    ['a session of two steps using it', [a, c], [session(1, 0, 1)], 2],
    ['weight 3 with two using steps, weight 7 with none', [a, c, b], [session(3, 0, 1), session(7, 2)], 0.6],
    ['a step used twice in one session counts twice', [a, b], [session(1, 0, 1, 0)], 2],
  ] as const)('%s → %s', (_, requests, sessions, rows) => {
    expect(rowsPerArrival({ requests: [...requests], ...(sessions ? { sessions: [...sessions] } : {}) }, 'users')).toBeCloseTo(rows, 10);
  });
});

describe('plan: a unique feeder the ramp could use up', () => {
  // The ramp: 10/s for 10 s, then 20/s for 10 s: 300 arrivals.
  it('a request mix whose every request uses it: one row a request', async () => {
    expect(await usersLine('all', "  request: { path: '/u/{{ users.id }}' }\n")).toBe(
      'data users …; the ramp sends up to 300 requests: at one row each, the rows run out and the run stops early',
    );
  });

  it('a mix where one request of two (by weight) uses it', async () => {
    expect(await usersLine('some', "  requests:\n    - { name: u, path: '/u/{{ users.id }}', weight: 1 }\n    - { name: h, path: /, weight: 1 }\n")).toBe(
      'data users …; the ramp sends up to 300 requests, 150 of them using a row, the rows run out and the run stops early',
    );
  });

  it('sessions: rows per session are the steps using it, weighted by session weight', async () => {
    const sessions =
      '  sessions:\n' +
      '    - name: buyer\n      weight: 3\n      steps:\n' +
      "        - { name: create, method: POST, path: '/items', body: '{{ users.email }}' }\n" +
      "        - { name: read, path: '/users/{{ users.id }}' }\n" +
      '    - name: browser\n      weight: 7\n      steps:\n' +
      "        - { name: list, path: '/items' }\n";
    expect(await usersLine('sessions', sessions)).toBe(
      'data users …; the ramp starts up to 300 sessions, 0.6 rows each (the steps using it, by session weight): 180 rows, the rows run out and the run stops early',
    );
  });

  it('sessions that never use it: nothing to run out', async () => {
    expect(await usersLine('unused', "  sessions:\n    - name: browser\n      steps:\n        - { name: list, path: '/items' }\n")).toBe('data users …');
  });
});
