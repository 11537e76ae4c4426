// The SVG chart primitives behind the HTML report and the history chart: nice ticks that never
// crowd, log ticks, sparklines, and escaping. (The browser-measured check is in
// test/integration/html-report.test.ts.)
import { describe, expect, it } from 'vitest';
import { escapeXml, lineChart, linearTicks, logTicks, niceStep, sparkline } from '../../src/report/svg-chart.js';

describe('niceStep', () => {
  it.each([
    [0.7, 1],
    [1, 1],
    [1.2, 2],
    [2.2, 2.5],
    [3, 5],
    [7, 10],
    [13, 20],
    [420, 500],
    [0.013, 0.02],
  ])('%d → %d', (raw, step) => expect(niceStep(raw)).toBeCloseTo(step, 10));
});

describe('linearTicks', () => {
  const fmt = (n: number) => String(n);
  it('gives nice round ticks inside the range', () => {
    expect(linearTicks(0, 1000, 8, fmt, 0.8)).toEqual([0, 200, 400, 600, 800, 1000]);
  });

  it('thins ticks until their labels cannot touch (100 steps on 800 px)', () => {
    const ticks = linearTicks(1, 100, 13, fmt, 8, true);
    expect(ticks).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    // Long labels force a wider spacing.
    const wide = linearTicks(0, 1_000_000, 13, (n) => `${n} requests/s`, 0.0008);
    const px = (wide[1]! - wide[0]!) * 0.0008;
    expect(px).toBeGreaterThanOrEqual('1000000 requests/s'.length * 7);
  });

  it('uses integer steps for step numbers', () => {
    expect(linearTicks(1, 4, 10, fmt, 200, true)).toEqual([1, 2, 3, 4]);
  });
});

describe('logTicks', () => {
  it('uses 1-2-5 per decade, and only powers of ten when crowded', () => {
    expect(logTicks(1, 1000, 12)).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
    expect(logTicks(1, 100000, 7)).toEqual([1, 10, 100, 1000, 10000, 100000]);
  });
});

describe('sparkline', () => {
  it('scales to the range, or from a floor', () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([875, 900, 638], 0)).toBe('██▆');
    expect(sparkline([null, 5])).toBe(' ▅');
    expect(sparkline([])).toBe('');
  });
});

describe('lineChart', () => {
  it('escapes every string and never draws NaN', () => {
    const svg = lineChart({
      id: 'x"><script>',
      title: '<b>title</b>',
      xLabel: 'a&b',
      yLabel: "it's",
      series: [{ name: '<i>s</i>', color: '#000', points: [{ x: 1, y: 2, title: '</title><script>' }, { x: 2, y: NaN }, { x: 3, y: 4 }] }],
      hLines: [{ value: 3, label: 'SLO <3', color: '#f00' }],
    });
    expect(svg).not.toMatch(/<(script|b|i)>/);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg).toContain('&lt;b&gt;title&lt;/b&gt;');
    expect(svg).toContain('SLO &lt;3');
    expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
  });

  it('says "no data" instead of drawing an empty frame', () => {
    expect(lineChart({ id: 'e', title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', color: '#000', points: [] }] })).toContain('>no data<');
  });

  it('switches to a log axis when values span decades', () => {
    const pts = [1, 2, 5, 50, 2000].map((y, i) => ({ x: i + 1, y }));
    const svg = lineChart({ id: 'l', title: 't', xLabel: 'x', yLabel: 'latency', series: [{ name: 's', color: '#000', points: pts }], yScale: 'auto' });
    expect(svg).toContain('latency (log scale)');
  });
});
