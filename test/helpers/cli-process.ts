// The real CLI as a child process, for reliability tests: spawn `node bin/loadtest.js …`, collect its
// output, sample its memory from /proc, send it signals, and always end it (a hard SIGKILL deadline,
// and killAll() for afterAll). Linux only (/proc), like the CI machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/loadtest.js', import.meta.url));

export interface CliChild {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process exited (code null when killed by a signal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly hasExited: boolean;
  kill(signal: NodeJS.Signals): void;
}

const live = new Set<CliChild>();

/**
 * Starts the CLI (`nodeArgs` go to node itself, before the script). `deadlineMs` bounds it: past
 * that it is SIGKILLed (the test then fails on the exit status, it does not hang).
 */
export function spawnCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; deadlineMs?: number; nodeArgs?: string[]; prefix?: string[] } = {},
): CliChild {
  // `prefix`: a command that execs node in turn (e.g. `ip netns exec NS`), so the pid is still node's.
  const argv = [process.execPath, ...(opts.nodeArgs ?? []), BIN, ...args];
  const [cmd, ...rest] = opts.prefix ? [...opts.prefix, ...argv] : argv;
  const child = spawn(cmd!, rest, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let done = false;
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const deadline = setTimeout(() => child.kill('SIGKILL'), opts.deadlineMs ?? 120_000);
  const handle: CliChild = {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise((resolve) => {
      child.on('close', (code, signal) => {
        done = true;
        clearTimeout(deadline);
        live.delete(handle);
        resolve({ code, signal });
      });
    }),
    get hasExited() {
      return done;
    },
    kill(signal) {
      if (!done) child.kill(signal);
    },
  };
  live.add(handle);
  return handle;
}

/** SIGKILLs every child still running (afterAll / finally). */
export async function killAll(): Promise<void> {
  const all = [...live];
  for (const c of all) c.kill('SIGKILL');
  await Promise.all(all.map((c) => c.exited));
}

/** VmRSS and VmHWM (peak RSS) of a live process, in KiB; undefined once it is gone. */
export function memoryKb(pid: number): { rssKb: number; hwmKb: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

/** Polls `cond` every `everyMs` until it is truthy or `timeoutMs` passes; returns its last value. */
export async function waitFor<T>(cond: () => T, timeoutMs: number, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v || Date.now() >= until) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
