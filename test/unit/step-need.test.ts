// Step stretching counts what an SLO rule reads: `p99{read}` needs 381 `read` requests in a judged
// window, and when only the buyers' share of sessions runs `read` once, that is 381 / 0.3 = 1270
// sessions — not 381. requestsPerArrival (a table), neediestRule's arrivals, and what `plan` says and
// stretches for a sessions scenario.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { neediestRule } from '../../src/analysis/step-verdict.js';
import { renderPlan } from '../../src/cli/commands/plan.js';
import { stepNeed } from '../../src/controller/step-need.js';
import { MAX_STRETCH, stepDurationFor, stepLengthNotes } from '../../src/controller/step-plan.js';
import { loadScenario } from '../../src/scenario/load-scenario.js';
import type { RequestSpec, SessionSpec } from '../../src/scenario/scenario.js';
import { parseSlo } from '../../src/slo/parse.js';
import { requestsPerArrival } from '../../src/workload/requests-per-arrival.js';

const req = (name: string, weight = 1) => ({ name, weight }) as RequestSpec;
const session = (weight: number, ...steps: number[]) => ({ name: 's', weight, steps: steps.map((request) => ({ request, captures: [] })) }) as SessionSpec;
// Sessions' requests are their steps, in order: buyer = create (0), read (1); browser = list (2).
const shop = [req('create'), req('read'), req('list')];

describe('requestsPerArrival', () => {
  it.each([
    ['a mix, the whole step', [req('a'), req('b')], undefined, undefined, 1],
    ['a mix, one name of two by weight', [req('a', 1), req('b', 3)], undefined, 'a', 0.25],
    ['a replayed mix: every request shares the name', [req('replay', 5), req('replay', 2)], undefined, 'replay', 1],
    ['a mix, an unknown name', [req('a')], undefined, 'zzz', 0],
    ['sessions, the whole step: steps per session by weight', shop, [session(3, 0, 1), session(7, 2)], undefined, 1.3],
    ['sessions, a step only buyers (weight 3 of 10) run', shop, [session(3, 0, 1), session(7, 2)], 'read', 0.3],
    ['sessions, a step only browsers run', shop, [session(3, 0, 1), session(7, 2)], 'list', 0.7],
    ['sessions, a step run twice in one session', [req('create'), req('read')], [session(1, 0, 1, 1)], 'read', 2],
    ['sessions, one session of three steps', [req('a'), req('b'), req('c')], [session(1, 0, 1, 2)], undefined, 3],
  ] as const)('%s → %s', (_, requests, sessions, name, n) => {
    expect(requestsPerArrival({ requests: [...requests], ...(sessions ? { sessions: [...sessions] } : {}) }, name)).toBeCloseTo(n, 10);
  });
});

describe('neediestRule with requests per arrival', () => {
  const rules = (...t: string[]) => t.map(parseSlo);
  const sessions = { requests: shop, sessions: [session(3, 0, 1), session(7, 2)] };
  const per = (name: string | undefined) => requestsPerArrival(sessions, name);
  it.each([
    // rules, per arrival?, the neediest rule, its samples, arrivals
    [['p99{read} < 100ms'], false, 'p99{read} < 100ms', 381, 381],
    [['p99{read} < 100ms'], true, 'p99{read} < 100ms', 381, 1270],
    [['p99{list} < 100ms'], true, 'p99{list} < 100ms', 381, 545],
    // 381 requests of the whole step: 1.3 a session.
    [['p99 < 100ms'], true, 'p99 < 100ms', 381, 294],
    // error_rate < 2% needs fewer requests than p99 (189 < 381), but of a rarer step: it decides.
    [['p99 < 100ms', 'error_rate{read} < 2%'], false, 'p99 < 100ms', 381, 381],
    [['p99 < 100ms', 'error_rate{read} < 2%'], true, 'error_rate{read} < 2%', 189, 630],
    [['p999 < 1s', 'p99{read} < 100ms'], true, 'p999 < 1s', 3838, 2953],
    [['p99 < 100ms', 'p99{read} < 100ms', 'error_rate < 1%'], true, 'p99{read} < 100ms', 381, 1270],
  ] as const)('%j (per arrival: %s) → %s, %d requests, %d arrivals', (texts, usePer, text, samples, arrivals) => {
    const need = neediestRule(rules(...texts), usePer ? per : undefined)!;
    expect(need.rule.text).toBe(text);
    expect(need.samples).toBe(samples);
    expect(need.arrivals).toBe(arrivals);
  });

  it('a rule on a name no arrival sends asks nothing of the step length', () => {
    expect(neediestRule(rules('p99{zzz} < 100ms'), per)).toBeUndefined();
  });
});

