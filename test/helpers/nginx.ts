// A real nginx on loopback for integration tests that check what the server itself saw: a temp dir
// with its config, one worker, an access log (one line per request as it ends: the request URI, or
// `logFormat`), every path answered 200 by nginx itself. The readiness probe is not in the log.
// Stopped by pid (graceful QUIT, then KILL); the temp dir is removed by stop().
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestNginx {
  url: string;
  /** The lines nginx logged so far, in order (request URIs unless `logFormat` says otherwise). */
  accessLog(): string[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface NginxOptions {
  /** nginx `log_format` of each access-log line (default `$request_uri`). */
  logFormat?: string;
  /** Extra lines in the `http` block (e.g. a `limit_req_zone`). */
  httpLines?: string[];
  /**
   * The body of `location /` instead of `return 200 "ok\n";` — e.g. `limit_req zone=db burst=20
   * nodelay; empty_gif;` (`return` answers in the rewrite phase, before limit_req could refuse).
   */
  location?: string;
}

export async function startNginx(o: NginxOptions = {}): Promise<TestNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-nginx-'));
  // Run as root, nginx's worker drops to `nobody`: it must be able to reach the temp dir.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'logs'), { mode: 0o777 });
  const log = join(dir, 'logs', 'access.log');
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  log_format lines '${o.logFormat ?? '$request_uri'}';
  access_log ${log} lines;
  keepalive_timeout 120;
  keepalive_requests 100000000;
  client_body_temp_path ${dir}/tmp_body;
  proxy_temp_path ${dir}/tmp_proxy;
  fastcgi_temp_path ${dir}/tmp_fcgi;
  uwsgi_temp_path ${dir}/tmp_uwsgi;
  scgi_temp_path ${dir}/tmp_scgi;
${(o.httpLines ?? []).map((l) => `  ${l}`).join('\n')}
  server {
    listen 127.0.0.1:${port};
    location = /ready { return 200 "ok\\n"; }
    location / { ${o.location ?? 'return 200 "ok\\n";'} }
  }
}
`,
  );
  const child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    const pidFile = join(dir, 'nginx.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : child.pid!;
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      /* already gone */
    }
    const killer = setTimeout(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 3000);
    await exited;
    clearTimeout(killer);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      const res = await fetch(`${url}/ready`);
      if ((await res.text()) === 'ok\n') break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      const err = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
      await stop();
      throw new Error(`nginx did not start: ${err.split('\n').slice(0, 5).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // The readiness probe is not part of any test's traffic.
  writeFileSync(log, '');
  return {
    url,
    accessLog: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : []),
    stop,
  };
}
