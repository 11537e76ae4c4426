// The run as Prometheus metrics (`--metrics-listen`): a RunListener that keeps the latest state of the
// run and renders it in the Prometheus text exposition format (version 0.0.4) on each scrape. It
// decides nothing: it reads the events the controller emits (levels, live progress, finished steps
// with their verdicts and HDR histograms, the final capacity), as the terminal and step log do.
// No I/O here (metrics-endpoint.ts serves it), so every line is tested as text.
import type { RunListener } from '../controller/events.js';
import { countsAtOrBelow, decodeHistogram } from '../metrics/histogram.js';
import type { StepResult } from '../result.js';
import type { Scenario } from '../scenario/scenario.js';
import { scenarioLevelUnit, type LevelUnit } from '../scenario/level-unit.js';
import { metricKind } from '../slo/parse.js';

/**
 * Latency bucket bounds in seconds: 1 ms to 10 s in 1-2.5-5 steps, the range of HTTP services; the
 * scenario's latency SLO thresholds are added, so `le="0.25"` answers `p99 < 250ms` exactly.
 */
export const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface RunMetrics {
  listener: RunListener;
  /** The exposition text of the run's state now. */
  render(): string;
}

interface Live {
  offeredRps: number;
  achievedRps: number;
  inFlight: number;
  errorRate?: number;
  quantiles: Array<[string, number]>;
  warmup: boolean;
}

