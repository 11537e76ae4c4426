// A `unique` CSV feeder used in the path and the body, run by the real CLI on two worker threads
// through each client, against a node:http REST server that records every row it receives: the
// server — not our counters — shows each row used at most once, every request's columns from one
// row, and the run stopping with the exhausted line (exit 5) and its report once rows run out.
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { spawnCli } from '../helpers/cli-process.js';

const ROWS = 600;
let server: http.Server;
let url = '';
/** id → how many requests the server got for it; wrong: requests whose body's email was not its row's. */
let uses = new Map<string, number>();
let wrong: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      const m = /^\/users\/([^/?]+)\/orders$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) {
        res.statusCode = 404;
        return res.end();
      }
      const id = decodeURIComponent(m[1]!);
      uses.set(id, (uses.get(id) ?? 0) + 1);
      try {
        const b = JSON.parse(body) as { email: string };
        if (b.email !== email(id)) wrong.push(`${id}: ${b.email}`);
      } catch {
        wrong.push(`${id}: ${body}`);
      }
      res.statusCode = 201;
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

/** Row i's email: some need quoting in CSV, escaping in JSON, percent-encoding in a path. */
const email = (id: string) => (Number(id.replace(/\D/g, '')) % 7 === 0 ? `"${id}", x@y.io` : `${id}@x.io`);
const idOf = (i: number) => (i % 5 === 0 ? `u ${i}/é` : `u${i}`);
const csvField = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

describe('a unique feeder across two worker threads', () => {
  it.each(['lean', 'undici'])('%s client: each row at most once (server side), then the run stops with its report', async (client) => {
    uses = new Map();
    wrong = [];
    const dir = mkdtempSync(join(tmpdir(), 'loadtest-feeder-'));
    try {
      const rows = Array.from({ length: ROWS }, (_, k) => `${csvField(idOf(k + 1))},${csvField(email(idOf(k + 1)))}`);
      writeFileSync(join(dir, 'users.csv'), `id,email\n${rows.join('\n')}\n`);
      writeFileSync(
        join(dir, 'unique.yaml'),
        `name: unique users
target: ${url}
data:
  users: { csv: users.csv, order: unique }
traffic:
  client: ${client}
  workers: 2
  connections: 8
  request:
    method: POST
    path: '/users/{{ users.id }}/orders'
    headers: { content-type: application/json }
    body: '{"email": "{{ json(users.email) }}", "n": {{ random.int(1, 9) }}}'
load: { start: 100, step: 100, max: 400, step_duration: 2s, warmup: 500ms }
slo: [p50 < 500ms, error_rate < 1%]
report: { json: out.json }
`,
      );
      const cli = spawnCli(['run', 'unique.yaml'], { cwd: dir, deadlineMs: 90_000 });
      const { code } = await cli.exited;
      const out = cli.stdout() + cli.stderr();
      expect(code, out).toBe(ExitCode.INCONCLUSIVE);
      expect(out).toContain(`data users: all ${ROWS} rows used (order: unique); the run stops here`);
      // Server side: no row twice, none unknown, each request's columns from one row.
      const dup = [...uses].filter(([, n]) => n > 1);
      expect(dup).toEqual([]);
      expect(wrong).toEqual([]);
      const known = new Set(Array.from({ length: ROWS }, (_, k) => idOf(k + 1)));
      expect([...uses.keys()].filter((id) => !known.has(id))).toEqual([]);
      // Every row drawn was sent (requests in flight when the run stopped had time to land).
      expect(uses.size).toBeGreaterThan(ROWS - 10);
      // The report is kept: aborted by the data, its steps (the last one partial) recorded.
      const report = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as {
        status: string;
        stopReason: string;
        error?: string;
        steps: Array<{ partial: boolean; sent: number }>;
      };
      expect(report.status).toBe('aborted');
      expect(report.stopReason).toBe('data-exhausted');
      expect(report.error).toContain('all 600 rows used');
      expect(report.steps.length).toBeGreaterThanOrEqual(1);
      expect(report.steps.at(-1)!.partial).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
