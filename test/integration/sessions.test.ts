// Sessions against a real REST server on loopback (node:http): POST /items creates an item and
// answers its id in JSON; the next step GETs it back by the captured id after a think time. The
// server — not our counters — shows every GET found its item (no 404), every id it handed out read
// back at most once per session, and our report counts sessions and requests per step name.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli-process.js';

let server: http.Server;
let url = '';
const items = new Map<string, { owner: string; reads: number }>();
let notFound: string[] = [];
let creates = 0;
/** Reads whose x-where header (captured from the create's location) did not name the item read. */
let wrongWhere: string[] = [];
let brokenHits = 0;
let afterBroken = 0;
/** `continue_on_failure`: hits of the step that answers 404, and of the step after it. */
let goneHits = 0;
let afterGone = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/items') {
        const id = randomUUID();
        const { owner } = JSON.parse(body) as { owner: string };
        items.set(id, { owner, reads: 0 });
        creates++;
        res.writeHead(201, { 'content-type': 'application/json', location: `/items/${id}` });
        // Chunked on purpose for half of them: the capture must read a de-chunked body.
        if (creates % 2 === 0) {
          res.write(`{"id": "${id}", `);
          res.end(`"owner": ${JSON.stringify(owner)}}`);
        } else res.end(JSON.stringify({ id, owner }));
        return;
      }
      const m = /^\/items\/([^/?]+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && m) {
        const it = items.get(decodeURIComponent(m[1]!));
        if (!it) {
          notFound.push(req.url!);
          res.statusCode = 404;
          return res.end('{"error":"not found"}');
        }
        it.reads++;
        const where = req.headers['x-where'];
        if (where !== undefined && where !== req.url) wrongWhere.push(`${req.url} ${String(where)}`);
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify(it));
      }
      if (req.url === '/gone') {
        goneHits++;
        res.statusCode = 404;
        return res.end('{"error":"gone"}');
      }
      if (req.url === '/after-gone') {
        afterGone++;
        return res.end('{}');
      }
      if (req.url === '/broken') brokenHits++;
      if (req.url === '/after-broken') afterBroken++;
      res.statusCode = 400;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('a POST → capture → GET session', () => {
  it.each([
    ['lean', 1],
    ['undici', 2],
  ])('%s client, %d thread(s): every item found at every step, sessions counted', async (client, workers) => {
    items.clear();
    notFound = [];
    wrongWhere = [];
    creates = 0;
    const dir = mkdtempSync(join(tmpdir(), 'loadtest-sessions-'));
    try {
      writeFileSync(
        join(dir, 'shop.yaml'),
        `name: shop sessions
target: ${url}
traffic:
  client: ${client}
  workers: ${workers}
  error_status: ">=400"
  sessions:
    - name: buyer
      steps:
        - name: create
          method: POST
          path: /items
          headers: { content-type: application/json }
          body: '{"owner": "user-{{ seq }}"}'
          capture: { item_id: json.id, where: header.location }
        - think: 5ms-20ms
        - name: read
          path: '/items/{{ item_id }}'
        - name: again
          path: '/items/{{ item_id }}'
          headers: { x-where: '{{ where }}' }
load: { start: 50, step: 50, max: 100, step_duration: 2s, warmup: 500ms }
slo: ["p99{read} < 500ms", error_rate < 1%]
report: { json: out.json }
`,
      );
      const cli = spawnCli(['run', 'shop.yaml'], { cwd: dir, deadlineMs: 90_000 });
      const { code } = await cli.exited;
      const out = cli.stdout() + cli.stderr();
      expect(notFound, out).toEqual([]);
      expect(wrongWhere, out).toEqual([]);
      const report = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as {
        status: string;
        steps: Array<{ level: number; sent: number; errorCount: number; byRequest: Array<{ name: string; count: number; errors: number }>; sessions?: { started: number; completed: number; failed: number; cut: number; startedPerSecond: number } }>;
      };
      expect(report.status, out).toBe('completed');
      expect(code, out).toBe(0);
      expect(report.steps.length).toBeGreaterThanOrEqual(2);
      for (const st of report.steps) {
        expect(st.errorCount).toBe(0);
        const by = Object.fromEntries(st.byRequest.map((b) => [b.name, b]));
        expect(Object.keys(by).sort()).toEqual(['again', 'create', 'read']);
        const ss = st.sessions!;
        expect(ss.failed).toBe(0);
        expect(ss.started).toBeGreaterThan(st.level * 1.5 * 0.6);
        // Each completed session sent one of each step; sessions cut by the step's end stop early.
        expect(ss.completed + ss.cut).toBeGreaterThanOrEqual(ss.started - 2);
        expect(by.read!.count).toBeGreaterThanOrEqual(ss.completed);
        expect(ss.startedPerSecond).toBeGreaterThan(st.level * 0.6);
      }
      // Server side: every item read was one it created; each read back twice at most (read, again).
      const reads = [...items.values()].map((x) => x.reads);
      expect(Math.max(...reads)).toBeLessThanOrEqual(2);
      expect(reads.filter((n) => n === 2).length).toBeGreaterThan(items.size * 0.8);
      expect(out).toContain('sessions/s');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed step ends its session (counted); its later steps are never sent', async () => {
    brokenHits = 0;
    afterBroken = 0;
    const dir = mkdtempSync(join(tmpdir(), 'loadtest-sessions-'));
    try {
      writeFileSync(
        join(dir, 'broken.yaml'),
        `name: broken sessions
target: ${url}
traffic:
  workers: 1
  error_status: ">=400"
  sessions:
    - name: doomed
      steps:
        - { name: broken, path: /broken }
        - { name: after, path: /after-broken }
load: { start: 50, step: 50, max: 50, step_duration: 1s, warmup: 200ms }
slo: [error_rate < 1%]
report: { json: out.json }
`,
      );
      const cli = spawnCli(['run', 'broken.yaml'], { cwd: dir, deadlineMs: 60_000 });
      await cli.exited;
      const out = cli.stdout() + cli.stderr();
      const report = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { steps: Array<{ sessions: { started: number; completed: number; failed: number } }> };
      const ss = report.steps[0]!.sessions;
      expect(ss.started, out).toBeGreaterThan(20);
      expect(ss.failed).toBe(ss.started);
      expect(ss.completed).toBe(0);
      expect(brokenHits).toBeGreaterThan(20);
      expect(afterBroken).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['lean', 1],
    ['undici', 2],
  ])('continue_on_failure (%s client, %d thread(s)): a step answering 404 does not end its session; the next step still reaches the server', async (client, workers) => {
    goneHits = 0;
    afterGone = 0;
    const dir = mkdtempSync(join(tmpdir(), 'loadtest-sessions-'));
    try {
      writeFileSync(
        join(dir, 'gone.yaml'),
        `name: going on
target: ${url}
traffic:
  client: ${client}
  workers: ${workers}
  error_status: ">=400"
  sessions:
    - name: tolerant
      steps:
        - { name: gone, path: /gone, continue_on_failure: true }
        - think: 5ms
        - { name: after, path: /after-gone }
load: { start: 50, step: 50, max: 50, step_duration: 1s, warmup: 200ms }
slo: [error_rate < 1%]
report: { json: out.json }
`,
      );
      const cli = spawnCli(['run', 'gone.yaml'], { cwd: dir, deadlineMs: 60_000 });
      await cli.exited;
      const out = cli.stdout() + cli.stderr();
      const report = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as {
        steps: Array<{ byRequest: Array<{ name: string; count: number; errors: number }>; sessions: { started: number; completed: number; failed: number; cut: number } }>;
      };
      const st = report.steps[0]!;
      const by = Object.fromEntries(st.byRequest.map((b) => [b.name, b]));
      expect(by.gone!.errors, out).toBe(by.gone!.count);
      expect(by.after!.errors).toBe(0);
      // Every session went on past its 404: it ends failed (a step failed), never completed.
      const ss = st.sessions;
      expect(ss.started, out).toBeGreaterThan(20);
      expect(ss.completed).toBe(0);
      expect(ss.failed + ss.cut).toBe(ss.started);
      expect(ss.failed).toBeGreaterThan(ss.started * 0.8);
      // Server side: the step after the 404 was sent for (nearly) every 404 — all but sessions cut at the end.
      expect(goneHits).toBeGreaterThan(20);
      expect(afterGone).toBeGreaterThan(0);
      // Sessions cut at the step's end (each worker thread cuts its own) and prepare()'s check may
      // have reached /gone without a step after it: a fixed allowance of 5 was once short by one with
      // two threads (208 vs 202).
      expect(afterGone).toBeGreaterThanOrEqual(goneHits - ss.cut - 2);
      expect(afterGone).toBeLessThanOrEqual(goneHits);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