export function createRunMetrics(): RunMetrics {
  let scenario: { name: string; mode: string; unit: LevelUnit } | undefined;
  let bounds = LATENCY_BUCKETS_S;
  let running = false;
  let step: { index: number; level: number; phase: 'ramp' | 'refine' } | undefined;
  let live: Live | undefined;
  // Cumulative over the finished steps (counters only grow, as Prometheus' rate() needs).
  let buckets = bounds.map(() => 0);
  let latencySumS = 0;
  let latencyCount = 0;
  let sent = 0;
  let errors = 0;
  let dropped = 0;
  const verdicts: Record<StepResult['verdict'], number> = { pass: 0, fail: 0, inconclusive: 0 };
  let highestPassed: number | undefined;
  let lowestFailed: number | undefined;
  let generator: StepResult['generator'];
  let final: { capacity: number | null; verdict: string; resolution: number | null } | undefined;

  const listener: RunListener = (e) => {
    switch (e.type) {
      case 'run-start':
        // level_unit: rps, sessions (traffic.sessions: levels count sessions started per second) or share.
        scenario = { name: e.scenario.name, mode: e.scenario.traffic.kind, unit: scenarioLevelUnit(e.scenario) };
        bounds = bucketBounds(e.scenario);
        buckets = bounds.map(() => 0);
        running = true;
        break;
      case 'step-start':
        step = { index: e.index, level: e.level, phase: e.phase };
        live = undefined;
        break;
      case 'step-progress': {
        const m = e.progress.metrics;
        live = {
          offeredRps: e.progress.offeredRps,
          achievedRps: e.progress.achievedRps,
          inFlight: e.progress.inFlight,
          ...(m['error_rate'] !== undefined ? { errorRate: m['error_rate'] } : {}),
          quantiles: (
            [
              ['0.5', m['p50']],
              ['0.9', m['p90']],
              ['0.99', m['p99']],
            ] as Array<[string, number | undefined]>
          ).filter((q): q is [string, number] => q[1] !== undefined && Number.isFinite(q[1])),
          warmup: e.progress.phase === 'warmup',
        };
        break;
      }
      case 'step-end':
        addStep(e.step);
        break;
      case 'run-end':
        running = false;
        live = undefined;
        final = { capacity: e.result.capacity.maxServableLoad, verdict: e.result.capacity.verdict, resolution: e.result.capacity.resolution };
        break;
    }
  };

  function addStep(s: StepResult): void {
    verdicts[s.verdict]++;
    sent += s.sent;
    errors += s.errorCount;
    if (s.verdict === 'pass' && !s.partial) highestPassed = Math.max(highestPassed ?? -Infinity, s.load);
    if (s.verdict === 'fail') lowestFailed = Math.min(lowestFailed ?? Infinity, s.load);
    if (s.generator) {
      generator = s.generator;
      dropped += s.generator.dropped;
    }
    if (s.histogram) {
      const h = decodeHistogram(s.histogram);
      countsAtOrBelow(h, bounds.map((b) => Math.round(b * 1e6))).forEach((n, i) => (buckets[i]! += n));
      latencySumS += (h.mean * h.totalCount) / 1e6;
      latencyCount += h.totalCount;
    }
  }

  function render(): string {
    const out = new Exposition();
    const h = helpTexts(scenario?.unit ?? 'rps');
    if (scenario) out.gauge('loadtest_run_info', 'The run: scenario name, mode and the unit of its levels (always 1).', [[{ scenario: scenario.name, mode: scenario.mode, level_unit: scenario.unit }, 1]]);
    out.gauge('loadtest_running', '1 while the run goes, 0 before it starts and once it ended.', [[{}, running ? 1 : 0]]);
    if (step) {
      out.gauge('loadtest_step', 'Number of the current (or last) step, from 1.', [[{}, step.index + 1]]);
      out.gauge('loadtest_level', h.level, [[{}, step.level]]);
      out.gauge('loadtest_step_phase', 'Phase of the current step: 1 for the phase it is in.', (['ramp', 'refine'] as const).map((p) => [{ phase: p }, step!.phase === p ? 1 : 0]));
    }
    if (live) {
      out.gauge('loadtest_warmup', '1 while the current step warms up (not judged).', [[{}, live.warmup ? 1 : 0]]);
      out.gauge('loadtest_offered_rps', 'Sends scheduled per second in the current step so far.', [[{}, live.offeredRps]]);
      out.gauge('loadtest_achieved_rps', 'Responses per second in the current step so far.', [[{}, live.achievedRps]]);
      out.gauge('loadtest_in_flight', 'Requests in flight now.', [[{}, live.inFlight]]);
      if (live.errorRate !== undefined) out.gauge('loadtest_error_ratio', 'Failed / finished requests in the current step so far.', [[{}, live.errorRate]]);
      if (live.quantiles.length) {
        out.gauge(
          'loadtest_latency_seconds',
          'Latency quantiles of the current step so far, from the intended send time.',
          live.quantiles.map(([q, ms]) => [{ quantile: q }, ms / 1000]),
        );
      }
    }
    out.histogram('loadtest_request_duration_seconds', 'Latency of the requests of the finished steps (warm-up excluded), from the intended send time.', bounds, buckets, latencySumS, latencyCount);
    out.counter('loadtest_requests_total', 'Requests sent in the judged part of the finished steps.', [[{}, sent]]);
    out.counter('loadtest_errors_total', 'Failed requests in the judged part of the finished steps.', [[{}, errors]]);
    out.counter('loadtest_steps_total', 'Finished steps by verdict.', (['pass', 'fail', 'inconclusive'] as const).map((v) => [{ verdict: v }, verdicts[v]]));
    if (highestPassed !== undefined) out.gauge('loadtest_highest_passed_rps', h.highestPassed, [[{}, highestPassed]]);
    if (lowestFailed !== undefined) out.gauge('loadtest_lowest_failed_rps', h.lowestFailed, [[{}, lowestFailed]]);
    if (generator) {
      out.gauge('loadtest_generator_send_lag_p99_seconds', 'Last finished step: p99 of how late sends left against their schedule.', [[{}, generator.sendLagP99Ms / 1000]]);
      out.gauge('loadtest_generator_event_loop_delay_p99_seconds', 'Last finished step: p99 event-loop delay of the generator.', [[{}, generator.eventLoopDelayP99Ms / 1000]]);
      out.gauge('loadtest_generator_cpu_cores', 'Last finished step: CPU the generator used, in cores (1 = one core busy).', [[{}, generator.cpuPercent / 100]]);
      out.gauge('loadtest_generator_limited', 'Last finished step: 1 when the generator, not the service, was the limit.', [[{}, generator.limited ? 1 : 0]]);
      out.counter('loadtest_generator_dropped_total', 'Sends dropped at the in-flight cap in the finished steps.', [[{}, dropped]]);
    }
    if (final) {
      out.gauge('loadtest_capacity_info', "The run's answer: its capacity verdict (always 1).", [[{ verdict: final.verdict }, 1]]);
      if (final.capacity !== null) out.gauge('loadtest_capacity_rps', h.capacity, [[{}, final.capacity]]);
      if (final.resolution !== null) out.gauge('loadtest_capacity_resolution_ratio', 'Relative gap between the highest pass and the lowest fail (0.05 = ±5%).', [[{}, final.resolution]]);
    }
    return out.text();
  }

  return { listener, render };
}

