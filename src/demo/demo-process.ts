// The demo service as its own process: parses its few flags, starts the server, prints one JSON line
// describing it (what spawn-demo.ts and scripts read), and serves until told to stop. Its own process
// so that the load generator and the service do not share an event loop.
import fs from 'node:fs';
import { startDemoServer, type DemoServerOptions } from './demo-server.js';

const USAGE = 'usage: demo-server [--workers N] [--service-time 20ms] [--queue-limit N] [--port 0] [--host 127.0.0.1]';

/** "20ms", "0.02s", "20" (ms) → milliseconds; NaN when unreadable. */
export function parseDurationMs(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

export function parseDemoArgs(argv: string[]): DemoServerOptions {
  const opts: DemoServerOptions = { workers: 8, serviceTimeMs: 20, port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
    const int = (): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: expected a whole number, got "${value}"`);
      return n;
    };
    switch (name) {
      case '--workers':
        opts.workers = int();
        break;
      case '--service-time':
        opts.serviceTimeMs = parseDurationMs(value);
        if (!(opts.serviceTimeMs > 0)) throw new Error(`--service-time: expected a duration like 20ms, got "${value}"`);
        break;
      case '--queue-limit':
        opts.queueLimit = int();
        break;
      case '--port':
        opts.port = int();
        break;
      case '--host':
        opts.host = value;
        break;
      default:
        throw new Error(`unknown flag ${name}\n${USAGE}`);
    }
  }
  return opts;
}

/** True when fd 0 is a pipe or socket: its end means the parent is gone. A TTY or /dev/null is not watched. */
function stdinIsPipe(): boolean {
  try {
    const st = fs.fstatSync(0);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

export async function runDemoProcess(argv: string[]): Promise<void> {
  let opts: DemoServerOptions;
  try {
    opts = parseDemoArgs(argv);
  } catch (err) {
    process.stderr.write(`demo-server: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const server = await startDemoServer(opts);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
    // Never hang on a stuck socket.
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (stdinIsPipe()) {
    process.stdin.on('data', () => {}); // drain; the parent writes nothing
    process.stdin.once('end', stop);
    process.stdin.once('close', stop);
  }
  const { port, host, workers, serviceTimeMs, trueCapacity, queueLimit } = server;
  process.stdout.write(JSON.stringify({ port, host, url: server.url, pid: process.pid, workers, serviceTimeMs, trueCapacity, queueLimit }) + '\n');
}
