// Weights are put back on every exit path of a shift run, checked with `get weight` on a real
// HAProxy: a guard breach on the control group, the stats socket vanishing mid-run (close() retries
// until it is back), the socket gone for good (journal kept, exit 6) and `loadtest restore` after.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCapacity } from '../../src/controller/find-capacity.js';
import { loadScenario } from '../../src/scenario/load-scenario.js';
import { createTraffic } from '../../src/traffic/create-traffic.js';
import type { ShiftTraffic } from '../../src/traffic/shifters/shift-traffic.js';
import { startBackends, startHaproxy, startLiveTraffic, type FlakyBackend, type HaproxyHandle, type LiveTraffic } from '../helpers/haproxy.js';

const run = promisify(execFile);
const ORIGINAL = { web1: 100, web2: 100, web3: 100 };

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['bin/loadtest.js', ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('weights restored on every exit path (real HAProxy)', () => {
  let hx: HaproxyHandle;
  let backends: FlakyBackend[];
  let live: LiveTraffic | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-restore-'));
  let n = 0;

  const scenarioFile = (extra = '', load = '{ start: 1x, step: 0.5x, max: 3x, step_duration: 2s, warmup: 500ms, window: 500ms, persist: 1, min_samples: 10 }') => {
    const f = join(dir, `s${++n}.yaml`);
    const journal = join(dir, `journal${n}.json`);
    writeFileSync(
      f,
      `name: restore test ${n}
traffic:
  shift:
    haproxy: { socket: ${hx.socket}, backend: web, servers: [web1] }
    limits: { max_share: 90% }
    journal: ${journal}
load: ${load}
slo:
  - error_rate < 50%
${extra}`,
    );
    return { f, journal };
  };

  beforeAll(async () => {
    backends = await startBackends(['web1', 'web2', 'web3'], { workers: 20, serviceTimeMs: 10 });
    hx = await startHaproxy({ servers: backends.map((b) => ({ name: b.name, port: b.port })) });
    live = startLiveTraffic(hx.frontendUrl, 150, 110_000);
  });
  afterAll(async () => {
    await live?.stop();
    await hx?.stop();
    await Promise.all((backends ?? []).map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('guard breach on the control group: the run stops at once and the weights are put back', async () => {
    const { f, journal } = scenarioFile('guard:\n  - control.error_rate < 5%\n');
    const scenario = await loadScenario(f);
    const traffic = createTraffic(scenario, { shift: { rampIntervalMs: 50, haproxyIntervalMs: 250 } });
    let weightsDuringBreach: Record<string, number> | undefined;
    const result = await findCapacity(scenario, traffic, {
      onEvent: (e) => {
        // Make a control server sick once web1 carries more than its fair share.
        if (e.type === 'step-start' && e.index === 1) backends[2]!.failing = true;
        // The highest web1 weight read during that step (the first progress can come before the
        // ramp has moved it on a busy machine).
        if (e.type === 'step-progress' && e.index === 1) {
          void hx.weights().then((w) => {
            if (!weightsDuringBreach || (w.web1 ?? 0) > (weightsDuringBreach.web1 ?? 0)) weightsDuringBreach = w;
          });
        }
      },
    });
    backends[2]!.failing = false;
    expect(result.stopReason).toBe('guard');
    expect(result.steps.at(-1)!.breaches.map((b) => b.slo)).toContain('control.error_rate < 5%');
    expect(weightsDuringBreach!.web1).toBeGreaterThan(100);
    expect(result.steps.length).toBe(2); // stopped in the step where the control group broke
    expect(await hx.weights()).toEqual(ORIGINAL);
    expect(existsSync(journal)).toBe(false);
  });

  it('the stats socket vanishes mid-run: the run fails, close() retries until the socket is back, then restores', async () => {
    const { f, journal } = scenarioFile();
    const scenario = await loadScenario(f);
    const traffic = createTraffic(scenario, { shift: { rampIntervalMs: 50, haproxyIntervalMs: 250, restoreDeadlineMs: 15_000 } }) as ShiftTraffic;
    const away = `${hx.socket}.away`;
    let shifted: Record<string, number> | undefined;
    const result = await findCapacity(scenario, traffic, {
      onEvent: (e) => {
        if (e.type === 'step-progress' && e.index === 1 && !shifted) {
          shifted = { web1: -1 };
          void hx.weights().then((w) => {
            shifted = w;
            renameSync(hx.socket, away); // the path is gone: connects fail with ENOENT
            setTimeout(() => renameSync(away, hx.socket), 2500);
          });
        }
      },
    });
    expect(shifted!.web1).toBeGreaterThan(100);
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/ENOENT/);
    expect(traffic.restored).toBe(true);
    expect(result.warnings.join('\n')).toMatch(/original weights restored/);
    expect(await hx.weights()).toEqual(ORIGINAL);
    expect(existsSync(journal)).toBe(false);
  });

  it('the socket gone for good: weights NOT restored, journal kept; `loadtest restore <scenario>` puts them back later', async () => {
    const { f, journal } = scenarioFile();
    const scenario = await loadScenario(f);
    const traffic = createTraffic(scenario, { shift: { rampIntervalMs: 50, haproxyIntervalMs: 250, restoreDeadlineMs: 1500 } }) as ShiftTraffic;
    const away = `${hx.socket}.away`;
    let moved = false;
    try {
      const result = await findCapacity(scenario, traffic, {
        onEvent: (e) => {
          if (e.type === 'step-progress' && e.index === 1 && !moved) {
            moved = true;
            renameSync(hx.socket, away);
          }
        },
      });
      expect(result.status).toBe('failed');
      expect(traffic.restored).toBe(false);
      expect(result.warnings.join('\n')).toMatch(/could NOT restore web1.*ENOENT/);
      expect(result.warnings.join('\n')).toContain(`loadtest restore --journal ${journal}`);
      expect(existsSync(journal)).toBe(true);

      // While the socket is away, restore fails too: exit 6, journal kept.
      const failed = await cli(['restore', '--journal', journal, '--deadline', '1']);
      expect(failed.code).toBe(6);
      expect(failed.stdout).toMatch(/could NOT restore/);
      expect(existsSync(journal)).toBe(true);
    } finally {
      if (moved) renameSync(away, hx.socket);
    }
    expect((await hx.weights()).web1).toBeGreaterThan(100); // still shifted
    const ok = await cli(['restore', f]); // the scenario names its journal
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/restored web1 weight 100/);
    expect(ok.stdout).toContain(`deleted ${journal}`);
    expect(await hx.weights()).toEqual(ORIGINAL);
    expect(existsSync(journal)).toBe(false);
  });

  it('`loadtest restore` with nothing to restore says so and exits 0', async () => {
    const r = await cli(['restore', '--journal', join(dir, 'none.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no weight journal at .*none\.json: nothing to restore/);
  });
});
