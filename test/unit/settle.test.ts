// The wait for a backlog to drain between a step that did not pass and the next (analysis/drained.ts,
// controller/settle.ts, and its place in the findCapacity loop). The real thing against HAProxy's
// queue is test/integration/settle-haproxy.test.ts.
import { describe, expect, it } from 'vitest';
import { describeSettle, drainedLimitMs, hasDrained } from '../../src/analysis/drained.js';
import { settle, settleCapMs } from '../../src/controller/settle.js';
import { findCapacity } from '../../src/controller/find-capacity.js';
import type { RunEvent } from '../../src/controller/events.js';
import type { ProbeReading } from '../../src/metrics/step-stats.js';
import type { Scenario } from '../../src/scenario/scenario.js';
import { parseSlo } from '../../src/slo/parse.js';
import type { StepRequest, Traffic } from '../../src/traffic/traffic.js';
import { scriptedScenario, scriptedStats } from '../helpers/scripted.js';

const ok = (latencyMs: number, status = 200): ProbeReading => ({ latencyMs, status, failed: status >= 500 });
const err = (latencyMs: number, error = 'timeout'): ProbeReading => ({ latencyMs, error, failed: true });

describe('drainedLimitMs: the latency a probe must come back within', () => {
  it.each([
    // rest, quiet, limit
    [20, 0, 40], // twice the rest
    [0.5, 0, 2.5], // 2 ms over a fast rest
    [0.5, 20, 20], // a tenth of the SLO's smallest latency limit
    [300, 20, 600],
  ])('rest %s ms, quiet %s ms → %s ms', (rest, quiet, limit) => {
    expect(drainedLimitMs(rest, quiet)).toBe(limit);
  });
});

describe('hasDrained', () => {
  const rule = { restMs: 20, quietMs: 20, needOk: true };
  it.each<[string, ProbeReading[], boolean]>([
    ['no probe yet', [], false],
    ['one fast probe is not enough', [ok(21)], false],
    ['two fast probes in a row', [ok(21), ok(22)], true],
    ['the backlog, then two fast ones', [ok(731), ok(21), ok(22)], true],
    ['the backlog, then one fast one', [ok(731), ok(21)], false],
    ['still slow', [ok(21), ok(45)], false],
    ['exactly at the limit', [ok(40), ok(40)], true],
    ['a timeout is not an answer', [ok(21), err(2000)], false],
    ['a refused connection is not an answer, however fast', [err(0.2, 'refused'), err(0.2, 'refused')], false],
    ['a 503 (a rate limiter still refusing) has not recovered', [ok(1, 503), ok(1, 503)], false],
    ['a 503 after a 200', [ok(1, 200), ok(1, 503)], false],
  ])('%s', (_name, readings, drained) => {
    expect(hasDrained(readings, rule)).toBe(drained);
  });
  it('a target that answered the first probe with an error status is held to latency only', () => {
    expect(hasDrained([ok(1, 503), ok(1, 503)], { ...rule, needOk: false })).toBe(true);
    expect(hasDrained([err(1), err(1)], { ...rule, needOk: false })).toBe(false);
  });
});

/** A fake clock: time moves only when a probe takes its latency or the loop sleeps. */
function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms), advance: (ms: number) => (t += ms) };
}

describe('settle: probing until the service has drained', () => {
  it('stops at the second probe in a row that came back as at rest, and says what it saw', async () => {
    const c = clock();
    const script = [ok(2400), ok(22), ok(21), ok(21)];
    let sent = 0;
    const probe = async (): Promise<ProbeReading> => {
      const r = script[sent++]!;
      c.advance(r.latencyMs);
      return r;
    };
    const { record, readings } = await settle(probe, { restMs: 21, quietMs: 20, needOk: true, capMs: 5000, now: c.now, sleep: c.sleep });
    expect(sent).toBe(3);
    expect(readings).toHaveLength(3);
    expect(record).toMatchObject({ probes: 3, firstMs: 2400, lastMs: 21, restMs: 21, limitMs: 42, drained: true });
    // 2400 + 22 (then 78 ms to the next probe's slot) + 21
    expect(record.waitedMs).toBe(2400 + 100 + 21);
    expect(describeSettle(record)).toBe("waited 2.5s for the service to drain the last step's backlog: probe latency 2.4s → 21ms (at rest 21ms)");
  });

  it('an idle service costs two probes, a tenth of a second apart', async () => {
    const c = clock();
    let sent = 0;
    const probe = async (): Promise<ProbeReading> => {
      sent++;
      c.advance(1);
      return ok(1);
    };
    const { record } = await settle(probe, { restMs: 1, quietMs: 20, needOk: true, capMs: 5000, now: c.now, sleep: c.sleep });
    expect(sent).toBe(2);
    expect(record.waitedMs).toBe(101);
  });

  it('gives up at its cap, and says the next step may open on the backlog', async () => {
    const c = clock();
    let sent = 0;
    const probe = async (): Promise<ProbeReading> => {
      sent++;
      c.advance(2000);
      return err(2000);
    };
    const { record } = await settle(probe, { restMs: 21, quietMs: 20, needOk: true, capMs: 5000, now: c.now, sleep: c.sleep });
    expect(record.drained).toBe(false);
    expect(sent).toBe(3); // 0–2 s, 2–4 s, 4–6 s: the cap is checked between probes
    expect(describeSettle(record)).toBe(
      "the service had not drained the last step's backlog after 6.0s (3 probes, 2 in a row within 42ms wanted): probe latency 2.0s → 2.0s (at rest 21ms), the last one timeout; this step may open on it",
    );
  });

  it('stops when the run is interrupted', async () => {
    const c = clock();
    const ac = new AbortController();
    let sent = 0;
    const probe = async (): Promise<ProbeReading> => {
      if (++sent === 2) ac.abort();
      c.advance(500);
      return ok(500);
    };
    const { record } = await settle(probe, { restMs: 21, quietMs: 20, needOk: true, capMs: 60_000, now: c.now, sleep: c.sleep, signal: ac.signal });
    expect(sent).toBe(2);
    expect(record.drained).toBe(false);
  });

  it.each([
    [1000, 1000],
    [5000, 5000],
    [30_000, 30_000],
    [300_000, 60_000],
  ])('after a %s ms step the wait is at most %s ms', (step, cap) => {
    expect(settleCapMs(step)).toBe(cap);
  });
});

