// Starts nginx on loopback for the benchmark: a temp config in a temp dir, one worker pinned to a
// core with taskset, a small static body, keep-alive on, access_log off. Stopped by pid.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

export async function startNginx(core) {
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-bench-nginx-'));
  // Run as root, nginx's workers drop to `nobody`: they must be able to read the (0700) temp dir.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'www'), { mode: 0o755 });
  const body = 'hello from nginx\n';
  writeFileSync(join(dir, 'www', 'index.html'), body);
  const port = await freePort();
  const conf = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_timeout 120;
  keepalive_requests 100000000;
  client_body_temp_path ${dir}/tmp_body;
  proxy_temp_path ${dir}/tmp_proxy;
  fastcgi_temp_path ${dir}/tmp_fcgi;
  uwsgi_temp_path ${dir}/tmp_uwsgi;
  scgi_temp_path ${dir}/tmp_scgi;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/www;
    location / { index index.html; }
    # Templated paths (/r/<seq>?u=…) get the same small page as /, so both cases cost nginx the same.
    location /r/ { try_files /index.html =404; }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn('taskset', ['-c', String(core), 'nginx', '-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      const res = await fetch(url);
      if ((await res.text()) === body) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      // QUIT (not KILL) so the master takes its workers down with it.
      child.kill('SIGQUIT');
      const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
      await new Promise((r) => setTimeout(r, 1000));
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start: ${log.split('\n').slice(0, 5).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    bodyBytes: body.length,
    async stop() {
      // The master's pid (daemon off: it is taskset's exec'd child); QUIT = graceful, then make sure.
      const pidFile = join(dir, 'nginx.pid');
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : child.pid;
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        /* already gone */
      }
      await new Promise((r) => {
        const t = setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
          r();
        }, 3000);
        child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
