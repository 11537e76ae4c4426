// The Prometheus sampler against a real Prometheus 2.42 scraping two services with a known latency
// histogram (see test/helpers/prometheus.ts): the default PromQL templates must give the right
// request rate, error ratio and percentiles for the target and the control group.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusSampler } from '../../src/metrics/samplers/prometheus-sampler.js';
import { windowOf } from '../../src/metrics/samplers/window.js';
import { EXPECTED, sendSteady, startHistogramServer, startPrometheus, type HistogramServer, type PrometheusHandle } from '../helpers/prometheus.js';

describe('Prometheus sampler (real prometheus)', () => {
  let web1: HistogramServer;
  let web2: HistogramServer;
  let prom: PrometheusHandle;

  beforeAll(async () => {
    web1 = await startHistogramServer();
    web2 = await startHistogramServer();
    prom = await startPrometheus([
      { server: 'web1', port: web1.port },
      { server: 'web2', port: web2.port },
    ]);
  });
  afterAll(async () => {
    await prom?.stop();
    await Promise.all([web1?.close(), web2?.close()]);
  });

  it('error ratio and p50/p99 of target and control from the default queries', async () => {
    // 8 s of steady traffic: 100 req/s to web1 (target), 40 req/s to web2 (control).
    await Promise.all([sendSteady(web1.url, 100, 8000), sendSteady(web2.url, 40, 8000)]);
    await new Promise((r) => setTimeout(r, 1500)); // the last scrape after the traffic; the 5 s rate window still covers it
    const sampler = createPrometheusSampler({ url: prom.url, queries: {}, intervalMs: 1000, windowS: 5 }, ['web1'], ['web2']);
    const a = await sampler.sample();
    expect(a.target.gauges.error_rate).toBeCloseTo(EXPECTED.errorRate, 2);
    expect(a.target.gauges.p50).toBeCloseTo(EXPECTED.p50, 0);
    // (p90 sits exactly on a bucket bound here, so it flips between buckets with rate noise: not checked.)
    expect(a.target.gauges.p90).toBeDefined();
    expect(a.target.gauges.p99).toBeCloseTo(EXPECTED.p99, 0);
    expect(a.control.gauges.p99).toBeCloseTo(EXPECTED.p99, 0);
    expect(sampler.source).toBe('prometheus');
  });

  it('while traffic flows, a window of samples gives rps near the sent rate, control beside target', async () => {
    const traffic = Promise.all([sendSteady(web1.url, 100, 9000), sendSteady(web2.url, 40, 9000)]);
    await new Promise((r) => setTimeout(r, 5000));
    const sampler = createPrometheusSampler({ url: prom.url, queries: {}, intervalMs: 1000, windowS: 4 }, ['web1'], ['web2']);
    const samples = [await sampler.sample()];
    for (let k = 0; k < 3; k++) {
      await new Promise((r) => setTimeout(r, 1000));
      samples.push(await sampler.sample());
    }
    await traffic;
    const w = windowOf(samples, ['web1'], ['web2'], 0.5);
    expect(w.target.rps).toBeGreaterThan(80);
    expect(w.target.rps).toBeLessThan(120);
    expect(w.control.rps).toBeGreaterThan(30);
    expect(w.control.rps).toBeLessThan(50);
    expect(w.measuredShare).toBeGreaterThan(0.62);
    expect(w.measuredShare).toBeLessThan(0.81);
    expect(w.metrics.error_rate).toBeCloseTo(EXPECTED.errorRate, 2);
    expect(w.metrics.p99).toBeCloseTo(EXPECTED.p99, 0);
    expect(w.metrics['control.error_rate']).toBeCloseTo(EXPECTED.errorRate, 2);
    expect(w.metrics.samples).toBeGreaterThan(200);
  });

  it('a metric with no data is absent, never 0; a bad query is a clear error', async () => {
    const none = createPrometheusSampler({ url: prom.url, queries: { p99: 'histogram_quantile(0.99, rate(nothing_bucket[5s]))' }, intervalMs: 1000 }, ['web1'], ['web2']);
    const s = await none.sample();
    expect(s.target.gauges.p99).toBeUndefined();
    const bad = createPrometheusSampler({ url: prom.url, queries: { p99: 'sum(' }, intervalMs: 1000 }, ['web1'], ['web2']);
    await expect(bad.sample()).rejects.toThrow(/Prometheus query for p99 failed: .*parse error/);
    const down = createPrometheusSampler({ url: 'http://127.0.0.1:1', queries: {}, intervalMs: 1000 }, ['web1'], []);
    await expect(down.sample()).rejects.toThrow(/cannot query Prometheus at http:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
  });
});