/**
 * HELP texts that name the unit of the load: with `traffic.sessions` levels, passes, fails and the
 * capacity count sessions started per second (scenario/level-unit.ts), whatever the metric's `_rps`
 * name says (kept so dashboards keep working); sends, responses and latencies stay per request.
 */
export function helpTexts(u: LevelUnit): { level: string; highestPassed: string; lowestFailed: string; capacity: string } {
  const load = u === 'sessions' ? 'sessions/s: sessions started per second, traffic.sessions' : 'requests/s';
  return {
    level:
      u === 'sessions'
        ? "Level the current step asks for, in the plan's unit: sessions started per second (traffic.sessions; each sends its steps' requests)."
        : "Level the current step asks for, in the plan's unit (requests/s, or multiple of the fair share in shift mode).",
    highestPassed: `Highest load (${load}) of a step that passed so far: the capacity is at least this.`,
    lowestFailed: `Lowest load (${load}) of a step that failed so far.`,
    capacity: `Maximum servable load found by the run (${load}); see loadtest_capacity_info for whether it is a bound.`,
  };
}

/** The default buckets plus the scenario's latency SLO thresholds (target group, in seconds). */
export function bucketBounds(scenario: Pick<Scenario, 'slo'>): number[] {
  const slo = scenario.slo
    .filter((r) => !r.metric.startsWith('control.') && metricKind(r.metric.replace(/\{.*$/, '')) === 'latency')
    .map((r) => r.threshold / 1000);
  return [...new Set([...LATENCY_BUCKETS_S, ...slo])].filter((b) => b > 0 && Number.isFinite(b)).sort((a, b) => a - b);
}

type Labels = Record<string, string>;

/** Writes metric families in the text format: HELP and TYPE once per family, escaped label values. */
class Exposition {
  private readonly lines: string[] = [];

  gauge(name: string, help: string, samples: Array<[Labels, number]>): void {
    this.family(name, help, 'gauge', samples);
  }

  counter(name: string, help: string, samples: Array<[Labels, number]>): void {
    this.family(name, help, 'counter', samples);
  }

  histogram(name: string, help: string, boundsS: readonly number[], cumulative: readonly number[], sum: number, count: number): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    boundsS.forEach((b, i) => this.lines.push(`${name}_bucket{le="${num(b)}"} ${num(cumulative[i]!)}`));
    this.lines.push(`${name}_bucket{le="+Inf"} ${num(count)}`, `${name}_sum ${num(sum)}`, `${name}_count ${num(count)}`);
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }

  private family(name: string, help: string, type: string, samples: Array<[Labels, number]>): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${labelText(labels)} ${num(value)}`);
  }
}

function labelText(labels: Labels): string {
  const kv = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return kv.length ? `{${kv.join(',')}}` : '';
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}
