// The CI gate end to end, through the real CLI against the real demo service (capacity W/S by
// construction): a baseline run; the same service again with --baseline passes, or — when its
// brackets cannot tell — is inconclusive (exit 7), never a regression; the service slowed to half its
// workers fails the gate with the regression exit code (4), and --expect-min above what it serves
// fails with below-min (3). Default Poisson arrivals. JUnit, Markdown, HTML and history are written
// by the same runs and checked for the gate's verdict.
// The plan asks only what these questions need, so the file runs in little more than a minute: a
// ramp of 100, 145, 210 and 300 rps (×1.45), then bisection with refine 25%; 2.5 s steps with their
// default warm-up (0.5 s), those at lower rates stretched to hold the requests p99 needs. 100 rps is
// half the 4 workers' ceiling (p99 ≈ 34 ms: all but sure to pass) and all of the 2 workers' (their
// queue grows: a fail); 145 passes often enough to stand in when 100 stays too close to call; 300 is
// 150% of the 4 workers' ceiling, a fail even when the machine is busy (at 110% a step was once left
// too close to call). The README asks a baseline's refine to be a quarter of the allowed drop (2.5%
// for 10%) so that the gate can tell −15% from unchanged; here the slowed service drops by half: it
// fails at 100, a regression as soon as the baseline passed above 100 / 0.9 ≈ 111 (when 145 stayed
// too close to call, refine 25% still probes 123). A run with --baseline refines until its bracket
// decides the gate or the plan's step bound is reached — 11 steps here (4 ramp, 1 bisection, 6 for
// re-runs and the gate's probes) — and the same service's run, whose levels near the capacity
// Poisson bursts leave too close to call, usually spends them all.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { DemoProcess } from '../../src/demo/spawn-demo.js';
import type { RunResult } from '../../src/result.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'loadtest-gate-'));
const demos: DemoProcess[] = [];
afterAll(async () => {
  await Promise.all(demos.map((d) => d.stop()));
  rmSync(dir, { recursive: true, force: true });
});

// 4 workers × 20 ms: 200 rps at most, ≈ 172 rps for p99 < 100ms under Poisson arrivals.
const SCENARIO = join(dir, 'gate.yaml');
writeFileSync(
  SCENARIO,
  `name: gate-demo
target: \${DEMO_TARGET}
traffic:
  request: { path: / }
  timeout: 2s
load:
  start: 100
  factor: 1.45
  max: 300
  step_duration: 2500ms
  warmup: 500ms
  refine: 25%
slo:
  - p99 < 100ms
  - throughput > 98%
  - error_rate < 1%
`,
);

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  result: RunResult;
}

function runOnce(target: string, json: string, extra: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/loadtest.js'), 'run', SCENARIO, '--json', json, '--no-progress', ...extra], {
      cwd: ROOT,
      env: { ...process.env, DEMO_TARGET: target, NO_COLOR: '1', GITHUB_STEP_SUMMARY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    // A bound, not a speed check: a run whose start is too close to call probes below it, in steps
    // stretched at those lower rates (one such slowed-service run took 90 s on a busy CI machine).
    const deadline = setTimeout(() => child.kill('SIGKILL'), 200_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(deadline);
      try {
        resolve({ code, stdout, stderr, result: JSON.parse(readFileSync(json, 'utf8')) as RunResult });
      } catch (err) {
        reject(new Error(`no report (exit ${code}): ${stderr}\n${stdout}`, { cause: err }));
      }
    });
  });
}

/**
 * Runs the scenario against a fresh demo service of `workers` workers. A run the generator could not
 * drive (exit 5: this machine was busy) says nothing about the gate, so it is repeated, twice at most.
 */
async function run(workers: number, name: string, extra: string[] = []): Promise<Outcome> {
  // From dist/ (built by the integration setup): the service script is resolved next to spawn-demo.js.
  const { spawnDemo } = (await import('../../dist/demo/spawn-demo.js' as string)) as typeof import('../../src/demo/spawn-demo.js');
  const demo = await spawnDemo({ workers, serviceTimeMs: 20 });
  demos.push(demo);
  try {
    let out: Outcome | undefined;
    for (let attempt = 1; attempt <= 3; attempt++) {
      out = await runOnce(demo.url, join(dir, `${name}.json`), extra);
      if (out.code !== 5) break;
    }
    return out!;
  } finally {
    await demo.stop();
  }
}

const check = (r: RunResult, name: string) => r.gate?.checks.find((c) => c.name === name);

