import { describe, expect, it } from 'vitest';
import { fmtMetric, parseSloText } from '../../src/report/format.js';

// Reporters read SLO texts through the one SLO parser: what the run judged is what a report shows.
describe('parseSloText (reporters) uses the SLO parser', () => {
  it.each([
    ['mean < 80ms', 'mean_latency', 'mean_latency', 80],
    ['p99 < 0.25s', 'p99', 'p99', 250],
    ['error_rate < 1%', 'error_rate', 'error_rate', 0.01],
    ['control.p99{buy} < 300us', 'control.p99{buy}', 'p99', 0.3],
    ['throughput > 0.98', 'throughput', 'throughput', 0.98],
  ])('%s', (text, metric, base, threshold) => {
    const s = parseSloText(text)!;
    expect(s.metric).toBe(metric);
    expect(s.base).toBe(base);
    expect(s.threshold).toBeCloseTo(threshold, 9);
  });

  it('an unreadable text is null, not a guess', () => {
    expect(parseSloText('p99 <')).toBeNull();
  });

  it('formats a mean latency as milliseconds (it showed n/a)', () => {
    expect(fmtMetric(parseSloText('mean < 80ms')!.base, 12.5)).toBe('12.5ms');
  });
});
