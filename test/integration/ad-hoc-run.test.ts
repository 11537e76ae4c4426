// `loadtest run --url …` end to end, no scenario file: the real CLI against the demo service in its
// own process, whose capacity is known by construction (4 workers × 1/10 ms = 400 rps). A short plan
// (2 s steps from 150 rps, ×1.5, refined to 20%: a few steps either side of the capacity) must find a
// capacity and exit 0, as the one-liner promises.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, spawnCli } from '../helpers/cli-process.js';
import { spawnDemo } from '../../src/demo/spawn-demo.js';
import type { RunResult } from '../../src/result.js';

const dir = mkdtempSync(join(tmpdir(), 'loadtest-adhoc-'));

afterAll(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('loadtest run --url (ad-hoc mode)', () => {
  it('finds the capacity of a service of known capacity without a scenario file, exit 0', async () => {
    const demo = await spawnDemo({ workers: 4, serviceTimeMs: 10 });
    try {
      const json = join(dir, 'adhoc.json');
      const cli = spawnCli(
        ['run', '--url', `${demo.url}/items`, '--slo', 'p99 < 50ms', '--slo', 'error_rate < 1%', '--start', '150', '--max', '5000',
          '--refine', '20%', '--step-duration', '2s', '--json', json],
        { cwd: dir, deadlineMs: 100_000 },
      );
      const { code } = await cli.exited;
      const out = cli.stdout();
      expect(code, out + cli.stderr()).toBe(0);
      // The header shows the scenario the flags made: the target, the geometric plan, the SLOs.
      expect(out).toContain(`→ ${demo.url} (generate)`);
      expect(out).toMatch(/^plan: 150 rps → 5000 rps \(×1\.5\), 2s steps \(0\.4s warm-up\), refine to 20%/m);
      expect(out).toMatch(/^SLOs: p99 < 50ms, error_rate < 1%$/m);

      const r = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
      expect(r.status).toBe('completed');
      expect(r.scenario).toMatchObject({ mode: 'generate', target: demo.url, slo: ['p99 < 50ms', 'error_rate < 1%'] });
      expect(r.capacity.verdict).toBe('found');
      // Found, and not above the truth by more than the demo's ±10% (a busy machine may find less).
      expect(r.capacity.maxServableLoad).toBeGreaterThan(0);
      expect(r.capacity.maxServableLoad!).toBeLessThanOrEqual(440);
      expect(r.capacity.firstFailingLoad!).toBeGreaterThan(r.capacity.maxServableLoad!);
      expect(out).toContain(r.capacity.summary);
    } finally {
      await demo.stop();
    }
  });
});
