// Server-side SVG line charts for the HTML reports: no script, no network, readable at 100 steps.
// Axis ticks are "nice" numbers (1, 2, 5 × 10ⁿ) thinned until their labels cannot overlap; a log
// scale is used for values spanning decades (latency past the knee). Every string is escaped.

export interface ChartPoint {
  x: number;
  y: number;
  /** Tooltip (SVG <title>) for the marker. */
  title?: string;
  /** 'fail' draws a hollow marker, 'inconclusive' a grey one, 'bound' an upward triangle (a lower bound: "at least"). */
  state?: 'pass' | 'fail' | 'inconclusive' | 'bound';
}

export interface Series {
  name: string;
  color: string;
  points: ChartPoint[];
  dashed?: boolean;
  /** Draw markers (default true when ≤ 150 points). */
  markers?: boolean;
  /** A fitted or guide line: does not widen the axes, and is drawn only inside the data's y range. */
  guide?: boolean;
  /** false: markers only, no line through them (values that must not read as a trend, such as lower bounds). */
  line?: boolean;
}

export interface RefLine {
  value: number;
  label: string;
  color: string;
}

export interface ChartSpec {
  /** Used for the element id and the accessible title. */
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Horizontal reference lines (SLO thresholds). */
  hLines?: RefLine[];
  /** Vertical reference lines (max servable load). */
  vLines?: RefLine[];
  /** Shade x ≥ this value (loads that failed). */
  shadeFrom?: { x: number; label: string };
  width?: number;
  height?: number;
  xFormat?: (n: number) => string;
  yFormat?: (n: number) => string;
  /** 'auto' = log when the positive values span more than 30×. */
  yScale?: 'linear' | 'log' | 'auto';
  /** Integer x ticks only (step numbers). */
  xIntegers?: boolean;
  /** Exactly these x ticks, and the x axis spans them (a transformed axis such as percentile "nines"). */
  xTicks?: number[];
}

const FONT_PX = 12;
/** Approximate width of one character of the 12px sans-serif used for labels. */
const CHAR_PX = 7;
const M = { top: 58, right: 24, bottom: 48, left: 64 };

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Nice step ≥ raw: 1, 2, 2.5, 5 × 10ⁿ. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const e = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * e >= raw * (1 - 1e-9)) return m * e;
  return 10 * e;
}

/**
 * Linear ticks over [min, max] whose labels fit: at most `maxTicks`, and spaced so that labels of
 * `fmt` width never touch (`pxPerUnit` converts a data distance to pixels).
 */
export function linearTicks(min: number, max: number, maxTicks: number, fmt: (n: number) => string, pxPerUnit: number, integers = false): number[] {
  if (!(max > min)) return [min];
  let step = niceStep((max - min) / Math.max(1, maxTicks));
  if (integers) step = Math.max(1, Math.round(step));
  for (let guard = 0; guard < 30; guard++) {
    const ticks: number[] = [];
    for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
    const widest = Math.max(...ticks.map((t) => fmt(t).length)) * CHAR_PX + 10;
    if (step * pxPerUnit >= widest || ticks.length <= 2) return ticks;
    step = niceStep(step * 1.01);
    if (integers) step = Math.max(1, Math.round(step));
  }
  return [min, max];
}

/** Log ticks 1, 2, 5 × 10ⁿ within [min, max], thinned to 1 × 10ⁿ when crowded. */
export function logTicks(min: number, max: number, maxTicks: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const all: number[] = [];
  const ones: number[] = [];
  for (let e = lo; e <= hi; e++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * Math.pow(10, e)).toPrecision(6));
      if (v >= min * 0.999 && v <= max * 1.001) {
        all.push(v);
        if (m === 1) ones.push(v);
      }
    }
  }
  if (all.length <= maxTicks) return all;
  if (ones.length <= maxTicks) return ones;
  const every = Math.ceil(ones.length / maxTicks);
  return ones.filter((_, i) => i % every === 0);
}

function defaultFmt(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e6) return `${Number((n / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((n / 1e3).toPrecision(3))}k`;
  if (a >= 100 || n === 0) return String(Math.round(n));
  return String(Number(n.toPrecision(3)));
}