describe('stepLengthNotes says what the arrivals stand for', () => {
  const base = { unit: 'rps' as const, start: 20, step: 20, max: 40, stepDurationMs: 2000, warmupMs: 0 };
  it('sessions: the rule\'s requests, their share per session, the sessions needed', () => {
    const need = { samples: 381, perArrival: 0.3, request: 'read' };
    expect(stepLengthNotes({ ...base, samplesToProve: 1270 }, 'p99{read} < 100ms', 'sessions/s', need)).toEqual({
      stretched: "step length: p99{read} < 100ms needs ≥ 381 'read' requests (0.3 per session, by session weight: ≥ 1270 sessions) in a judged window to be shown met; 2 ramp steps below 635 sessions/s are stretched (up to 4× load.step_duration) to hold them",
      tooShort: 'step length: even stretched, steps at 20, 40 sessions/s cannot show it: judged inconclusive, the ramp goes on past them; a load.step_duration of ≥ 15.9s (or load.start ≥ 159 sessions/s) would',
    });
  });

  it('a request mix: the share of the requests sent', () => {
    const need = { samples: 381, perArrival: 0.25, request: 'a' };
    expect(stepLengthNotes({ ...base, start: 400, step: 400, max: 800, samplesToProve: 1524 }, 'p99{a} < 100ms', 'rps', need).stretched).toBe(
      "step length: p99{a} < 100ms needs ≥ 381 'a' requests (0.25 of the requests sent, by weight: ≥ 1524 requests) in a judged window to be shown met; 1 ramp step below 762 rps is stretched (up to 4× load.step_duration) to hold them",
    );
  });

  it('one request per arrival: as before', () => {
    expect(stepLengthNotes({ ...base, samplesToProve: 381 }, 'p99 < 100ms', 'rps', { samples: 381, perArrival: 1 }).stretched).toMatch(/^step length: p99 < 100ms needs ≥ 381 requests in a judged window/);
  });
});

describe('plan for a sessions scenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-step-need-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const yaml = (slo: string) => `name: shop
target: http://127.0.0.1:3000
traffic:
  sessions:
    - name: buyer
      weight: 3
      steps:
        - { name: create, method: POST, path: /items, body: '{}' }
        - { name: read, path: /items/1 }
    - name: browser
      weight: 7
      steps:
        - { name: list, path: /items }
load: { start: 100, step: 100, max: 300, step_duration: 5s, warmup: 1s }
slo: [${slo}]
`;
  it('stretches for the read step\'s share of sessions, not one request a session', async () => {
    writeFileSync(join(dir, 'read.yaml'), yaml('"p99{read} < 100ms"'));
    const s = await loadScenario(join(dir, 'read.yaml'), { env: {} });
    const need = stepNeed(s)!;
    expect(need.arrivals).toBe(1270);
    // 1270 sessions (+3√1270 for Poisson) at 100/s: 13.8 s judged + 1 s warm-up → 14.8 s; at 300/s: 5.5 s.
    expect(stepDurationFor({ ...s.load, samplesToProve: need.arrivals }, 100)).toBe(14_800);
    expect(stepDurationFor({ ...s.load, samplesToProve: need.arrivals }, 300)).toBe(5_600);
    const lines = renderPlan(s);
    expect(lines.find((l) => l.startsWith('  step  1'))).toContain('(15s step)');
    expect(lines.find((l) => l.includes('needs ≥'))).toBe(
      "step length: p99{read} < 100ms needs ≥ 381 'read' requests (0.3 per session, by session weight: ≥ 1270 sessions) in a judged window to be shown met; 3 ramp steps below 318 sessions/s are stretched (up to 4× load.step_duration) to hold them",
    );
  });

  it('a whole-step rule counts every step of a session', async () => {
    writeFileSync(join(dir, 'all.yaml'), yaml('"p99 < 100ms"'));
    const s = await loadScenario(join(dir, 'all.yaml'), { env: {} });
    // 381 requests at 1.3 a session.
    expect(stepNeed(s)!.arrivals).toBe(294);
    expect(stepDurationFor({ ...s.load, samplesToProve: 294 }, 100)).toBeLessThanOrEqual(s.load.stepDurationMs * MAX_STRETCH);
  });
});
