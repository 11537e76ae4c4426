// End to end on live traffic: steady traffic through a real HAProxy to three demo backends of known
// capacity (150 req/s each); the tool shifts a growing share onto web1 and must find web1's
// capacity within ±15%, with the weights put back afterwards and the journal gone.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCapacity } from '../../src/controller/find-capacity.js';
import type { RunEvent } from '../../src/controller/events.js';
import { loadScenario } from '../../src/scenario/load-scenario.js';
import { createTraffic } from '../../src/traffic/create-traffic.js';
import { spawnBackends, startHaproxy, startLiveTraffic, type HaproxyHandle, type LiveTraffic, type SpawnedBackend } from '../helpers/haproxy.js';

// 11 workers × 80 ms → 137.5 req/s per backend. Chosen between the 1.25x (125) and 1.5x (150)
// levels, so whichever way the bisection near the boundary goes, the answer is within ±15%.
const WORKERS = 11;
const SERVICE_MS = 80;
const CAPACITY = (WORKERS * 1000) / SERVICE_MS;
const LIVE_RPS = 300; // fair share of one of three backends: 100 req/s

describe('shift: find web1 capacity on live traffic through HAProxy', () => {
  let hx: HaproxyHandle;
  let backends: SpawnedBackend[];
  let live: LiveTraffic | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-shift-'));

  beforeAll(async () => {
    // A short queue (one request per worker) turns overload into 503s within a second.
    backends = await spawnBackends(['web1', 'web2', 'web3'], { workers: WORKERS, serviceTimeMs: SERVICE_MS, queueLimit: WORKERS });
    hx = await startHaproxy({ servers: backends.map((b) => ({ name: b.name, port: b.port })) });
  });
  afterAll(async () => {
    await live?.stop();
    await hx?.stop();
    await Promise.all((backends ?? []).map((b) => b.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it(`finds ~${CAPACITY} req/s within ±15%, judging windows, and restores the weights`, async () => {
    const file = join(dir, 'live.yaml');
    const journal = join(dir, 'journal.json');
    writeFileSync(
      file,
      `name: web1 live capacity
traffic:
  shift:
    haproxy: { socket: ${hx.socket}, backend: web, servers: [web1] }
    limits: { max_share: 80%, max_weight_step: 128 }
    journal: ${journal}
metrics: haproxy
load: { start: 1x, step: 0.25x, max: 2.5x, step_duration: 3s, warmup: 1s, window: 1s, persist: 2, min_samples: 50, refine: 5% }
slo:
  - error_rate < 1%
guard:
  - control.error_rate < 5%
`,
    );
    const scenario = await loadScenario(file);
    const traffic = createTraffic(scenario, { shift: { rampIntervalMs: 100, haproxyIntervalMs: 250 } });
    live = startLiveTraffic(hx.frontendUrl, LIVE_RPS, 90_000);
    await new Promise((r) => setTimeout(r, 500));
    const events: RunEvent[] = [];
    let journalSeenDuringRun = false;
    const result = await findCapacity(scenario, traffic, {
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step-start') journalSeenDuringRun ||= existsSync(journal);
      },
    });
    await live.stop();

    const lines = result.steps.map((s) => `${s.level.toFixed(3)}x load ${s.load.toFixed(0)} ${s.verdict} share ${s.live!.measuredShare.toFixed(3)} err ${s.metrics.error_rate!.toFixed(4)} windows ${s.windows!.map((w) => `${w.error_rate!.toFixed(3)}/${w.queue!.toFixed(1)}/${w.samples}`).join(' ')} ${s.breaches.map((b) => b.slo).join(',')} ${s.inconclusiveReasons.join(',')}`);
    const msg = `${result.capacity.summary}\n${lines.join('\n')}\nlive sent ${live.sent} completed ${live.completed} errors ${live.errors}\n${JSON.stringify(result.steps[0]?.live)}\n${(await hx.runtime.command('show stat')).split('\n').map((l) => l.split(',').slice(0, 20).join(',')).join('\n')}`;
    if (process.env.SHIFT_VERBOSE) console.log(msg);
    expect(result.status, msg).toBe('completed');
    expect(result.capacity.verdict, msg).toBe('found');
    const cap = result.capacity.maxServableLoad!;
    expect(cap, msg).toBeGreaterThan(CAPACITY * 0.85);
    expect(cap, msg).toBeLessThan(CAPACITY * 1.15);

    // Every step carried live stats, windows and the control group beside the target.
    for (const s of result.steps) {
      expect(s.live!.source).toBe('haproxy');
      expect(s.windows!.length, msg + ' windows ' + JSON.stringify(s.windows) + ' dur ' + s.durationMs).toBeGreaterThanOrEqual(2);
      expect(s.metrics['control.rps']).toBeGreaterThan(0);
      expect(s.load).toBe(s.live!.target.rps);
    }
    // The first step is the fair share: ~100 req/s on web1 with the original weights.
    expect(result.steps[0]!.live!.weights).toEqual({ web1: 100, web2: 100, web3: 100 });
    expect(result.steps[0]!.load).toBeGreaterThan(80);
    expect(result.steps[0]!.load).toBeLessThan(120);

    expect(journalSeenDuringRun).toBe(true);
    expect(existsSync(journal)).toBe(false);
    expect(await hx.weights()).toEqual({ web1: 100, web2: 100, web3: 100 });
    expect(result.warnings.join('\n')).toMatch(/original weights restored/);
  });
});
