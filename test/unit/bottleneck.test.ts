// Who limited the capacity — the targets or a dependency — and each rule's headroom at the last
// pass (analysis/bottleneck.ts); a service's verdict and the step's verdict with its services
// (analysis/service-verdict.ts). Tables of steps, no servers.
import { describe, expect, it } from 'vitest';
import { findBottleneck, ruleHeadroom, type BottleneckStep } from '../../src/analysis/bottleneck.js';
import { combineJudgements, judgeService } from '../../src/analysis/service-verdict.js';
import type { StepJudgement } from '../../src/analysis/step-verdict.js';
import { parseSlo } from '../../src/slo/parse.js';
import type { Breach } from '../../src/slo/slo.js';

const rule = parseSlo;
const rules = {
  targets: [rule('p99 < 250ms')],
  services: [
    { name: 'db-a', slo: [rule('error_rate < 1%')] },
    { name: 'cache-a', slo: [rule('p99 < 20ms')] },
  ],
};
const br = (slo: string, metric: string, threshold: number, value: number, service?: string): Breach => ({
  slo: service ? `${service}: ${slo}` : slo,
  metric,
  threshold,
  value,
  ...(service ? { service } : {}),
});
/** A step: level, verdict, targets' p99, db-a's error rate, cache-a's p99, breaches. */
const step = (level: number, verdict: BottleneckStep['verdict'], p99: number, dbErr: number, cacheP99: number, breaches: Breach[] = []): BottleneckStep => ({
  level,
  verdict,
  partial: false,
  breaches,
  metrics: { p99 },
  services: [
    { name: 'db-a', metrics: { error_rate: dbErr } },
    { name: 'cache-a', metrics: { p99: cacheP99 } },
  ],
});

describe('ruleHeadroom', () => {
  it.each([
    ['p99 < 20ms', 15, 0.25],
    ['p99 < 20ms', 25, -0.25],
    ['error_rate < 1%', 0, 1],
    ['throughput > 90%', 0.99, 0.1],
    ['p99 < 20ms', null, null],
    ['error_rate < 0%', 0, null],
  ] as const)('%s at %s → %s', (text, value, expected) => {
    const h = ruleHeadroom(rule(text), value);
    if (expected === null) expect(h).toBeNull();
    else expect(h).toBeCloseTo(expected, 6);
  });
});

describe('findBottleneck', () => {
  it.each([
    {
      name: 'one service breaks first',
      steps: [step(1, 'pass', 100, 0.002, 8), step(2, 'fail', 150, 0.08, 12, [br('error_rate < 1%', 'error_rate', 0.01, 0.08, 'db-a')])],
      bottleneck: 'db-a',
      alsoBroke: [],
      limitedBy: ['db-a: error_rate < 1%'],
    },
    {
      name: 'the targets break first; a service breaks only at a higher load',
      steps: [
        step(1, 'pass', 100, 0, 8),
        step(2, 'fail', 300, 0, 12, [br('p99 < 250ms', 'p99', 250, 300)]),
        step(3, 'fail', 500, 0.2, 30, [br('p99 < 250ms', 'p99', 250, 500), br('p99 < 20ms', 'p99', 20, 30, 'cache-a')]),
      ],
      bottleneck: 'targets',
      alsoBroke: [],
      limitedBy: ['p99 < 250ms'],
    },
    {
      name: 'two break at the same step: the one nearer its limit at the last pass is named first',
      steps: [
        step(1, 'pass', 125, 0.009, 10),
        step(2, 'fail', 300, 0.05, 25, [br('p99 < 250ms', 'p99', 250, 300), br('error_rate < 1%', 'error_rate', 0.01, 0.05, 'db-a'), br('p99 < 20ms', 'p99', 20, 25, 'cache-a')]),
      ],
      // headroom at the pass: targets 50%, db-a 10%, cache-a 50%
      bottleneck: 'db-a',
      alsoBroke: ['targets', 'cache-a'],
      limitedBy: ['db-a: error_rate < 1%', 'p99 < 250ms', 'cache-a: p99 < 20ms'],
    },
    {
      name: 'several break at the first step: the order of the file decides',
      steps: [step(1, 'fail', 300, 0.05, 8, [br('error_rate < 1%', 'error_rate', 0.01, 0.05, 'db-a'), br('p99 < 250ms', 'p99', 250, 300)])],
      bottleneck: 'targets',
      alsoBroke: ['db-a'],
      limitedBy: ['p99 < 250ms', 'db-a: error_rate < 1%'],
    },
    {
      name: 'nothing failed',
      steps: [step(1, 'pass', 100, 0, 8), step(2, 'pass', 120, 0.001, 9)],
      bottleneck: undefined,
      alsoBroke: [],
      limitedBy: [],
    },
  ])('$name', ({ steps, bottleneck, alsoBroke, limitedBy }) => {
    const b = findBottleneck(steps, rules);
    expect(b.bottleneck).toBe(bottleneck);
    expect(b.alsoBroke).toEqual(alsoBroke);
    expect(b.limitedBy).toEqual(limitedBy);
  });

  it('reports every rule of every party at the highest passing step', () => {
    const b = findBottleneck([step(1, 'pass', 100, 0.002, 8), step(2, 'pass', 200, 0.005, 15), step(3, 'fail', 300, 0.05, 25)], rules);
    expect(b.headroom.map((h) => [h.party, h.rule, h.value, Number(h.headroom!.toFixed(3))])).toEqual([
      ['targets', 'p99 < 250ms', 200, 0.2],
      ['db-a', 'error_rate < 1%', 0.005, 0.5],
      ['cache-a', 'p99 < 20ms', 15, 0.25],
    ]);
  });
});

