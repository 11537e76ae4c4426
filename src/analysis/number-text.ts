// Numbers in the decisions' own sentences (caveats, refusals, summaries, the gate's lines), read the
// same as the reporters' ("812", "30.8", "0.123", "312ms", "+5.1%"): report/format.ts re-exports
// these, so analysis/ never imports a reporter. A decision never prints NaN, Infinity or an
// exponent: the callers refuse such values with a reason before they get here, and this says "n/a"
// if one slips.

/** 3 significant digits below 100, integers above: 0.123, 12.3, 812. */
export function numText(n: number): string {
  if (!Number.isFinite(n) || Math.abs(n) >= 1e15) return 'n/a';
  if (Math.abs(n) >= 100) return String(Math.round(n));
  if (n === 0) return '0';
  if (Math.abs(n) < 1e-6) return n > 0 ? '≈0' : '-≈0';
  return String(Number(n.toPrecision(3)));
}

/** A load with its label: "812 rps", or "812 sessions/s" (scenario/level-unit.ts decides which). */
export function fmtRps(n: number, label = 'rps'): string {
  return `${n >= 100 ? Math.round(n) : Number(n.toPrecision(3))} ${label}`;
}

export function fmtMs(n: number): string {
  return `${n >= 100 ? Math.round(n) : Number(n.toPrecision(3))}ms`;
}

/** 0.0512 → "5.1%"; whole numbers without decimals. */
export function pct(f: number): string {
  const v = f * 100;
  const r = Math.abs(v) >= 10 || Number.isInteger(v) ? Math.round(v) : Math.round(v * 10) / 10;
  return `${r}%`;
}

export function signedPct(f: number): string {
  const s = pct(f);
  return f > 0 && s !== '0%' ? `+${s}` : f < 0 && s !== '0%' ? `-${s.replace('-', '')}` : s.replace('-', '');
}

/** 3 significant digits below 100, integers above: 0.123, 12.3, 812. */
export function fmtNum(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (Math.abs(n) >= 100) return String(Math.round(n));
  if (n === 0) return '0';
  return String(Number(n.toPrecision(3)));
}
