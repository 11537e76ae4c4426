// Numbers in the decisions' own sentences (caveats, refusals, summaries), read the same as the
// reporters' ("812", "30.8", "0.123"). A decision never prints NaN, Infinity or an exponent: the
// callers refuse such values with a reason before they get here, and this says "n/a" if one slips.

/** 3 significant digits below 100, integers above: 0.123, 12.3, 812. */
export function numText(n: number): string {
  if (!Number.isFinite(n) || Math.abs(n) >= 1e15) return 'n/a';
  if (Math.abs(n) >= 100) return String(Math.round(n));
  if (n === 0) return '0';
  if (Math.abs(n) < 1e-6) return n > 0 ? '≈0' : '-≈0';
  return String(Number(n.toPrecision(3)));
}