export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 900;
  const H = spec.height ?? 340;
  const pw = W - M.left - M.right;
  // A legend that wraps pushes the plot down (and the chart grows by as much), so its rows never sit on the plot.
  let rows = 1;
  for (let x = M.left, i = 0; i < spec.series.length; i++) {
    const w = 26 + spec.series[i]!.name.length * CHAR_PX + 14;
    if (x + w > W - M.right && x > M.left) {
      rows++;
      x = M.left;
    }
    x += w;
  }
  const top = M.top + 16 * (rows - 1);
  const Ht = H + 16 * (rows - 1);
  const ph = Ht - top - M.bottom;
  const xf = spec.xFormat ?? defaultFmt;
  const yf = spec.yFormat ?? defaultFmt;
  const pts = spec.series.filter((s) => !s.guide).flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = [...pts.map((p) => p.x), ...(spec.vLines ?? []).map((l) => l.value)];
  const ys = [...pts.map((p) => p.y), ...(spec.hLines ?? []).map((l) => l.value)];
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${escapeXml(spec.id)}" viewBox="0 0 ${W} ${Ht}" width="${W}" height="${Ht}" role="img" aria-labelledby="${escapeXml(spec.id)}-title" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="${FONT_PX}">`,
    `<title id="${escapeXml(spec.id)}-title">${escapeXml(spec.title)}</title>`,
    `<text x="${M.left}" y="20" font-size="15" font-weight="600" fill="#111">${escapeXml(spec.title)}</text>`,
  );
  if (pts.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#666">no data</text></svg>`);
    return parts.join('');
  }

  // x range: from the lowest value (or 0 when close) to the highest, padded a little. Integer axes
  // (step numbers) are padded by half a step and never show ticks outside the data.
  const dataX0 = Math.min(...xs);
  const dataX1 = Math.max(...xs);
  let x0 = dataX0;
  let x1 = dataX1;
  if (spec.xTicks && spec.xTicks.length >= 2) {
    x0 = Math.min(dataX0, ...spec.xTicks);
    x1 = Math.max(dataX1, ...spec.xTicks);
  } else if (spec.xIntegers) {
    x0 -= 0.5;
    x1 += 0.5;
  } else {
    if (x0 > 0 && x0 < (x1 - x0) * 0.5) x0 = 0;
    if (x1 === x0) x1 = x0 + 1;
    const xpad = (x1 - x0) * 0.03;
    if (x0 !== 0) x0 -= xpad;
    x1 += xpad;
  }

  const positive = ys.filter((y) => y > 0);
  const yMaxRaw = Math.max(0, ...ys);
  const log =
    spec.yScale === 'log' ||
    (spec.yScale === 'auto' && positive.length > 1 && Math.max(...positive) / Math.min(...positive) > 30);
  let y0: number;
  let y1: number;
  if (log) {
    // The largest 1-2-5 value at or below the data: no empty decade at the bottom.
    const lo = Math.min(...positive);
    const e = Math.pow(10, Math.floor(Math.log10(lo)));
    y0 = [5, 2, 1].map((m) => m * e).find((v) => v <= lo * 1.0000001) ?? e;
    y1 = Math.pow(10, Math.log10(Math.max(...positive)) + 0.08);
  } else {
    y0 = 0;
    y1 = yMaxRaw > 0 ? yMaxRaw * 1.1 : 1;
  }
  const sx = (x: number) => M.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = log
    ? (y: number) => top + ph - ((Math.log10(Math.max(y, y0)) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * ph
    : (y: number) => top + ph - ((y - y0) / (y1 - y0)) * ph;
  const r = (n: number) => n.toFixed(1);

  // Legend, one row under the title; wraps when crowded.
  let lx = M.left;
  let ly = 40;
  for (const s of spec.series) {
    const w = 26 + s.name.length * CHAR_PX + 14;
    if (lx + w > W - M.right && lx > M.left) {
      lx = M.left;
      ly += 16;
    }
    parts.push(
      s.line === false
        ? marker(lx + 10, ly - 4, 4.5, s.points[0]?.state, s.color, '')
        : `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      `<text x="${lx + 26}" y="${ly}" fill="#333">${escapeXml(s.name)}</text>`,
    );
    lx += w;
  }

  if (spec.shadeFrom && spec.shadeFrom.x < x1) {
    const sxv = Math.max(M.left, sx(spec.shadeFrom.x));
    parts.push(
      `<rect class="fail-zone" x="${r(sxv)}" y="${top}" width="${r(M.left + pw - sxv)}" height="${ph}" fill="#d62728" fill-opacity="0.07"><title>${escapeXml(spec.shadeFrom.label)}</title></rect>`,
    );
  }

  // Grid and axes.
  const yTicks = log ? logTicks(y0, y1, Math.max(2, Math.floor(ph / 28))) : linearTicks(y0, y1, Math.max(2, Math.floor(ph / 40)), yf, ph / (y1 - y0));
  for (const t of yTicks) {
    const y = sy(t);
    if (y < top - 0.5 || y > top + ph + 0.5) continue;
    parts.push(
      `<line x1="${M.left}" y1="${r(y)}" x2="${M.left + pw}" y2="${r(y)}" stroke="#e5e5e5"/>`,
      `<text class="tick y" x="${M.left - 6}" y="${r(y + 4)}" text-anchor="end" fill="#555">${escapeXml(yf(t))}</text>`,
    );
  }
  const xTicks = spec.xTicks && spec.xTicks.length >= 2
    ? spec.xTicks
    : spec.xIntegers
    ? linearTicks(dataX0, dataX1, Math.max(2, Math.floor(pw / 60)), xf, pw / (x1 - x0), true)
    : linearTicks(x0, x1, Math.max(2, Math.floor(pw / 60)), xf, pw / (x1 - x0));
  for (const t of xTicks) {
    const x = sx(t);
    if (x < M.left - 0.5 || x > M.left + pw + 0.5) continue;
    parts.push(
      `<line x1="${r(x)}" y1="${top + ph}" x2="${r(x)}" y2="${top + ph + 5}" stroke="#888"/>`,
      `<text class="tick x" x="${r(x)}" y="${top + ph + 18}" text-anchor="middle" fill="#555">${escapeXml(xf(t))}</text>`,
    );
  }
  parts.push(
    `<line x1="${M.left}" y1="${top + ph}" x2="${M.left + pw}" y2="${top + ph}" stroke="#888"/>`,
    `<line x1="${M.left}" y1="${top}" x2="${M.left}" y2="${top + ph}" stroke="#888"/>`,
    `<text x="${M.left + pw / 2}" y="${Ht - 8}" text-anchor="middle" fill="#333">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#333">${escapeXml(spec.yLabel + (log ? ' (log scale)' : ''))}</text>`,
  );

  // Reference lines; labels nudged apart when thresholds are close.
  let lastLabelY = Infinity;
  const hLines = [...(spec.hLines ?? [])].sort((a, b) => b.value - a.value);
  for (const l of hLines) {
    const y = sy(l.value);
    let ty = y - 5;
    if (lastLabelY !== Infinity && ty - lastLabelY < FONT_PX + 2) ty = lastLabelY + FONT_PX + 2;
    lastLabelY = ty;
    parts.push(
      `<line class="threshold" x1="${M.left}" y1="${r(y)}" x2="${M.left + pw}" y2="${r(y)}" stroke="${l.color}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      `<text class="threshold-label" x="${M.left + 6}" y="${r(ty)}" fill="${l.color}" font-weight="600" paint-order="stroke" stroke="#fff" stroke-width="3">${escapeXml(l.label)}</text>`,
    );
  }
  // Vertical-line labels go near the top, stepping down past any threshold line they would sit on.
  const hYs = hLines.map((l) => sy(l.value));
  let vy = top + 14;
  for (const l of spec.vLines ?? []) {
    const x = sx(l.value);
    const right = x > M.left + pw * 0.7;
    while (hYs.some((y) => y > vy - FONT_PX - 2 && y < vy + 5) && vy < top + ph - 10) vy += 6;
    parts.push(
      `<line class="marker-line" x1="${r(x)}" y1="${top}" x2="${r(x)}" y2="${top + ph}" stroke="${l.color}" stroke-width="1.5"/>`,
      `<text class="marker-label" x="${r(right ? x - 5 : x + 5)}" y="${r(vy)}" text-anchor="${right ? 'end' : 'start'}" fill="${l.color}" font-weight="600" paint-order="stroke" stroke="#fff" stroke-width="3">${escapeXml(l.label)}</text>`,
    );
    vy += 16;
  }

  // Series.
  for (const s of spec.series) {
    const ps = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!log || p.y > 0) && (!s.guide || (p.y >= y0 && p.y <= y1)));
    if (ps.length === 0) continue;
    if (s.line !== false) {
      const d = ps.map((p, i) => `${i === 0 ? 'M' : 'L'}${r(sx(p.x))} ${r(sy(p.y))}`).join(' ');
      parts.push(
        `<path class="series" data-name="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''} stroke-linejoin="round"/>`,
      );
    }
    const markers = s.line === false || (s.markers ?? ps.length <= 150);
    if (markers) {
      const rad = ps.length > 60 ? 2.5 : 3.5;
      for (const p of ps) parts.push(marker(sx(p.x), sy(p.y), p.state === 'bound' ? rad + 2 : rad, p.state, s.color, p.title ? `<title>${escapeXml(p.title)}</title>` : ''));
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

/** A data marker: a circle (hollow for 'fail', grey for 'inconclusive'), or for a lower bound a triangle pointing up. */
function marker(x: number, y: number, rad: number, state: ChartPoint['state'], color: string, title: string): string {
  const r = (n: number) => n.toFixed(1);
  if (state === 'bound') {
    const pts = [
      [x, y - rad],
      [x + rad * 0.9, y + rad * 0.6],
      [x - rad * 0.9, y + rad * 0.6],
    ];
    return `<polygon class="bound" points="${pts.map(([a, b]) => `${r(a!)},${r(b!)}`).join(' ')}" fill="#fff" stroke="${color}" stroke-width="1.5">${title}</polygon>`;
  }
  const fill = state === 'fail' ? '#fff' : state === 'inconclusive' ? '#999' : color;
  return `<circle cx="${r(x)}" cy="${r(y)}" r="${rad}" fill="${fill}" stroke="${state === 'inconclusive' ? '#999' : color}" stroke-width="1.5">${title}</circle>`;
}

/**
 * A one-line terminal sparkline: ▁▂▃▄▅▆▇█ from `floor` (default: the lowest value) to the highest.
 * Pass floor 0 for quantities whose size matters (a 3% wobble should not look like a cliff).
 */
export function sparkline(values: Array<number | null>, floor?: number): string {
  const bars = '▁▂▃▄▅▆▇█';
  const nums = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (nums.length === 0) return '';
  const lo = floor ?? Math.min(...nums);
  const hi = Math.max(...nums);
  return values
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return ' ';
      const i = hi === lo ? 4 : Math.round(((v - lo) / (hi - lo)) * (bars.length - 1));
      return bars[i];
    })
    .join('');
}
