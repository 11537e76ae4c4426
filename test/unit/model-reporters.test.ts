// The capacity model as the Markdown and HTML reports show it: a refused number shows its reason,
// never NaN, Infinity, an exponent or a bare "never".
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitCapacityModel } from '../../src/analysis/capacity-model.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { RunResult } from '../../src/result.js';

const fixture = (name: string): RunResult => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')) as RunResult;

/** A service far from saturation: p99 flat at ≈5 ms and 5 ms from the write, from 100 to 1000 rps. */
function flatRun(): RunResult {
  const r = fixture('generate-baseline');
  const t = r.steps[0]!;
  r.scenario.slo = ['p99 < 250ms'];
  r.steps = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000].map((load, index) => {
    const p99 = 5 + 1e-12 * load; // the rounding-level slope that once predicted a break at ≈8.6e17 rps
    return {
      ...t,
      index,
      load,
      level: load,
      achievedRps: load,
      verdict: 'pass' as const,
      latencyMs: { ...t.latencyMs, p99, mean: 5 },
      latencyUncorrectedMs: { ...t.latencyUncorrectedMs, mean: 5 },
      metrics: { ...t.metrics, p99 },
    };
  });
  r.capacity = { ...r.capacity, verdict: 'above-max', maxServableLoad: 1000, firstFailingLoad: null };
  return r;
}

const nonsense = /NaN|Infinity|\de[+-]?\d|: never/;

describe('the capacity model in the reports', () => {
  it('shows why a flat run gives no knee, no SLO break and no ceiling', () => {
    const r = flatRun();
    const md = renderMarkdown(r);
    const model = md.slice(md.indexOf('### Capacity model'));
    expect(model).toContain('| p99 | 10 | ');
    expect(model).toContain('p99 < 250ms: no prediction: p99 is flat over the measured loads (≈5 ms): no trend to extrapolate');
    expect(model).toContain('no ceiling: throughput still rises (almost) linearly with concurrency: no ceiling within reach of the measured steps');
    expect(model).toContain('- ⚠️ p99: no knee and no prediction: p99 is flat over the measured loads (≈5 ms): no trend to extrapolate');
    expect(model).not.toMatch(nonsense);
    const html = renderHtml(r);
    expect(html).toContain('p99 &lt; 250ms: <span class="skipped">no prediction: p99 is flat over the measured loads (≈5 ms): no trend to extrapolate</span>');
    expect(html).toContain('no ceiling: throughput still rises (almost) linearly');
    expect(html.slice(html.indexOf('<h2>Capacity model'), html.indexOf('<h2>Steps'))).not.toMatch(nonsense);
  });

  it('refits a model stored by an older version instead of showing it', () => {
    const r = flatRun();
    r.model = { ...fitCapacityModel(r), version: undefined, summary: 'p99 < 250ms predicted to break at ≈858901708800000300 rps' };
    expect(renderMarkdown(r)).not.toContain('858901708800000300');
    expect(renderHtml(r)).not.toContain('858901708800000300');
  });
});
