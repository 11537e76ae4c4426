// The metric catalog: which source measures what, and the messages for what it cannot.
import { describe, expect, it } from 'vitest';
import { capabilities, splitMetricKey, unmeasurableReason } from '../../src/slo/metric-catalog.js';

describe('splitMetricKey', () => {
  it.each([
    ['p99', { control: false, base: 'p99' }],
    ['control.error_rate', { control: true, base: 'error_rate' }],
    ['p99{buy}', { control: false, base: 'p99', request: 'buy' }],
  ])('%s', (k, parts) => expect(splitMetricKey(k)).toEqual(parts));
});

describe('measurable metrics per source', () => {
  const gen = capabilities('generate', { requests: ['buy', 'list'] });
  const hap = capabilities('haproxy');
  const prom = capabilities('prometheus', { queries: ['p95', 'bogus'] });
  const scrape = capabilities('scrape');
  const scrapeCtl = capabilities('scrape', { hasControl: true });
  const ok = undefined;
  it.each([
    // generate: everything the generator measures itself, per request too; no control group
    [gen, 'p999', ok],
    [gen, 'throughput', ok],
    [gen, 'offered_rps', ok],
    [gen, 'p99{buy}', ok],
    [gen, 'rps{list}', ok],
    [gen, 'queue', "'queue' cannot be measured by generated traffic; measurable: p50, p90, p95, p99, p999, max, mean_latency, error_rate, throughput, rps, offered_rps"],
    [gen, 'throughput{buy}', "'throughput{buy}': 'throughput' is not measured per request (per request: p50, p90, p95, p99, p999, max, mean_latency, error_rate, rps)"],
    [gen, 'p99{byu}', "'p99{byu}': no request named 'byu', did you mean 'buy'? (requests: 'buy', 'list')"],
    [gen, 'control.p99', "'control.p99': control.* metrics exist only in shift mode (live traffic)"],
    // haproxy: averages, errors, rates, queue, share; control group too (not share)
    [hap, 'mean_latency', ok],
    [hap, 'queue', ok],
    [hap, 'share', ok],
    [hap, 'control.queue', ok],
    [hap, 'control.share', "'control.share' cannot be measured by HAProxy stats; measurable: control.mean_latency, control.error_rate, control.rps, control.queue"],
    [hap, 'p50', "'p50' cannot be measured by HAProxy stats (HAProxy reports averages only: use mean_latency); measurable: mean_latency, error_rate, rps, queue, share"],
    [hap, 'p99{buy}', "'p99{buy}': per-request metrics exist only in generate mode"],
    // prometheus: p50/p90/p99, errors, rps, plus any metric a query is given for
    [prom, 'p99', ok],
    [prom, 'p95', ok],
    [prom, 'control.p95', ok],
    [prom, 'p999', "'p999' cannot be measured by Prometheus (or add metrics.prometheus.queries.p999); measurable: p50, p90, p99, error_rate, rps, p95"],
    // scrape: histogram percentiles; control group only with control URLs
    [scrape, 'p999', ok],
    [scrape, 'mean_latency', ok],
    [scrape, 'max', "'max' cannot be measured by the /metrics scrape; measurable: p50, p90, p95, p99, p999, mean_latency, error_rate, rps"],
    [scrape, 'control.p99', "'control.p99': the /metrics scrape cannot see the control group (add metrics.scrape.control URLs)"],
    [scrapeCtl, 'control.p99', ok],
  ])('%#: %s', (caps, key, reason) => expect(unmeasurableReason(key as string, caps)).toBe(reason));
});
