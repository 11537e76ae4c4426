// The run as Prometheus metrics: the exposition text after each kind of event, checked line by line
// and linted by promtool (Debian's, beside prometheus) — and the --metrics-listen address parser.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/controller/events.js';
import { createHistogram, encodeHistogram } from '../../src/metrics/histogram.js';
import { bucketBounds, createRunMetrics } from '../../src/report/prometheus-metrics.js';
import { parseListenAddress } from '../../src/report/metrics-endpoint.js';
import { UsageError } from '../../src/errors.js';
import type { RunResult, StepResult } from '../../src/result.js';
import type { Scenario } from '../../src/scenario/scenario.js';
import { parseSlo } from '../../src/slo/parse.js';

const fixture = (name: string): RunResult => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')) as RunResult;
const scenario = {
  name: 'shop "main"',
  traffic: { kind: 'generate' },
  load: { unit: 'rps' },
  slo: ['p99 < 250ms', 'error_rate < 1%', 'p50{buy} < 40ms', 'p99 < 1s'].map(parseSlo),
} as unknown as Scenario;

/** A step whose histogram holds 1000 requests: 1 ms, 2 ms, … 1000 ms. */
function step(index: number, verdict: StepResult['verdict'], load: number): StepResult {
  const h = createHistogram();
  for (let i = 1; i <= 1000; i++) h.recordValue(i * 1000);
  const s = fixture('generate-baseline').steps[index]!;
  return { ...s, index, verdict, load, sent: 1000, errorCount: 3, histogram: encodeHistogram(h), generator: { ...s.generator!, sendLagP99Ms: 0.8, cpuPercent: 45, limited: false, dropped: 2 } };
}

const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

function promtool(text: string): string {
  try {
    return execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    return String((err as { stdout?: string; stderr?: string }).stdout) + String((err as { stderr?: string }).stderr);
  }
}

