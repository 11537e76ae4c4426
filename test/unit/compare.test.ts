import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareRuns, renderCompareJson, renderCompareMarkdown, renderCompareTable } from '../../src/report/compare.js';
import type { RunResult } from '../../src/result.js';

const fixture = (name: string): RunResult => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')) as RunResult;
const runs = (...names: string[]) => compareRuns(names.map((n) => ({ label: n, result: fixture(n) })));

describe('compareRuns', () => {
  it('gives a verdict per run against the first', () => {
    const c = runs('generate-baseline', 'generate-same', 'generate-regressed');
    expect(c.pairs.map((p) => [p.run, p.verdict, p.change === null ? null : Math.round(p.change * 1000) / 1000])).toEqual([
      [1, 'within tolerance', -0.028],
      [2, 'regressed', -0.292],
    ]);
    const up = runs('generate-regressed', 'generate-baseline');
    expect(up.pairs[0]!.verdict).toBe('improved');
  });

  it('does not call a lower bound a regression or an improvement', () => {
    const capped = fixture('generate-baseline');
    capped.capacity = { ...capped.capacity, verdict: 'above-max', maxServableLoad: 500, firstFailingLoad: null, resolution: null };
    const c = compareRuns([
      { label: 'base', result: fixture('generate-baseline') },
      { label: 'capped', result: capped },
    ]);
    // [500, ∞) against [900, 925): anything from −46% up — the brackets cannot tell
    expect(c.pairs[0]).toMatchObject({ verdict: 'inconclusive' });
    expect(c.pairs[0]!.reason).toContain('≥ 500 rps (nothing failed) vs 900 rps (failed at 925)');
  });

  it('uses the allowed regression it is given', () => {
    const c = compareRuns(
      ['generate-baseline', 'generate-same'].map((n) => ({ label: n, result: fixture(n) })),
      0.02,
    );
    // [875, 900) against [900, 925): a drop of 0 to 5.4% straddles 2%
    expect(c.pairs[0]!.verdict).toBe('inconclusive');
    // … and says which loads would decide it, as the gate does: 0.98 × 900 = 882, 0.98 × 925 = 906.5
    expect(c.pairs[0]!.reason).toContain('what decides it: a fail at or below 882 rps or a pass at or above 907 rps');
  });

  it('treats an interrupted run as a lower bound', () => {
    const c = runs('generate-baseline', 'generate-aborted');
    expect(c.pairs[0]).toMatchObject({ verdict: 'inconclusive' });
    expect(c.pairs[0]!.reason).toContain('≥ 300 rps (nothing failed) vs 900 rps (failed at 925)');
    expect(renderCompareTable(c)).toContain('≥ 300 rps');
  });

  it('lines up latency at the loads the runs share (within 3%)', () => {
    const c = runs('generate-baseline', 'generate-regressed');
    expect(c.latency.map((r) => r.load)).toEqual([100, 200, 300, 400, 500, 600, 700]);
    expect(c.latency[0]!.cells[1]).toMatchObject({ load: 100, p99: 9.466, verdict: 'pass' });
    // Rows are the baseline's loads that another run also measured: 800–1000 rps only the baseline did.
    expect(c.latency.every((r) => r.cells[0] !== null)).toBe(true);
  });

  it('renders a table', () => {
    expect(renderCompareTable(runs('generate-baseline', 'generate-same', 'generate-regressed'))).toMatchInlineSnapshot(`
      "Capacity
                           generate-baseline (baseline)   generate-same      generate-regressed
      scenario             checkout                       checkout           checkout
      started              2026-11-20 02:00               2026-11-21 02:00   2026-11-22 02:00
      max servable load    900 rps (+2.8%)                875 rps (+2.9%)    638 rps (+2%)
      first failing load   925 rps                        900 rps            650 rps
      limited by           p99 < 250ms                    p99 < 250ms        p99 < 250ms
      change               —                              -2.8%              -29%
      verdict              —                              within tolerance   regressed

      generate-same vs generate-baseline: within tolerance — 875 rps (failed at 900) vs 900 rps (failed at 925): the brackets allow a change of -5.4% to 0.0%: within the allowed 10% drop in every case
      generate-regressed vs generate-baseline: regressed — 638 rps (failed at 650) vs 900 rps (failed at 925): the brackets allow a change of -31% to -28%: a drop of more than the allowed 10% in every case

      Latency at shared loads (✗ = the step failed its SLOs; change against the baseline)
      load      generate-baseline p50 / p99   generate-same p50 / p99           generate-regressed p50 / p99
      100 rps   5.12ms / 6.86ms               5.12ms / 6.79ms (+0.1% / -1.1%)   6.25ms / 9.47ms (+22% / +38%)
      200 rps   5.61ms / 9.12ms               5.31ms / 9.08ms (-5.2% / -0.4%)   6.67ms / 14ms (+19% / +54%)
      300 rps   5.76ms / 12ms                 5.9ms / 12ms (+2.3% / +0.3%)      7.38ms / 20.7ms (+28% / +73%)
      400 rps   6.39ms / 16ms                 6.36ms / 16.1ms (-0.5% / +0.7%)   8.81ms / 32ms (+38% / +100%)
      500 rps   6.87ms / 21.4ms               6.91ms / 22.1ms (+0.6% / +3.6%)   11.1ms / 52.6ms (+62% / +146%)
      600 rps   7.6ms / 30.5ms                7.79ms / 31.8ms (+2.5% / +4.3%)   18.2ms / 118ms (+140% / +288%)
      700 rps   9.42ms / 44.1ms               9.73ms / 47.9ms (+3.3% / +8.5%)   168ms / 670ms ✗ (+1677% / +1419%)
      800 rps   12.8ms / 77.9ms               14.2ms / 87.8ms (+11% / +13%)     —
      900 rps   25.1ms / 183ms                32.9ms / 268ms ✗ (+31% / +47%)    —
      "
    `);
  });

  it('renders markdown', () => {
    expect(renderCompareMarkdown(runs('generate-baseline', 'generate-regressed'))).toMatchInlineSnapshot(`
      "## loadtest compare

      |  | generate-baseline (baseline) | generate-regressed |
      | --- | --- | --- |
      | scenario | checkout | checkout |
      | started | 2026-11-20 02:00 | 2026-11-22 02:00 |
      | max servable load | 900 rps (+2.8%) | 638 rps (+2%) |
      | first failing load | 925 rps | 650 rps |
      | limited by | p99 < 250ms | p99 < 250ms |
      | change | — | -29% |
      | verdict | — | regressed |

      - **generate-regressed** vs **generate-baseline**: regressed — 638 rps (failed at 650) vs 900 rps (failed at 925): the brackets allow a change of -31% to -28%: a drop of more than the allowed 10% in every case

      ### Latency at shared loads

      | load | generate-baseline p50 / p99 | generate-regressed p50 / p99 |
      | ---: | ---: | ---: |
      | 100 rps | 5.12ms / 6.86ms | 6.25ms / 9.47ms (+22% / +38%) |
      | 200 rps | 5.61ms / 9.12ms | 6.67ms / 14ms (+19% / +54%) |
      | 300 rps | 5.76ms / 12ms | 7.38ms / 20.7ms (+28% / +73%) |
      | 400 rps | 6.39ms / 16ms | 8.81ms / 32ms (+38% / +100%) |
      | 500 rps | 6.87ms / 21.4ms | 11.1ms / 52.6ms (+62% / +146%) |
      | 600 rps | 7.6ms / 30.5ms | 18.2ms / 118ms (+140% / +288%) |
      | 700 rps | 9.42ms / 44.1ms | 168ms / 670ms ✗ (+1677% / +1419%) |
      "
    `);
  });

  it('renders JSON that parses back to the comparison', () => {
    const c = runs('generate-baseline', 'generate-same');
    expect(JSON.parse(renderCompareJson(c))).toEqual(c);
  });
});
