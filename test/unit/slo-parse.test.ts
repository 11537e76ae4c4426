// SLO expression parser: the grammar, unit conversion to base units, and errors that quote the
// input and point at the right column.
import { describe, expect, it } from 'vitest';
import { parseSlo, SloSyntaxError } from '../../src/slo/parse.js';
import { UsageError } from '../../src/errors.js';

describe('parseSlo: valid rules', () => {
  it.each([
    ['p99 < 250ms', 'p99', '<', 250],
    ['p99<250ms', 'p99', '<', 250],
    ['  p50 <= 0.05s ', 'p50', '<=', 50],
    ['p999 < 1s', 'p999', '<', 1000],
    ['p90 < 1500us', 'p90', '<', 1.5],
    ['p95 < 800µs', 'p95', '<', 0.8],
    ['max < 2 s', 'max', '<', 2000],
    ['p99 < 250', 'p99', '<', 250], // bare latency = ms
    ['mean < 80ms', 'mean_latency', '<', 80], // alias
    ['mean_latency < .5s', 'mean_latency', '<', 500],
    ['error_rate < 1%', 'error_rate', '<', 0.01],
    ['error_rate < 0.5%', 'error_rate', '<', 0.005],
    ['error_rate < 0.01', 'error_rate', '<', 0.01], // bare rate = fraction
    ['error_rate <= 0%', 'error_rate', '<=', 0],
    ['throughput > 98%', 'throughput', '>', 0.98],
    ['throughput >= 0.98', 'throughput', '>=', 0.98],
    ['rps > 100', 'rps', '>', 100],
    ['rps >= 100rps', 'rps', '>=', 100],
    ['offered_rps > 50/s', 'offered_rps', '>', 50],
    ['queue < 10', 'queue', '<', 10],
    ['share < 60%', 'share', '<', 0.6],
    ['control.error_rate < 0.5%', 'control.error_rate', '<', 0.005],
    ['control.mean < 80ms', 'control.mean_latency', '<', 80],
    ['p99{buy} < 400ms', 'p99{buy}', '<', 400],
    ['error_rate{ buy } < 2%', 'error_rate{buy}', '<', 0.02],
  ])('%s', (text, metric, op, threshold) => {
    const r = parseSlo(text);
    expect(r.metric).toBe(metric);
    expect(r.op).toBe(op);
    expect(r.threshold).toBeCloseTo(threshold, 12);
    expect(r.text).toBe(text.trim());
  });
});

describe('parseSlo: errors quote the input, give the column and say what was expected', () => {
  const fail = (text: string) => {
    try {
      parseSlo(text);
    } catch (e) {
      expect(e).toBeInstanceOf(SloSyntaxError);
      expect(e).toBeInstanceOf(UsageError); // usable straight from a CLI flag
      const s = e as SloSyntaxError;
      expect(s.message).toContain(`"${text}"`);
      return { col: s.column, reason: s.reason };
    }
    throw new Error(`no error for ${text}`);
  };
  it.each([
    ['', 0, 'empty rule; expected e.g. "p99 < 250ms"'],
    ['p98 < 250ms', 0, "unknown metric 'p98', did you mean 'p90'?"],
    ['latency < 250ms', 0, "unknown metric 'latency' (known: p50, p90, p95, p99, p999, max, mean_latency, error_rate, throughput, rps, offered_rps, queue, share)"],
    ['eror_rate < 1%', 0, "unknown metric 'eror_rate', did you mean 'error_rate'?"],
    ['control.p99x < 1ms', 8, "unknown metric 'p99x', did you mean 'p99'?"],
    ['< 250ms', 0, 'expected a metric name (p50, p90, p95, p99, p999, max, mean_latency, error_rate, throughput, rps, offered_rps, queue, share)'],
    ['p99 = 250ms', 4, "expected a comparison (<, <=, > or >=) after 'p99', found '='"],
    ['p99 250ms', 4, "expected a comparison (<, <=, > or >=) after 'p99', found '250ms'"],
    ['p99', 3, "expected a comparison (<, <=, > or >=) after 'p99', found the end"],
    ['p99 <', 5, "expected a number after '<', found the end"],
    ['p99 < fast', 6, "expected a number after '<', found 'fast'"],
    ['p99 < -1ms', 6, 'thresholds are never negative'],
    ['p99 < 250mss', 9, "unknown unit 'mss'; p99 takes ms, s, us or µs"],
    ['p99 < 25%', 8, 'p99 is not a percentage; p99 takes ms, s, us or µs'],
    ['error_rate < 5', 13, 'a bare number for error_rate is a fraction (0.01 = 1%), and 5 > 1; did you mean 5%?'],
    ['error_rate < 1', 13, 'a bare 1 for error_rate is the fraction 1 = 100%; write 1% or 100%'],
    ['throughput >= 1.0', 14, 'a bare 1 for throughput is the fraction 1 = 100%; write 1% or 100%'],
    ['error_rate < 1ms', 14, "unknown unit 'ms'; error_rate takes % (or a bare fraction such as 0.01)"],
    ['error_rate < 150%', 13, '150% is more than 100%'],
    ['queue < 3ms', 9, "unknown unit 'ms'; queue takes a bare number"],
    ['p99{buy < 1ms', 3, "unclosed '{': expected metric{request-name}"],
    ['p99{} < 1ms', 3, "empty request name in '{}'"],
    ['p99.9 < 1s', 0, 'percentiles are written without a dot: p999 is the 99.9th percentile (known: p50, p90, p95, p99, p999)'],
    ['P99 < 1s', 0, "unknown metric 'P99', did you mean 'p99'?"],
  ])('%j', (text, col, reason) => {
    expect(fail(text)).toEqual({ col, reason });
  });
});
