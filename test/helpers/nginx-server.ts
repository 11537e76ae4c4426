// A real nginx on loopback for tests that check what the server itself saw: a temp dir with its own
// config and access log (one line per request: `METHOD request_uri`, exactly as sent), any path
// answered 200 by nginx itself. Stopped by the master's pid, never by name.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NginxServer {
  url: string;
  /** The access log's lines so far (`METHOD request_uri`). */
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

export async function startNginx(): Promise<NginxServer> {
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-nginx-'));
  // Run as root, nginx's workers drop to `nobody`: they must be able to enter the (0700) temp dir.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const log = join(dir, 'access.log');
  const conf = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  log_format replay '$request_method $request_uri';
  access_log ${log} replay;
  keepalive_timeout 120;
  keepalive_requests 100000000;
  client_body_temp_path ${dir}/tmp_body;
  proxy_temp_path ${dir}/tmp_proxy;
  fastcgi_temp_path ${dir}/tmp_fcgi;
  uwsgi_temp_path ${dir}/tmp_uwsgi;
  scgi_temp_path ${dir}/tmp_scgi;
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "ok\\n"; }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    // daemon off: the child is the master; QUIT lets it finish and take its worker down.
    try {
      child.kill('SIGQUIT');
    } catch {
      /* gone */
    }
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      const res = await fetch(`${url}/__up`);
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
    accessLog: () => readFileSync(log, 'utf8').split('\n').filter((l) => l !== ''),
    stop,
  };
}