// ---- in the loop -------------------------------------------------------------------------------

const CAPACITY = 400;

const scenario = (): Scenario => scriptedScenario({ name: 'backlog', slo: [parseSlo('p99 < 200ms'), parseSlo('error_rate < 1%')] });
const stats = scriptedStats;

/**
 * A service with a FIFO queue that keeps what a failed step left: after a failing step the first
 * probe waits behind the backlog; a step run before the backlog drained fails as well.
 */
function queued(opts: { drainProbes: number } = { drainProbes: 1 }): Traffic & { log: string[] } {
  let backlogProbes = 0;
  const log: string[] = [];
  return {
    kind: 'generate',
    log,
    atRest: ok(21),
    prepare: async () => {},
    describe: (level) => `${level} rps`,
    async probe() {
      log.push('probe');
      if (backlogProbes > 0) {
        backlogProbes--;
        return ok(900);
      }
      return ok(21);
    },
    async runStep(req: StepRequest) {
      log.push(`step ${req.level}`);
      const spoilt = backlogProbes > 0;
      const fails = req.level > CAPACITY || spoilt;
      if (fails) backlogProbes = opts.drainProbes;
      await new Promise((r) => setImmediate(r));
      return stats(req.level, { p99: fails ? 900 : 30, error_rate: 0 });
    },
    async close() {
      return [];
    },
  };
}

describe('findCapacity waits for a failed step’s backlog to drain before the next step', () => {
  it('probes after each failing step, not after a passing one; the wait is in the next step’s record', async () => {
    const traffic = queued();
    const events: RunEvent[] = [];
    const result = await findCapacity(scenario(), traffic, { onEvent: (e) => events.push(e) });
    // Without the wait, every step after a failure would open on the backlog and fail.
    expect(result.capacity.maxServableLoad).toBe(400);
    const firstFail = traffic.log.indexOf('step 500');
    expect(traffic.log.slice(0, firstFail + 5)).toEqual(['step 100', 'step 200', 'step 300', 'step 400', 'step 500', 'probe', 'probe', 'probe', 'step 450']);
    const after = result.steps.find((s) => s.level === 450)!;
    expect(after.settled).toMatchObject({ probes: 3, firstMs: 900, lastMs: 21, restMs: 21, drained: true });
    // Only a step after one that did not pass waits.
    for (const s of result.steps) expect(s.settled !== undefined).toBe(s.index > 0 && result.steps[s.index - 1]!.verdict !== 'pass');
    expect(result.steps[1]!.settled).toBeUndefined();
    expect(result.warnings).toEqual([]);
  });

  it('a backlog that outlasts the wait is a warning on the step that opens on it', async () => {
    const traffic = queued({ drainProbes: 1_000_000 });
    const c = clock();
    const result = await findCapacity(scenario(), traffic, { now: c.now, sleep: c.sleep });
    const after = result.steps.find((s) => s.level === 450)!;
    expect(after.settled?.drained).toBe(false);
    expect(result.warnings.some((w) => /^step 6 \(450 rps\): the service had not drained the last step's backlog after 1\.0s \(11 probes/.test(w))).toBe(true);
  });

  it('a traffic without probe() (shift mode, agents, the simulator) runs its steps back to back', async () => {
    const traffic = queued();
    delete (traffic as Partial<Traffic>).probe;
    const result = await findCapacity(scenario(), traffic, {});
    expect(traffic.log).not.toContain('probe');
    expect(result.steps.every((s) => s.settled === undefined)).toBe(true);
  });
});
