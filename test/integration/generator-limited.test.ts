// A generator that cannot keep its schedule must say so: its step is marked limited (and the
// controller then calls it inconclusive), with reasons naming the value, the threshold and a remedy.
// The starvation is made deterministic by blocking the generator's own thread: the progress
// callback runs in the same thread as the single-thread engine and busy-loops 300 ms of every 500 ms.
// A second test makes the shortage real: the generator in a child process pinned (taskset) to one
// core beside four busy loops pinned to the same core, at a rate it cannot keep there (80k req/s on a fifth of
// a core; 10–20 µs of CPU per request, ~1 µs per send dropped at the in-flight cap).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGenerator } from '../../src/traffic/generator/generator.js';
import { startTestServer, type TestServer } from '../helpers/http-servers.js';
import { genSpec, stepReq } from './generator-helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* starve the event loop */
  }
}

describe('generator health', () => {
  it('marks a CPU-starved step limited, with reasons', async () => {
    const g = createGenerator(genSpec(server.url, { workers: 1 }));
    try {
      const s = await g.runStep(stepReq(1000, 2500, 500, { onProgress: () => busy(300) }));
      const h = s.generator!;
      expect(h.limited).toBe(true);
      expect(h.sendLagMaxMs).toBeGreaterThan(200);
      expect(h.eventLoopDelayP99Ms).toBeGreaterThan(100);
      expect(h.reasons.some((r) => /^send lag p99 \d+(\.\d+)?ms > 10ms/.test(r))).toBe(true);
      expect(h.reasons.some((r) => /^event-loop delay p99 \d+(\.\d+)?ms > 20ms/.test(r))).toBe(true);
      expect(h.reasons.every((r) => /workers|machine/.test(r))).toBe(true);
      // The schedule was kept in count (late sends still count as offered): the lag is what betrays it.
      expect(s.sent).toBe(2000);
    } finally {
      await g.close();
    }
  });

  it('does not mark the same rate limited when the thread is free', async () => {
    const g = createGenerator(genSpec(server.url, { workers: 1 }), {
      // Generous thresholds: this box is shared and noisy; the point is the contrast with the test above.
      thresholds: { sendLagP99Ms: 250, eventLoopDelayP99Ms: 250 },
    });
    try {
      const s = await g.runStep(stepReq(1000, 2500, 500));
      expect(s.generator!.limited).toBe(false);
      expect(s.generator!.reasons).toEqual([]);
    } finally {
      await g.close();
    }
  });
});

describe('generator health under a real CPU shortage', () => {
  it.skipIf(!hasTaskset())('marks a step limited when the generator shares its core with busy processes', async () => {
    const hogs: ChildProcess[] = [];
    try {
      // Four busy loops pinned to core 0 leave the generator (pinned there too) about a fifth of a core.
      for (let i = 0; i < 4; i++) {
        hogs.push(spawn('taskset', ['-c', '0', process.execPath, '-e', 'const end = Date.now() + 20000; while (Date.now() < end) {}'], { stdio: 'ignore' }));
      }
      const script = `
        const { createGenerator } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/traffic/generator/generator.js')).href)});
        const spec = ${JSON.stringify(genSpec(server.url, { connections: 20, workers: 1, timeoutMs: 5000 }))};
        const g = createGenerator(spec);
        const s = await g.runStep({ index: 0, level: 80000, durationMs: 2000, warmupMs: 500, signal: new AbortController().signal });
        await g.close();
        process.stdout.write(JSON.stringify(s.generator));`;
      const out = await run('taskset', ['-c', '0', process.execPath, '--input-type=module', '-e', script], 30_000);
      const h = JSON.parse(out) as { limited: boolean; reasons: string[]; sendLagP99Ms: number };
      expect(h.limited, JSON.stringify(h)).toBe(true);
      expect(h.reasons.length).toBeGreaterThan(0);
      expect(h.reasons.join('\n')).toMatch(/send lag p99|event-loop delay p99/);
    } finally {
      for (const hog of hogs) if (hog.pid) hog.kill('SIGKILL');
    }
  });
});

const root = fileURLToPath(new URL('../..', import.meta.url));

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs a command to completion (killed after timeoutMs) and returns its stdout. */
function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} exited ${code}: ${err}`));
    });
  });
}
