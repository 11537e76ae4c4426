// A real REST server on loopback for session tests: json-server (npm, pinned in devDependencies),
// run as a child process in a temp dir with its own db.json. POST /<collection> answers 201 with
// the stored item and a generated numeric `id`; GET /<collection>/:id answers it or 404; GET
// /<collection>?_page=&_limit= pages. Its request log (morgan's `dev` format: `GET /items/3 200
// 1.2 ms - 43`) is kept, so a test can count what the server itself answered. Stopped by pid
// (SIGTERM, then SIGKILL); the temp dir is removed by stop().
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './haproxy.js';

export interface TestJsonServer {
  url: string;
  /** The server's db file, as it last wrote it (json-server writes it on every change). */
  db(): Record<string, unknown[]>;
  /** Requests the server logged so far: method, path with query, status. */
  requests(): Array<{ method: string; path: string; status: number }>;
  stop(): Promise<void>;
}

const BIN = createRequire(import.meta.url).resolve('json-server/lib/cli/bin.js');

export async function startJsonServer(collections: Record<string, unknown[]>): Promise<TestJsonServer> {
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-json-server-'));
  const dbFile = join(dir, 'db.json');
  writeFileSync(dbFile, JSON.stringify(collections));
  const port = await freePort();
  // NODE_ENV=test (vitest's) would silence its request log: the log is the server's own count.
  const child = spawn(process.execPath, [BIN, dbFile, '--host', '127.0.0.1', '--port', String(port), '--no-gzip'], {
    cwd: dir,
    env: { ...process.env, NODE_ENV: 'production', NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(killer);
    rmSync(dir, { recursive: true, force: true });
  };
  const first = Object.keys(collections)[0]!;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/${first}?_limit=1`);
      await res.text();
      if (res.status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`json-server did not start: ${(err || out).split('\n').slice(0, 5).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // The readiness request is not part of any test's traffic (its log line may come a moment later).
  const probe = `/${first}?_limit=1`;
  return {
    url,
    db: () => JSON.parse(readFileSync(dbFile, 'utf8')) as Record<string, unknown[]>,
    requests: () =>
      out
        // morgan colours the status even without a terminal.
        .replace(/\x1b\[[0-9;]*m/g, '')
        .split('\n')
        .map((l) => /^(GET|POST|PUT|PATCH|DELETE|HEAD) (\S+) (\d{3}) /.exec(l.trim()))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ method: m[1]!, path: m[2]!, status: Number(m[3]) }))
        .filter((r) => r.path !== probe),
    stop,
  };
}

/**
 * The shop scenario both json-server tests run (no warm-up: every request sent is in the report's
 * counts): buyers POST /items with an owner from users.csv, capture the new id, think, and read it
 * back; browsers page through /items.
 */
export function shopScenario(name: string, target: string, o: { client: string; workers?: number; order?: string }): string {
  return `name: ${name}
target: ${target}
data:
  users: { csv: users.csv${o.order ? `, order: ${o.order}` : ''} }
traffic:
  client: ${o.client}
${o.workers !== undefined ? `  workers: ${o.workers}\n` : ''}  error_status: ">=400"
  sessions:
    - name: buyer
      weight: 3
      steps:
        - name: create
          method: POST
          path: /items
          headers: { content-type: application/json }
          body: '{"owner": "{{ json(users.email) }}", "sku": {{ random.int(1, 1000) }}}'
          capture: { item_id: json.id }
        - think: 5ms-20ms
        - name: read
          path: /items/{{ item_id }}
    - name: browser
      weight: 7
      steps:
        - { name: list, path: '/items?_page={{ random.int(1, 50) }}&_limit=10' }
load: { start: 10, step: 10, max: 20, step_duration: 2s, warmup: 0s }
slo: ["p99{read} < 500ms", error_rate < 5%]
`;
}
