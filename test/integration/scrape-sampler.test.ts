// The scrape sampler against services exposing a real Prometheus histogram of known shape: bucket
// increases between scrapes give the error rate and percentiles; a restarted service (counters
// back to zero) is a reset, not a negative rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScrapeSampler } from '../../src/metrics/samplers/scrape-sampler.js';
import { windowOf } from '../../src/metrics/samplers/window.js';
import { EXPECTED, sendSteady, startHistogramServer, type HistogramServer } from '../helpers/prometheus.js';

describe('scrape sampler (service /metrics)', () => {
  let web1: HistogramServer;
  let web2: HistogramServer;
  beforeAll(async () => {
    web1 = await startHistogramServer();
    web2 = await startHistogramServer();
  });
  afterAll(async () => {
    await Promise.all([web1?.close(), web2?.close()]);
  });

  const sampler = () =>
    createScrapeSampler({ targetUrls: [web1.metricsUrl], controlUrls: [web2.metricsUrl], histogram: 'http_request_duration_seconds', intervalMs: 1000 });

  it('rps, error rate and percentiles of the traffic between two scrapes', async () => {
    await sendSteady(web1.url, 50, 400); // history before the window must not count
    const s = sampler();
    const a = await s.sample();
    await Promise.all([sendSteady(web1.url, 200, 2000), sendSteady(web2.url, 100, 2000)]);
    const b = await s.sample();
    const w = windowOf([a, b], ['web1'], ['web2'], 2 / 3);
    expect(w.target.samples).toBe(400);
    expect(w.control.samples).toBe(200);
    expect(w.target.errorRate).toBeCloseTo(EXPECTED.errorRate, 9);
    expect(w.target.p50Ms).toBeCloseTo(EXPECTED.p50, 6);
    expect(w.target.p99Ms).toBeCloseTo(EXPECTED.p99, 6);
    expect(w.target.meanLatencyMs).toBeCloseTo(0.9 * 8 + 0.1 * 80, 6);
    expect(w.measuredShare).toBeCloseTo(2 / 3, 9);
    expect(w.target.rps).toBeGreaterThan(100); // 400 requests over ~2 s (generous: the clock includes scrapes)
    expect(w.metrics['control.p99']).toBeCloseTo(EXPECTED.p99, 6);
  });

  it('a restarted service (counters back to 0) counts as a reset, not a negative rate', async () => {
    const s = sampler();
    await sendSteady(web1.url, 200, 1000);
    const a = await s.sample();
    web1.reset(); // the service restarted: every counter is 0 again
    await sendSteady(web1.url, 100, 500);
    const b = await s.sample();
    const w = windowOf([a, b], ['web1'], ['web2'], 0.5);
    expect(w.target.samples).toBe(50); // the new value is the increase since the reset
    expect(w.target.rps).toBeGreaterThan(0);
    expect(w.target.errorRate).toBeGreaterThanOrEqual(0);
  });

  it('a URL without the histogram or not answering is a clear error', async () => {
    const wrong = createScrapeSampler({ targetUrls: [web1.metricsUrl], controlUrls: [], histogram: 'nope_seconds', intervalMs: 1000 });
    await expect(wrong.sample()).rejects.toThrow(/exposes no histogram nope_seconds \(no nope_seconds_bucket series, no TYPE line\)/);
    const down = createScrapeSampler({ targetUrls: ['http://127.0.0.1:1/metrics'], controlUrls: [], histogram: 'x', intervalMs: 1000 });
    await expect(down.sample()).rejects.toThrow(/scraping http:\/\/127\.0\.0\.1:1\/metrics failed: ECONNREFUSED/);
  });
});
