import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/analysis/gate.js';
import { mdEscape, mdTable, renderMarkdown } from '../../src/report/markdown.js';
import type { RunResult } from '../../src/result.js';

const fixture = (name: string): RunResult => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')) as RunResult;

describe('mdEscape', () => {
  it.each([
    ['p99 < 250ms', 'p99 < 250ms'],
    ['a | b', 'a \\| b'],
    ['<script>x</script>', '&lt;script>x&lt;/script>'],
    ['**bold** _it_ `code` [link](x) ~~s~~', '\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\[link\\](x) \\~\\~s\\~\\~'],
    ['error_rate < 1%', 'error_rate < 1%'],
    ['two\nlines', 'two lines'],
    ['&amp; & x', '&amp;amp; & x'],
  ])('%j → %j', (input, out) => {
    expect(mdEscape(input)).toBe(out);
  });

  it('keeps a table a table whatever the cells hold', () => {
    const t = mdTable(['a', 'b'], [['x | y', 'line\nbreak']]);
    expect(t.trim().split('\n')).toHaveLength(3);
    expect(t).toContain('| x \\| y | line break |');
  });
});

describe('renderMarkdown', () => {
  it('leads with the verdict and shows capacity, gate, steps and the model', () => {
    const r = fixture('generate-regressed');
    r.gate = evaluateGate(r, { baseline: fixture('generate-baseline') });
    const md = renderMarkdown(r);
    const lines = md.split('\n');
    expect(lines[0]).toBe('## loadtest: checkout');
    expect(lines[2]).toBe('❌ **GATE FAILED** — max servable load: 638 rps (±2%), limited by p99 < 250ms');
    expect(md).toContain('| 638 rps | ±2% | 650 rps | p99 < 250ms | found | slo-breach |');
    expect(md).toContain('### Gate: FAILED');
    expect(md).toMatch(/\| ❌ \| baseline capacity \| capacity regressed: capacity 638 rps \(failed at 650\) vs baseline 900 rps \(failed at 925\)/);
    // One row per step, with the SLO columns and the breach marked.
    expect(md).toContain('| 7 | ramp | 700 rps | 700 | 693 | 168ms | 670ms | 3.39% | 670ms ❌ | 3.39% ❌ | ❌ fail |');
    expect(md.match(/^\| \d+ \| (ramp|refine) \|/gm)).toHaveLength(r.steps.length);
    expect(md).toContain('### Capacity model');
    expect(md).toMatch(/\| p99 \| 10 \| 0\.\d\d \| ≈\d+ rps \| p99 < 250ms: ≈\d+ rps/);
  });

  it('quotes the levels left too close to call under the capacity table', () => {
    const r = fixture('generate-regressed');
    const note = '644 rps was too close to call, so the capacity may lie anywhere in [638, 650) rps: longer steps (load.step_duration) would decide them';
    r.capacity = { ...r.capacity, undecided: { loads: [644], note } };
    const md = renderMarkdown(r);
    expect(md).toContain(`> ${mdEscape(note)}\n`);
    expect(md.indexOf(mdEscape(note))).toBeGreaterThan(md.indexOf('| 638 rps | ±2% | 650 rps |'));
    expect(renderMarkdown(fixture('generate-regressed'))).not.toContain('too close to call, so');
  });

  it('the HTML report shows the same line under the verdict, escaped', async () => {
    const { renderHtml } = await import('../../src/report/html.js');
    const r = fixture('generate-regressed');
    r.capacity = { ...r.capacity, undecided: { loads: [644], note: '644 rps was too close to call, so the capacity may lie anywhere in [638, 650) rps: <longer steps>' } };
    const html = renderHtml(r);
    expect(html).toContain('<p class="inconclusive" id="undecided">644 rps was too close to call, so the capacity may lie anywhere in [638, 650) rps: &lt;longer steps&gt;</p>');
    expect(html.indexOf('id="undecided"')).toBeGreaterThan(html.indexOf('id="verdict"'));
    expect(renderHtml(fixture('generate-regressed'))).not.toContain('id="undecided"');
  });

  it('says when every step passed and there is no gate', () => {
    const r = fixture('generate-baseline');
    r.steps = r.steps.filter((s) => s.verdict === 'pass');
    r.capacity = { ...r.capacity, verdict: 'above-max', firstFailingLoad: null, resolution: null, limitedBy: [], summary: 'max servable load: ≥ 900 rps (every step up to the plan\'s max passed)' };
    const md = renderMarkdown(r);
    expect(md).toContain('✅ **ABOVE MAX** — max servable load: ≥ 900 rps');
    expect(md).not.toContain('### Gate');
  });

  it('marks an aborted run and escapes the scenario name', () => {
    const r = fixture('generate-aborted');
    r.scenario.name = 'shop | <img src=x onerror=alert(1)>';
    const md = renderMarkdown(r);
    expect(md).toContain('## loadtest: shop \\| &lt;img src=x onerror=alert(1)>');
    expect(md).toContain('❌ **ABORTED**');
    expect(md).toContain('> Run aborted (interrupted)');
    expect(md).toContain('⚠️ inconclusive: step cut short: interrupted');
    expect(md).toContain('too few to fit a model');
  });

  it('renders a run that failed before any step, in Markdown and HTML, without NaN', async () => {
    const r = fixture('generate-baseline');
    r.steps = [];
    r.status = 'failed';
    r.stopReason = 'error';
    r.error = 'connect ECONNREFUSED 127.0.0.1:8080';
    r.capacity = { ...r.capacity, maxServableLoad: null, level: null, limitedBy: [], resolution: null, firstFailingLoad: null, verdict: 'unknown', summary: 'max servable load: unknown (the run failed)' };
    const md = renderMarkdown(r);
    expect(md).toContain('❌ **FAILED** — max servable load: unknown (the run failed)');
    expect(md).toContain('> Run failed (error): connect ECONNREFUSED 127.0.0.1:8080');
    expect(md).toContain('_No step ran._');
    const { renderHtml } = await import('../../src/report/html.js');
    const html = renderHtml(r);
    expect(html).toContain('No step ran.');
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    expect(html.match(/>no data</g)).toHaveLength(3);
  });

  it('folds a long steps table so the verdict stays on top', () => {
    const md = renderMarkdown(fixture('generate-100-steps'));
    expect(md).toContain('<details><summary>100 steps</summary>\n\n| # | phase |');
    expect(md.match(/^\| \d+ \| (ramp|refine) \|/gm)).toHaveLength(100);
    expect(md).toContain('## loadtest: search &lt;api> & "friends"');
    expect(renderMarkdown(fixture('generate-baseline'))).not.toContain('<details>');
  });
});
