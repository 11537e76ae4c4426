// The HTML report's HDR percentile chart and the steps table / cards details, as text: the nines
// axis, the curve read from a histogram of known values, which steps get a curve, and that a report
// without histograms (shift mode, older reports) simply has no such chart. (Rendered in Chromium by
// test/integration/html-report.test.ts.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram } from '../../src/metrics/histogram.js';
import { renderHtml } from '../../src/report/html.js';
import { nines, ninesLabel, percentileChart, percentileCurve, pickSteps } from '../../src/report/html-percentiles.js';
import type { RunResult, StepResult } from '../../src/result.js';

const fixture = (name: string): RunResult => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')) as RunResult;

describe('the nines axis', () => {
  it.each([
    [0, 0, '0%'],
    [90, 1, '90%'],
    [99, 2, '99%'],
    [99.9, 3, '99.9%'],
    [99.99, 4, '99.99%'],
  ])('%d%% is at %d, labelled %s', (p, x, label) => {
    expect(nines(p)).toBeCloseTo(x, 9);
    expect(ninesLabel(x)).toBe(label);
  });
});

describe('percentileCurve', () => {
  it('reads the latency at each percentile, up to the deepest the sample count resolves', () => {
    const h = createHistogram();
    for (let i = 1; i <= 10_000; i++) h.recordValue(i * 100); // 0.1 ms … 1000 ms, evenly
    const curve = percentileCurve(h);
    expect(curve[0]).toEqual({ x: 0, y: 0.1 });
    const at = (x: number) => curve.find((p) => Math.abs(p.x - x) < 1e-9)!.y;
    expect(at(1)).toBeCloseTo(900, -1); // p90
    expect(at(2)).toBeCloseTo(990, -1); // p99
    expect(at(3)).toBeCloseTo(999, -1); // p99.9
    // 10 000 samples resolve 4 nines: the curve ends there, at the maximum
    expect(curve.at(-1)).toEqual({ x: 4, y: 1000 });
    expect(curve.every((p, i) => i === 0 || p.y >= curve[i - 1]!.y)).toBe(true);
  });
});

describe('pickSteps', () => {
  const steps = fixture('generate-100-steps').steps;
  it('keeps every step of a short run, by load', () => {
    const few = fixture('generate-baseline').steps.slice(0, 5);
    expect(pickSteps(few).map((s) => s.load)).toEqual([100, 200, 300, 400, 500]);
  });
  it('a long run: 8 curves, the boundary pair among them, spread over the loads', () => {
    const picked = pickSteps(steps);
    expect(picked).toHaveLength(8);
    const cap = fixture('generate-100-steps').capacity;
    expect(picked.map((s) => s.load)).toEqual(expect.arrayContaining([cap.maxServableLoad, cap.firstFailingLoad]));
    expect(picked[0]!.load).toBe(10);
    expect(picked.map((s) => s.load)).toEqual([...picked.map((s) => s.load)].sort((a, b) => a - b));
  });
});

describe('percentileChart', () => {
  it('one curve per shown step, failing ones dashed, the p99 SLO as a threshold, a nines axis', () => {
    const svg = percentileChart(fixture('generate-baseline'))!;
    expect(svg).toContain('Latency by percentile per step (HDR) (8 of 12 steps)');
    expect(svg.match(/<path class="series"/g)).toHaveLength(8);
    expect(svg.match(/<path class="series"[^>]*stroke-dasharray/g)).toHaveLength(2); // 925 and 1000 rps failed
    expect([...svg.matchAll(/class="tick x"[^>]*>([^<]+)</g)].map((m) => m[1])).toEqual(['0%', '90%', '99%', '99.9%', '99.99%']);
    expect(svg).toContain('SLO p99 &lt; 250ms');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('no histograms (shift mode, older reports): no chart', () => {
    expect(percentileChart(fixture('shift-live'))).toBeNull();
    const r = fixture('generate-baseline');
    r.steps = r.steps.map(({ histogram: _h, ...s }) => s as StepResult);
    expect(percentileChart(r)).toBeNull();
    expect(renderHtml(r)).not.toContain('chart-percentiles');
  });

  it('a damaged histogram costs its curve, not the report', () => {
    const r = fixture('generate-baseline');
    r.steps[0]!.histogram = 'bm90IGEgaGlzdG9ncmFt';
    expect(() => renderHtml(r)).not.toThrow();
    const h = createHistogram();
    h.recordValue(5000);
    r.steps[1]!.histogram = encodeHistogram(h);
    expect(percentileChart(r)).toContain('<path class="series"');
  });
});

describe('HTML steps table and cards', () => {
  it('has a column for the level the plan asked for, beside the load really offered', () => {
    const html = renderHtml(fixture('generate-baseline'));
    expect(html).toContain('<th class="n">asked</th><th class="n">load</th><th class="n">achieved</th>');
    // step 10 asked 1000 rps; 1000 were offered, 966 answered
    expect(html).toContain('<td class="n">10</td><td class="">ramp</td><td class="n">1000 rps</td><td class="n">1000 rps</td><td class="n">966</td>');
    const shift = renderHtml(fixture('shift-live'));
    expect(shift).toContain('<td class="n">1× fair share</td>');
  });

  it('keeps each limiting rule whole, in a wider card when long', () => {
    const r = fixture('generate-baseline');
    r.capacity.limitedBy = ['p99{checkout} < 250ms', 'error_rate < 1%'];
    const html = renderHtml(r);
    expect(html).toContain('<div class="card wide"><div class="k">limited by</div><div class="v long"><span class="rule">p99{checkout} &lt; 250ms</span>, <span class="rule">error_rate &lt; 1%</span></div></div>');
    expect(html).not.toContain('overflow-wrap:anywhere');
  });
});
