import { describe, expect, it } from 'vitest';
import { histogramView, parsePromText } from '../../src/metrics/samplers/prom-text.js';
import { scrapeSnapshot } from '../../src/metrics/samplers/scrape-sampler.js';
import { fillQuery, serversRegex, valueOfAnswer } from '../../src/metrics/samplers/prometheus-sampler.js';

const EXPOSITION = `# HELP http_request_duration_seconds Request latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{code="200",le="0.01"} 90
http_request_duration_seconds_bucket{code="200",le="0.1"} 95
http_request_duration_seconds_bucket{code="200",le="+Inf"} 95
http_request_duration_seconds_sum{code="200"} 1.5
http_request_duration_seconds_count{code="200"} 95
http_request_duration_seconds_bucket{code="500",le="0.01"} 5
http_request_duration_seconds_bucket{code="500",le="0.1"} 5
http_request_duration_seconds_bucket{code="500",le="+Inf"} 5
http_request_duration_seconds_sum{code="500"} 0.01
http_request_duration_seconds_count{code="500"} 5
weird_metric{path="/a\\"b\\\\c",x="1"} 7 1700000000000
nan_metric NaN
broken{label="unterminated} 3
`;

describe('parsePromText', () => {
  const samples = parsePromText(EXPOSITION);
  it('reads names, escaped label values, values and skips timestamps, comments and broken lines', () => {
    expect(samples.find((s) => s.name === 'weird_metric')).toEqual({ name: 'weird_metric', labels: { path: '/a"b\\c', x: '1' }, value: 7 });
    expect(samples.find((s) => s.name === 'broken')).toBeUndefined();
    expect(Number.isNaN(samples.find((s) => s.name === 'nan_metric')!.value)).toBe(true);
    expect(samples.filter((s) => s.labels.le === '+Inf').map((s) => s.value)).toEqual([95, 5]);
  });
  it('sums a histogram over its series in ms, with 5xx counts as errors', () => {
    expect(histogramView(samples, 'http_request_duration_seconds')).toEqual({
      buckets: [
        { le: 10, count: 95 },
        { le: 100, count: 100 },
        { le: Infinity, count: 100 },
      ],
      count: 100,
      sumMs: 1510,
      errors: 5,
      statusCodes: { '200': 95, '500': 5 },
    });
  });
  it('a scrape becomes a group snapshot of counters and buckets', () => {
    const s = scrapeSnapshot([EXPOSITION, EXPOSITION], 'http_request_duration_seconds');
    expect(s.requests).toBe(200);
    expect(s.errors).toBe(10);
    expect(s.buckets![0]).toEqual({ le: 10, count: 190 });
    expect(s.latencySumMs).toBeCloseTo(3020, 6);
  });
});

describe('Prometheus query templating and answers', () => {
  it('fills {servers} with an escaped regex and {window} in seconds', () => {
    expect(fillQuery('rate(x{server=~"{servers}"}[{window}])', ['web1', 'api.2'], 5)).toBe('rate(x{server=~"web1|api\\\\.2"}[5s])');
    expect(serversRegex(['a'])).toBe('a');
  });
  it.each([
    [{ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '12.5'] }] } }, 'rps', 12.5],
    [{ status: 'success', data: { resultType: 'vector', result: [] } }, 'p99', undefined],
    [{ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'NaN'] }] } }, 'error_rate', undefined],
    [{ status: 'success', data: { resultType: 'scalar', result: [1, '3'] } }, 'p99', 3],
    [{ status: 'success', data: { resultType: 'vector', result: [{ value: [1, '2'] }, { value: [1, '3'] }] } }, 'rps', 5],
    [{ status: 'success', data: { resultType: 'vector', result: [{ value: [1, '2'] }, { value: [1, '3'] }] } }, 'p99', 3],
  ])('%j %s → %s', (body, metric, want) => expect(valueOfAnswer(body, metric)).toBe(want));
  it('a failed query is a clear error', () => {
    expect(() => valueOfAnswer({ status: 'error', error: 'parse error at char 3' }, 'p99')).toThrow(/query for p99 failed: parse error/);
  });
});