const load = { persist: 2, minSamples: 10 };
const svc = (metrics: Record<string, number>, windows?: Array<Record<string, number>>, errorCount = 0) => ({ name: 'db-a', source: 'haproxy' as const, metrics, errorCount, ...(windows ? { windows } : {}) });

describe('judgeService', () => {
  it.each([
    { name: 'missing metrics: inconclusive, naming the service', s: { ...svc({}), missing: 'cannot reach the HAProxy runtime API' }, verdict: 'inconclusive', why: /^db-a: metrics missing \(cannot reach/ },
    { name: 'a breach that persists two windows fails', s: svc({ error_rate: 0.1, samples: 60 }, [{ error_rate: 0.1, samples: 20 }, { error_rate: 0.12, samples: 20 }, { error_rate: 0.09, samples: 20 }]), verdict: 'fail' },
    { name: 'a breach in one window only does not fail', s: svc({ error_rate: 0.03, samples: 60 }, [{ error_rate: 0, samples: 20 }, { error_rate: 0.1, samples: 20 }, { error_rate: 0, samples: 20 }]), verdict: 'pass' },
    { name: 'thin windows are inconclusive', s: svc({ error_rate: 0, samples: 12 }, [{ error_rate: 0, samples: 6 }, { error_rate: 0, samples: 6 }]), verdict: 'inconclusive', why: /^db-a: 2 of 2 windows had fewer than 10 samples/ },
    { name: 'a rule its source did not measure is inconclusive', s: svc({ samples: 60 }, [{ samples: 30 }, { samples: 30 }]), verdict: 'inconclusive', why: /^db-a: not measured: error_rate/ },
    { name: 'without windows: judged on the whole window as a proportion', s: svc({ error_rate: 0.2, samples: 500 }, undefined, 100), verdict: 'fail' },
  ])('$name', ({ s, verdict, why }) => {
    const j = judgeService(s, [rule('error_rate < 1%')], load, false);
    expect(j.verdict).toBe(verdict);
    if (why) expect(j.inconclusiveReasons[0]).toMatch(why);
    if (verdict === 'fail') expect(j.breaches[0]).toMatchObject({ slo: 'error_rate < 1%', service: 'db-a' });
  });
});

describe('combineJudgements', () => {
  const pass: StepJudgement = { verdict: 'pass', breaches: [], inconclusiveReasons: [], notes: [] };
  const failT: StepJudgement = { verdict: 'fail', breaches: [br('p99 < 250ms', 'p99', 250, 300)], inconclusiveReasons: [], notes: [] };
  const unsure: StepJudgement = { verdict: 'inconclusive', breaches: [], inconclusiveReasons: ['too few'], inconclusiveKind: 'undecided', notes: [] };
  const sPass = { name: 'db-a', verdict: 'pass' as const, breaches: [], inconclusiveReasons: [] };
  const sFail = { name: 'db-a', verdict: 'fail' as const, breaches: [{ ...br('error_rate < 1%', 'error_rate', 0.01, 0.05), service: 'db-a' }], inconclusiveReasons: [] };
  const sMissing = { name: 'db-a', verdict: 'inconclusive' as const, breaches: [], inconclusiveReasons: ['db-a: metrics missing (x)'], inconclusiveKind: 'limited' as const };
  it.each([
    ['all pass → pass', pass, [sPass], 'pass', []],
    ['a service fails → fail, its breach named', pass, [sFail], 'fail', ['db-a: error_rate < 1%']],
    ['both fail → both breaches', failT, [sFail], 'fail', ['p99 < 250ms', 'db-a: error_rate < 1%']],
    ['a service fails while the targets are undecided → fail', unsure, [sFail], 'fail', ['db-a: error_rate < 1%']],
    ['missing service metrics → inconclusive, never a pass', pass, [sMissing], 'inconclusive', []],
  ] as const)('%s', (_n, targets, services, verdict, breaches) => {
    const j = combineJudgements(targets, services);
    expect(j.verdict).toBe(verdict);
    expect(j.breaches.map((b) => b.slo)).toEqual(breaches);
    if (verdict === 'inconclusive') {
      expect(j.inconclusiveReasons).toContain('db-a: metrics missing (x)');
      expect(j.inconclusiveKind).toBe('limited');
    }
  });
});
