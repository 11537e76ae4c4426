// Starts the demo service as a child process (for `loadtest demo` and the tests) and stops it by pid.
// A separate process keeps the service's timers off the generator's event loop, so what the search
// finds is the service's capacity, not a shared loop's.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LoadtestError } from '../errors.js';

export interface SpawnDemoOptions {
  workers?: number;
  serviceTimeMs?: number;
  queueLimit?: number;
  port?: number;
  /** Give up when the service has not printed its line within this many ms (default 10 s). */
  startTimeoutMs?: number;
}

export interface DemoProcess {
  pid: number;
  port: number;
  url: string;
  workers: number;
  serviceTimeMs: number;
  trueCapacity: number;
  queueLimit: number;
  /** SIGTERM, then SIGKILL after 2 s; resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
}

/** The compiled server next to this file (dist/), or dist/ when this module runs from src/ (tests). */
function serverJs(): string {
  const here = fileURLToPath(new URL('./demo-server.js', import.meta.url));
  return existsSync(here) ? here : fileURLToPath(new URL('../../dist/demo/demo-server.js', import.meta.url));
}

export async function spawnDemo(opts: SpawnDemoOptions = {}): Promise<DemoProcess> {
  const args = [serverJs(), '--workers', String(opts.workers ?? 8), '--service-time', `${opts.serviceTimeMs ?? 20}ms`, '--port', String(opts.port ?? 0)];
  if (opts.queueLimit !== undefined) args.push('--queue-limit', String(opts.queueLimit));
  // stdin is a pipe the child watches: if this process dies, the demo service exits with it.
  // Its own process group: a Ctrl-C in the terminal reaches only loadtest, which then finishes the
  // step and the report against a service that is still up, and stops it afterwards.
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 4000) stderr += d;
  });

  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(`the demo service did not start within ${opts.startTimeoutMs ?? 10_000} ms`), opts.startTimeoutMs ?? 10_000);
    const fail = (msg: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new LoadtestError(`${msg}${stderr ? `: ${stderr.trim()}` : ''}`));
    };
    child.once('error', (err) => fail(`could not start the demo service (${err.message})`));
    child.once('exit', (code) => fail(`the demo service exited (code ${code}) before it was ready`));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      try {
        resolve(JSON.parse(out.slice(0, nl)) as Record<string, unknown>);
      } catch {
        fail(`the demo service printed something unexpected: ${out.slice(0, 200)}`);
      }
    });
  });

  return {
    pid: child.pid!,
    port: info['port'] as number,
    url: info['url'] as string,
    workers: info['workers'] as number,
    serviceTimeMs: info['serviceTimeMs'] as number,
    trueCapacity: info['trueCapacity'] as number,
    queueLimit: info['queueLimit'] as number,
    stop: stopper(child),
  };
}

function stopper(child: ChildProcess): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
    return stopping;
  };
}
