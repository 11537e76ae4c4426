// What `loadtest run` prints where: a run that failed before its first step says so once when
// stdout and stderr are the same place (a terminal, a CI log: `cmd > log 2>&1`), and on both when
// stdout goes elsewhere, so the reason is never lost and never doubled.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, killAll, spawnCli } from '../helpers/cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'loadtest-output-'));
afterAll(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** A scenario against a loopback port nobody listens on. */
async function downScenario(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const file = join(dir, 'down.yaml');
  writeFileSync(file, `name: down\ntarget: http://127.0.0.1:${port}\ntraffic:\n  request: { path: / }\nload: { start: 50, step: 50, max: 100, step_duration: 1s, warmup: 0s }\nslo: [p99 < 100ms]\n`);
  return file;
}

const count = (text: string) => text.split('\n').filter((l) => /run failed: target .* refused the connection/.test(l)).length;

describe('run failed: said once', () => {
  it('stdout and stderr into one log (2>&1): one line', async () => {
    const file = await downScenario();
    const log = join(dir, 'both.log');
    const fd = openSync(log, 'w');
    const child = spawn(process.execPath, [join(ROOT, 'bin/loadtest.js'), 'run', file, '--json', join(dir, 'both.json')], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', fd, fd],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(timer);
    closeSync(fd);
    expect(code).toBe(1);
    const text = readFileSync(log, 'utf8');
    expect(count(text), text).toBe(1);
  });

  it('stdout to a pipe and stderr to another: the line on each', async () => {
    const cli = spawnCli(['run', await downScenario(), '--json', join(dir, 'pipes.json')], { deadlineMs: 60_000 });
    expect((await cli.exited).code).toBe(1);
    expect([count(cli.stdout()), count(cli.stderr())]).toEqual([1, 1]);
  });
});