describe('run metrics (Prometheus text format)', () => {
  it('follows the run: level, live rates and latency, finished steps, the final capacity', () => {
    const m = createRunMetrics();
    const emit = (e: RunEvent) => m.listener(e);
    expect(value(m.render(), 'loadtest_running')).toBe(0);
    emit({ type: 'run-start', scenario, startedAt: '', plannedSteps: 10, worstCaseMs: 1 });
    emit({ type: 'step-start', index: 0, level: 100, phase: 'ramp', description: '100 rps', durationMs: 4000 });
    emit({ type: 'step-progress', index: 0, level: 100, progress: { elapsedMs: 2000, phase: 'measure', metrics: { p50: 20, p90: 25, p99: 31, error_rate: 0.002 }, offeredRps: 99, achievedRps: 97, inFlight: 4 } });
    let t = m.render();
    expect(t).toContain('loadtest_run_info{scenario="shop \\"main\\"",mode="generate",level_unit="rps"} 1\n');
    expect([value(t, 'loadtest_running'), value(t, 'loadtest_step'), value(t, 'loadtest_level'), value(t, 'loadtest_step_phase{phase="ramp"}')]).toEqual([1, 1, 100, 1]);
    expect([value(t, 'loadtest_offered_rps'), value(t, 'loadtest_achieved_rps'), value(t, 'loadtest_error_ratio'), value(t, 'loadtest_in_flight')]).toEqual([99, 97, 0.002, 4]);
    expect([value(t, 'loadtest_latency_seconds{quantile="0.5"}'), value(t, 'loadtest_latency_seconds{quantile="0.99"}')]).toEqual([0.02, 0.031]);
    expect(value(t, 'loadtest_request_duration_seconds_count')).toBe(0);
    expect(t).not.toContain('loadtest_capacity_rps');

    emit({ type: 'step-end', step: step(0, 'pass', 100) });
    emit({ type: 'step-start', index: 1, level: 200, phase: 'ramp', description: '200 rps', durationMs: 4000 });
    emit({ type: 'step-end', step: step(1, 'fail', 200) });
    t = m.render();
    // two steps of 1..1000 ms: 250 of each at or below 250 ms (the SLO's threshold is a bucket bound)
    expect(value(t, 'loadtest_request_duration_seconds_bucket{le="0.25"}')).toBe(500);
    expect(value(t, 'loadtest_request_duration_seconds_bucket{le="0.04"}')).toBe(80);
    expect(value(t, 'loadtest_request_duration_seconds_bucket{le="+Inf"}')).toBe(2000);
    expect(value(t, 'loadtest_request_duration_seconds_count')).toBe(2000);
    expect(value(t, 'loadtest_request_duration_seconds_sum')).toBeCloseTo(2 * 500.5, 0);
    expect([value(t, 'loadtest_steps_total{verdict="pass"}'), value(t, 'loadtest_steps_total{verdict="fail"}'), value(t, 'loadtest_steps_total{verdict="inconclusive"}')]).toEqual([1, 1, 0]);
    expect([value(t, 'loadtest_requests_total'), value(t, 'loadtest_errors_total')]).toEqual([2000, 6]);
    expect([value(t, 'loadtest_highest_passed_rps'), value(t, 'loadtest_lowest_failed_rps')]).toEqual([100, 200]);
    expect([value(t, 'loadtest_generator_send_lag_p99_seconds'), value(t, 'loadtest_generator_cpu_cores'), value(t, 'loadtest_generator_limited'), value(t, 'loadtest_generator_dropped_total')]).toEqual([0.0008, 0.45, 0, 4]);
    // between steps the live gauges of the last step are gone until the next one reports
    expect(t).not.toContain('loadtest_offered_rps');

    const result = fixture('generate-baseline');
    emit({ type: 'run-end', result });
    t = m.render();
    expect(value(t, 'loadtest_running')).toBe(0);
    expect(value(t, 'loadtest_capacity_rps')).toBe(900);
    expect(t).toContain('loadtest_capacity_info{verdict="found"} 1\n');
    expect(value(t, 'loadtest_capacity_resolution_ratio')).toBeCloseTo(0.0278, 3);
    expect(promtool(t)).toBe('');
  });

  it('with traffic.sessions the load gauges say sessions/s, in the run info and every HELP that names the load', () => {
    const help = (text: string, name: string) => text.split('\n').find((l) => l.startsWith(`# HELP ${name} `))!;
    const run = (sc: Scenario) => {
      const m = createRunMetrics();
      m.listener({ type: 'run-start', scenario: sc, startedAt: '', plannedSteps: 10, worstCaseMs: 1 });
      m.listener({ type: 'step-start', index: 0, level: 100, phase: 'ramp', description: '100 sessions/s', durationMs: 4000 });
      m.listener({ type: 'step-end', step: step(0, 'pass', 100) });
      m.listener({ type: 'step-start', index: 1, level: 200, phase: 'ramp', description: '200 sessions/s', durationMs: 4000 });
      m.listener({ type: 'step-end', step: step(1, 'fail', 200) });
      m.listener({ type: 'run-end', result: fixture('generate-baseline') });
      return m.render();
    };
    const sessions = { ...scenario, traffic: { kind: 'generate', sessions: [{ name: 'buyer', weight: 1, steps: [] }] } } as unknown as Scenario;
    const t = run(sessions);
    expect(t).toContain('level_unit="sessions"} 1\n');
    const loadGauges = ['loadtest_level', 'loadtest_highest_passed_rps', 'loadtest_lowest_failed_rps', 'loadtest_capacity_rps'];
    for (const name of loadGauges) {
      expect(help(t, name), name).toContain('sessions');
      expect(help(t, name), name).not.toContain('requests/s');
    }
    expect(help(t, 'loadtest_capacity_rps')).toBe('# HELP loadtest_capacity_rps Maximum servable load found by the run (sessions/s: sessions started per second, traffic.sessions); see loadtest_capacity_info for whether it is a bound.');
    // Rates of requests stay requests: offered and achieved are sends and responses.
    expect(help(t, 'loadtest_requests_total')).toContain('Requests sent');
    expect(promtool(t)).toBe('');
    // Without sessions: requests/s, as before.
    const r = run(scenario);
    expect(r).toContain('level_unit="rps"} 1\n');
    for (const name of loadGauges) expect(help(r, name), name).not.toContain('session');
    expect(help(r, 'loadtest_capacity_rps')).toContain('(requests/s)');
  });

  it('adds the latency SLO thresholds to the buckets, in order, once', () => {
    expect(bucketBounds(scenario)).toEqual([0.001, 0.0025, 0.005, 0.01, 0.025, 0.04, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  });
});

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }],
    [':9464', { host: '0.0.0.0', port: 9464 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    ['localhost:9100', { host: 'localhost', port: 9100 }],
  ])('%s', (v, want) => expect(parseListenAddress(v)).toEqual(want));

  it.each(['9464', '127.0.0.1', '127.0.0.1:99999', 'http://127.0.0.1:9464', '127.0.0.1:port', ''])('%j is refused with one line naming the flag', (v) => {
    expect(() => parseListenAddress(v)).toThrow(UsageError);
    expect(() => parseListenAddress(v)).toThrow(`--metrics-listen: expected host:port such as 127.0.0.1:9464 (or :9464 for every interface), got "${v}"`);
  });
});