describe('CI gate against the demo service', { timeout: 240_000 }, () => {
  let baseline: Outcome;

  it('a baseline run finds the demo capacity', async () => {
    baseline = await run(4, 'baseline');
    expect(baseline.code, baseline.stderr + baseline.stdout).toBe(0);
    const cap = baseline.result.capacity;
    expect(cap.verdict).toBe('found');
    // True capacity ≈ 172 rps for its SLOs (at most 200). These steps are short (judged windows of
    // 2–4 s, the ≈ 440 requests p99 needs): near saturation the queue's slow requests come in runs, a
    // window holds only a few independent ones, and levels there stay undecided — so the answer may
    // sit well below the truth (at 100, the first step, when nothing above it could be shown to pass)
    // or, after a lucky window, a little above it.
    expect(cap.maxServableLoad).toBeGreaterThanOrEqual(100);
    expect(cap.maxServableLoad).toBeLessThanOrEqual(200);
    expect(baseline.result.gate).toBeUndefined();
  });

  it('the same service again passes the gate, or cannot tell (exit 7): never a regression', async () => {
    const junit = join(dir, 'same.xml');
    const md = join(dir, 'same.md');
    const same = await run(4, 'same', ['--baseline', join(dir, 'baseline.json'), '--junit', junit, '--markdown', md, '--history', join(dir, 'history')]);
    const gate = same.result.gate!;
    const capacity = check(same.result, 'baseline capacity')!;
    expect(['pass', 'inconclusive'], JSON.stringify(gate, null, 2)).toContain(capacity.outcome);
    expect(readdirSync(join(dir, 'history'))).toHaveLength(1);
    if (capacity.outcome === 'inconclusive') {
      expect(same.code, JSON.stringify(gate, null, 2) + same.stderr).toBe(7);
      expect(capacity.message).toMatch(/^cannot tell: capacity .* vs baseline .*: the brackets allow a change of .*straddles the allowed 10% drop/);
      return;
    }
    expect(same.code, JSON.stringify(gate, null, 2) + same.stderr).toBe(0);
    expect(gate.passed).toBe(true);
    expect(capacity.message).toMatch(/^capacity [\d.]+ rps \(failed at [\d.]+\) vs baseline [\d.]+ rps \(failed at [\d.]+\): the brackets allow a change of .*: within the allowed 10% drop in every case/);
    // capacity + baseline capacity + latency p50/p99; a passing run has no failure anywhere.
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuite name="gate-demo gate" id="1" tests="4" failures="0" errors="0"/);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuites name="loadtest: gate-demo" tests="\d+" failures="0" errors="0"/);
    expect(readFileSync(md, 'utf8')).toContain('### Gate: passed');
  });

  it('a slowed service (half the workers) fails with the regression exit code', async () => {
    const junit = join(dir, 'slow.xml');
    const html = join(dir, 'slow.html');
    const slow = await run(2, 'slow', ['--baseline', join(dir, 'baseline.json'), '--junit', junit, '--html', html, '--history', join(dir, 'history')]);
    // Never a pass. It fails its first step, 100 rps (its bracket: below 100) — or, when 100 is too
    // close to call and 145 fails, the search probes below 100 and then the gate's load — a regression when the
    // baseline passed above 100 / 0.9 ≈ 111 rps. When the baseline's answer sat lower (see above), the
    // brackets cannot resolve a drop beyond 10%: inconclusive, exit 7, saying so.
    if (slow.code === 7) {
      expect(check(slow.result, 'baseline capacity')!.message).toMatch(/^cannot tell: /);
      return;
    }
    expect(slow.code, JSON.stringify(slow.result.gate, null, 2) + slow.stderr).toBe(4);
    expect(slow.result.gate!.passed).toBe(false);
    const capacity = check(slow.result, 'baseline capacity')!;
    expect(capacity.outcome).toBe('fail');
    expect(capacity.message).toMatch(/^capacity regressed: capacity (< )?[\d.]+ rps \((failed at [\d.]+|nothing passed)\) vs baseline [\d.]+ rps \(failed at [\d.]+\): the brackets allow a change of .*: a drop of more than the allowed 10% in every case/);
    // The terminal says why, in words.
    expect(slow.stdout).toContain('capacity regressed');
    expect(readFileSync(junit, 'utf8')).toMatch(/<testcase classname="gate-demo.gate" name="baseline capacity" time="0.000">\s*<failure message="capacity regressed:/);
    expect(readFileSync(html, 'utf8')).toContain('Gate: <span class="fail">FAILED</span>');

    // Both runs are in the history; the slowed one is flagged.
    const history = await new Promise<string>((resolve) => {
      const c = spawn(process.execPath, [join(ROOT, 'bin/loadtest.js'), 'history', join(dir, 'history')], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      c.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
      c.on('close', () => resolve(out));
    });
    expect(history).toMatch(/FAIL .*gate failed/);
    expect(history.split('\n').filter((l) => /^\d+ /.test(l))).toHaveLength(2);
  });

  it('--expect-min above what the slowed service serves exits below-min', async () => {
    const r = await run(2, 'below', ['--expect-min', '180']);
    expect(r.code, JSON.stringify(r.result.gate, null, 2) + r.stderr).toBe(3);
    expect(check(r.result, 'expect-min')).toMatchObject({ outcome: 'fail', message: expect.stringMatching(/is below the required 180 rps/) });
  });
});
