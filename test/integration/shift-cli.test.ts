// `loadtest run` on live traffic as a child process (bin/loadtest.js), against a real HAProxy:
// --dry-run changes nothing; SIGINT, SIGTERM and SIGHUP put the weights back (exit 130); kill -9 leaves the
// journal, `run` then refuses (exit 6) until `loadtest restore` or `--restore-first`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackends, startHaproxy, startLiveTraffic, type FlakyBackend, type HaproxyHandle, type LiveTraffic } from '../helpers/haproxy.js';

const ORIGINAL = { web1: 100, web2: 100, web3: 100 };

interface Child {
  proc: ChildProcess;
  out: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function loadtest(args: string[], nodeArgs: string[] = []): Child {
  const proc = spawn(process.execPath, [...nodeArgs, 'bin/loadtest.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  return { proc, out: () => out, exit };
}

describe('loadtest run in shift mode (child process, real HAProxy)', () => {
  let hx: HaproxyHandle;
  let backends: FlakyBackend[];
  let live: LiveTraffic | undefined;
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-shift-cli-'));
  let n = 0;

  const scenario = (load = '{ start: 1x, step: 0.5x, max: 3x, step_duration: 4s, warmup: 1s, window: 1s, persist: 2, min_samples: 10 }') => {
    const f = join(dir, `s${++n}.yaml`);
    const journal = join(dir, `journal${n}.json`);
    writeFileSync(
      f,
      `name: cli shift ${n}
traffic:
  shift:
    haproxy: { socket: ${hx.socket}, backend: web, servers: [web1] }
    limits: { max_share: 75%, max_weight_step: 100 }
    journal: ${journal}
load: ${load}
slo:
  - error_rate < 50%
report: { json: ${join(dir, `r${n}.json`)} }
`,
    );
    return { f, journal, report: join(dir, `r${n}.json`) };
  };

  async function waitShifted(child: Child): Promise<void> {
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      if ((await hx.weightOf('web1')) > 100) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`web1 was never shifted:\n${child.out()}`);
  }

  beforeAll(async () => {
    backends = await startBackends(['web1', 'web2', 'web3'], { workers: 20, serviceTimeMs: 10 });
    hx = await startHaproxy({ servers: backends.map((b) => ({ name: b.name, port: b.port })) });
    live = startLiveTraffic(hx.frontendUrl, 150, 110_000);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await live?.stop();
    await hx?.stop();
    await Promise.all((backends ?? []).map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('--dry-run prints the weights of every ramp level and changes nothing', async () => {
    const { f, journal } = scenario();
    const c = loadtest(['run', f, '--dry-run']);
    children.push(c.proc);
    const { code } = await c.exit;
    expect(code, c.out()).toBe(0);
    const out = c.out();
    expect(out).toContain('current weights {"web1":100,"web2":100,"web3":100}');
    expect(out).toMatch(/1\.00x: web1 weight 100\/256, share 33\.3%; no change/);
    expect(out).toMatch(/1\.50x: web1 weight 200\/256, share 50\.0%; set web1 100→200\n/);
    expect(out).toMatch(/2\.00x: web1 weight 256\/256, share 66\.7%; set web1 200→256, set web2 100→64, set web3 100→64\n/);
    expect(out).toMatch(/3\.00x: .*clamped to max_share 75\.0%/);
    expect(out).toContain('at the end (and on any stop): {"web1":100,"web2":100,"web3":100}');
    expect(await hx.weights()).toEqual(ORIGINAL);
    expect(existsSync(journal)).toBe(false);
  });

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`${signal} mid-run: exit 130, weights restored, journal gone, partial report marked aborted`, async () => {
      const { f, journal, report } = scenario();
      const c = loadtest(['run', f, '--no-progress']);
      children.push(c.proc);
      await waitShifted(c);
      expect(existsSync(journal)).toBe(true);
      c.proc.kill(signal);
      const { code } = await c.exit;
      expect(code, c.out()).toBe(130);
      expect(await hx.weights()).toEqual(ORIGINAL);
      expect(existsSync(journal)).toBe(false);
      const r = JSON.parse(readFileSync(report, 'utf8'));
      expect(r.status).toBe('aborted');
      expect(r.warnings.join('\n')).toMatch(/original weights restored/);
    });
  }

  it('an uncaught exception mid-run: the run fails (exit 1) and the weights are still put back', async () => {
    const { f, journal, report } = scenario();
    // A preloaded module throws from the event loop on SIGUSR2, which we send once the weights are
    // shifted: a bug anywhere in the process, at a moment we choose.
    const boom = join(dir, 'boom.mjs');
    writeFileSync(boom, "process.on('SIGUSR2', () => setImmediate(() => { throw new Error('boom from the event loop'); }));\n");
    const c = loadtest(['run', f, '--no-progress'], ['--import', boom]);
    children.push(c.proc);
    await waitShifted(c);
    c.proc.kill('SIGUSR2');
    const { code } = await c.exit;
    expect(code, c.out()).toBe(1);
    expect(await hx.weights()).toEqual(ORIGINAL);
    expect(existsSync(journal)).toBe(false);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/boom from the event loop/);
  });

  it('kill -9 mid-run leaves the journal: run refuses (exit 6) until `loadtest restore`; --restore-first replays it', async () => {
    const { f, journal } = scenario();
    const c = loadtest(['run', f, '--no-progress']);
    children.push(c.proc);
    await waitShifted(c);
    c.proc.kill('SIGKILL');
    await c.exit;
    expect((await hx.weights()).web1).toBeGreaterThan(100); // nobody put it back
    expect(JSON.parse(readFileSync(journal, 'utf8')).weights).toEqual(ORIGINAL);

    const refused = loadtest(['run', f]);
    children.push(refused.proc);
    expect((await refused.exit).code, refused.out()).toBe(6);
    expect(refused.out()).toMatch(/an unrestored weight journal exists: .*journal\d+\.json/);
    expect(refused.out()).toMatch(/loadtest restore --journal .* or pass --restore-first/);

    const restore = loadtest(['restore', '--journal', journal]);
    children.push(restore.proc);
    expect((await restore.exit).code, restore.out()).toBe(0);
    expect(restore.out()).toMatch(/restored web1 weight 100/);
    expect(await hx.weights()).toEqual(ORIGINAL);
    expect(existsSync(journal)).toBe(false);

    // Crash again, then start with --restore-first: the old journal is replayed, the run goes on.
    const again = loadtest(['run', f, '--no-progress']);
    children.push(again.proc);
    await waitShifted(again);
    again.proc.kill('SIGKILL');
    await again.exit;
    const short = scenario('{ start: 1x, step: 0.5x, max: 1.5x, step_duration: 1s, warmup: 200ms, window: 400ms, persist: 1, min_samples: 1 }');
    writeFileSync(short.f, readFileSync(short.f, 'utf8').replace(short.journal, journal));
    const first = loadtest(['run', short.f, '--restore-first', '--no-progress']);
    children.push(first.proc);
    const { code } = await first.exit;
    expect(code, first.out()).toBe(0);
    expect(first.out()).toMatch(/restore-first: restored web1 weight 100/);
    expect(await hx.weights()).toEqual(ORIGINAL);
    expect(existsSync(journal)).toBe(false);
  });
});
