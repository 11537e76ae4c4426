// The SLO expression parser. Every error quotes the input and says at which column it went wrong,
// so the scenario loader can point at file:line:col.
//
// Grammar (whitespace allowed between tokens):
//   rule      := scope? metric request? op number unit?
//   scope     := 'control.'                     shift mode: the control group
//   metric    := p50 | p90 | p95 | p99 | p999 | max | mean_latency | mean
//              | error_rate | throughput | rps | offered_rps | queue | share
//   request   := '{' name '}'                   generate mode: one request of the mix
//   op        := '<' | '<=' | '>' | '>='
//   number    := digits ('.' digits)? | '.' digits        (no sign: thresholds are ≥ 0)
//   unit      := latency: ms | s | us | µs       (bare = ms)
//              | error_rate, throughput, share: %   (bare = fraction: 0.01 = 1%; a bare 1 is refused: 1% or 100%?)
//              | rps, offered_rps: rps | /s      (bare = requests/s)
//              | queue: none
// Examples: `p99 < 250ms`, `error_rate < 1%`, `throughput > 0.98`, `control.mean < 80ms`, `p99{buy} <= 0.4s`.
import { UsageError } from '../errors.js';
import { didYouMean } from '../scenario/did-you-mean.js';
import { METRICS, METRIC_ALIASES, METRIC_NAMES, type MetricKind } from './metric-catalog.js';
import type { Comparator, SloRule } from './slo.js';

/** A malformed SLO rule. `column` is the 0-based offset in `input` where the problem is. */
export class SloSyntaxError extends UsageError {
  constructor(
    readonly input: string,
    readonly column: number,
    /** The problem without the quoted input, for callers that say where it is themselves. */
    readonly reason: string,
  ) {
    super(`bad SLO "${input}" at column ${column + 1}: ${reason}`);
    this.name = 'SloSyntaxError';
  }
}

const UNITS: Record<MetricKind, { units: Record<string, (x: number) => number>; bare: string; expect: string }> = {
  latency: {
    units: { ms: (x) => x, s: (x) => x * 1000, us: (x) => x / 1000, 'µs': (x) => x / 1000 },
    bare: 'milliseconds',
    expect: 'ms, s, us or µs',
  },
  fraction: { units: { '%': (x) => x / 100 }, bare: 'a fraction', expect: '% (or a bare fraction such as 0.01)' },
  rate: { units: { rps: (x) => x, '/s': (x) => x }, bare: 'requests/s', expect: 'rps or /s (or a bare number)' },
  count: { units: {}, bare: 'a count', expect: 'a bare number' },
};

export function parseSlo(text: string): SloRule {
  let i = 0;
  const fail = (col: number, reason: string): never => {
    throw new SloSyntaxError(text, col, reason);
  };
  const skipWs = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };

  skipWs();
  if (i >= text.length) fail(0, 'empty rule; expected e.g. "p99 < 250ms"');

  let scope = '';
  if (text.startsWith('control.', i)) {
    scope = 'control.';
    i += scope.length;
  }
  const nameStart = i;
  while (i < text.length && /[A-Za-z0-9_]/.test(text[i]!)) i++;
  const written = text.slice(nameStart, i);
  if (written === '') fail(nameStart, `expected a metric name (${METRIC_NAMES.join(', ')})`);
  if (text[i] === '.' && /^p\d+$/.test(written) && /\d/.test(text[i + 1] ?? '')) {
    fail(nameStart, `percentiles are written without a dot: p999 is the 99.9th percentile (known: p50, p90, p95, p99, p999)`);
  }
  const base = METRIC_ALIASES[written] ?? written;
  const def = METRICS.get(base);
  if (!def) {
    const candidates = [...METRIC_NAMES, ...Object.keys(METRIC_ALIASES)];
    const hint = didYouMean(written, candidates);
    fail(nameStart, `unknown metric '${written}'${hint || ` (known: ${METRIC_NAMES.join(', ')})`}`);
  }

  let request = '';
  if (text[i] === '{') {
    const close = text.indexOf('}', i);
    if (close < 0) fail(i, "unclosed '{': expected metric{request-name}");
    const name = text.slice(i + 1, close).trim();
    if (name === '') fail(i, "empty request name in '{}'");
    request = `{${name}}`;
    i = close + 1;
  }

  skipWs();
  const opStart = i;
  let op: Comparator | undefined;
  if (text.startsWith('<=', i) || text.startsWith('>=', i)) op = text.slice(i, i + 2) as Comparator;
  else if (text[i] === '<' || text[i] === '>') op = text[i] as Comparator;
  if (!op) {
    const found = i < text.length ? `'${/^\S+/.exec(text.slice(i))![0]}'` : 'the end';
    fail(opStart, `expected a comparison (<, <=, > or >=) after '${scope}${written}${request}', found ${found}`);
  }
  i += op!.length;

  skipWs();
  const numStart = i;
  if (text[i] === '-') fail(i, 'thresholds are never negative');
  const num = /^(\d+(\.\d+)?|\.\d+)/.exec(text.slice(i));
  if (!num) fail(numStart, `expected a number after '${op}', found ${i < text.length ? `'${text.slice(i)}'` : 'the end'}`);
  const value = Number(num![0]);
  i += num![0].length;

  skipWs();
  const unitStart = i;
  const unit = text.slice(i).trimEnd();
  const kind = UNITS[def!.kind];
  let threshold: number;
  if (unit === '') {
    threshold = value;
    if (def!.kind === 'fraction' && value > 1) {
      fail(numStart, `a bare number for ${base} is a fraction (0.01 = 1%), and ${value} > 1; did you mean ${value}%?`);
    }
    // A bare 1 is a fraction, so 100%: `error_rate < 1` would pass every step. Almost always 1% was
    // meant; either way the reader cannot tell, so the unit is asked for.
    if (def!.kind === 'fraction' && value === 1) {
      fail(numStart, `a bare 1 for ${base} is the fraction 1 = 100%; write 1% or 100%`);
    }
  } else {
    const convert = kind.units[unit];
    if (!convert) {
      const why = unit === '%' ? `${base} is not a percentage` : `unknown unit '${unit}'`;
      fail(unitStart, `${why}; ${base} takes ${kind.expect}`);
    }
    threshold = convert!(value);
    if (unit === '%' && value > 100) fail(numStart, `${value}% is more than 100%`);
  }

  return { text: text.trim(), metric: `${scope}${base}${request}`, op: op!, threshold: threshold! };
}

/** Base unit of a metric, for messages and reports: 'ms', '' (fraction), 'rps', ''. */
export function metricKind(base: string): MetricKind | undefined {
  return METRICS.get(METRIC_ALIASES[base] ?? base)?.kind;
}
