// What one step measured: the contract between Traffic (generator or shifter) and the controller.
import type { BalanceFinding } from '../analysis/balance.js';
import type { LatencySummary } from './histogram.js';

/** Classes of failed requests. `http` = an error status (per traffic.error_status). */
export type ErrorClass = 'http' | 'timeout' | 'refused' | 'reset' | 'dropped' | 'dns' | 'tls' | 'protocol' | 'other';

/**
 * The flat metric map SLO rules are judged against. Keys are SLO metric names:
 *   p50 p90 p95 p99 p999 max mean_latency  (milliseconds)
 *   error_rate throughput                  (fractions; throughput = achieved / offered)
 *   rps offered_rps                        (requests/s)
 *   queue share                            (shift mode: HAProxy qcur; measured share of backend traffic)
 * per request name: `p99{buy}`, `error_rate{buy}`; control group (shift mode): `control.p99`, …
 * A metric the source cannot measure is absent (never 0).
 */
export type StepMetrics = Record<string, number>;

export interface RequestNameStats {
  name: string;
  count: number;
  errors: number;
  latencyMs: LatencySummary;
}

/** The generator's own health during the judged window: how well it kept its schedule. */
export interface GeneratorHealth {
  /** How late sends left against their intended time. */
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  /** perf_hooks.monitorEventLoopDelay p99 (max across workers). */
  eventLoopDelayP99Ms: number;
  /** Generator CPU (user+sys) as a percentage of one core, summed over workers. */
  cpuPercent: number;
  /** Generator CPU microseconds per request sent. */
  cpuUsPerRequest: number;
  /** Sends dropped at the in-flight cap. */
  dropped: number;
  /** Highest number of requests in flight at once. */
  peakInFlight: number;
  workers: number;
  /** True when the generator, not the service, limited this step (see reasons). */
  limited: boolean;
  /** Human-readable, with the measured value and the threshold, e.g. "send lag p99 48ms > 10ms". */
  reasons: string[];
  /** Observations that decide nothing, shown as warnings on a step that did not pass (e.g. requests waited for connections). */
  notes?: string[];
}

/** Shift mode: what a live metrics source saw for one group of servers. */
export interface LiveGroupStats {
  servers: string[];
  rps: number;
  errorRate: number;
  meanLatencyMs?: number;
  p50Ms?: number;
  p99Ms?: number;
  queue?: number;
  /** Requests counted in the window. */
  samples: number;
}

export interface LiveStats {
  /** Current weight of every server of the backend. */
  weights: Record<string, number>;
  /** Share of the backend's traffic the targets were meant to get, and really got. */
  expectedShare: number;
  measuredShare: number;
  target: LiveGroupStats;
  control?: LiveGroupStats;
  source: 'haproxy' | 'prometheus' | 'scrape';
  /**
   * Load-balancing findings over the judged window (analysis/balance.ts): each server's share of its
   * node's traffic against the share its weight gives, flagged when off. HAProxy only.
   */
  balance?: BalanceFinding[];
}

/**
 * What a dependency's metrics source (`services:`) saw over a step's judged window, measured beside
 * the step by the controller's ServiceMonitor, in the same flat metric names as the targets'.
 */
export interface ServiceStats {
  name: string;
  source: 'haproxy' | 'prometheus' | 'scrape';
  /** The whole judged window: rps, error_rate, samples, and what the source has (p99, mean_latency, queue …); {} when unmeasured. */
  metrics: StepMetrics;
  /** The judged window cut into `load.window` sub-windows (shift mode with windows), for "breach must persist". */
  windows?: StepMetrics[];
  /** Failed requests counted in the window (the error rate's numerator, where the source counts requests). */
  errorCount: number;
  /** Set when nothing could be measured: the source failed, or gave fewer than two samples in the window. */
  missing?: string;
}

export interface StepStats {
  /** The load asked for, in plan units (rps, or multiple of fair share). */
  level: number;
  startedAt: string;
  /** Length of the judged window (after warm-up), ms. */
  durationMs: number;
  /** True when the step was cut short (abort rule, interruption, a data feeder ran out). */
  partial: boolean;
  /**
   * `traffic.sessions`: the sessions that arrived in the judged window, by outcome, and their rate
   * (the level's unit); `achievedRps` stays requests/s.
   */
  sessions?: { started: number; completed: number; failed: number; cut: number; startedPerSecond: number; completedPerSecond: number };
  /** Set when a `unique` data feeder ran out during the step (the step stopped there): the line saying so. */
  dataExhausted?: string;
  /** Scheduled sends per second in the judged window. */
  offeredRps: number;
  /** Responses received (any status) per second in the judged window. */
  achievedRps: number;
  /** Requests whose send time fell in the judged window. */
  sent: number;
  /** Responses received (any status). */
  completed: number;
  errors: Partial<Record<ErrorClass, number>>;
  errorCount: number;
  /** errorCount / (sent that finished one way or another). */
  errorRate: number;
  statusCodes: Record<string, number>;
  bytesReceived: number;
  /** Corrected: from each request's intended send time. */
  latencyMs: LatencySummary;
  /** Uncorrected: from the actual send. */
  latencyUncorrectedMs: LatencySummary;
  byRequest: RequestNameStats[];
  /** Flat metric map for SLO evaluation (whole judged window). */
  metrics: StepMetrics;
  /** Shift mode: the judged window cut into sub-windows, for "breach must persist". */
  windows?: StepMetrics[];
  generator?: GeneratorHealth;
  live?: LiveStats;
  /** Base64 HDR histogram (corrected, µs) for later merging/comparison; optional. */
  histogram?: string;
  /**
   * Generate mode: the judged window in equal slices by intended send time (traffic/generator/
   * batches.ts), for the verdict to see how the window varied: finished requests and errors per
   * slice, the requests with a latency and their mean, and per SLO latency threshold how many were
   * slower than it.
   */
  batches?: StepBatches;
}

export interface StepBatches {
  finished: number[];
  errors: number[];
  latencyN: number[];
  latencyMeanMs: number[];
  above: Array<{ thresholdMs: number; counts: number[] }>;
}

/** A live snapshot during a step, for progress display and abort rules. */
export interface StepProgress {
  elapsedMs: number;
  phase: 'warmup' | 'measure';
  /**
   * Running metrics: during the warm-up, of the warm-up (display only); after it, of the judged
   * window so far, with the step's own definitions (stats.ts buildStepStats).
   */
  metrics: StepMetrics;
  /**
   * Generate mode, after the warm-up: the judged window's counts so far, so abort rules can be judged
   * as certain whatever the requests still in flight turn out to be (analysis/abort-rules.ts).
   */
  counts?: { scheduled: number; finished: number; completed: number; errors: number; inFlight: number };
  offeredRps: number;
  achievedRps: number;
  inFlight: number;
}

/** One probe request's outcome: its latency (ms, from the send to the whole response) and status, or the error that ended it. */
export interface ProbeReading {
  latencyMs: number;
  /** The response's status; absent when the request failed (error set). */
  status?: number;
  /** The failure's class (generator/classify.ts: timeout, refused, reset …); absent when a response came. */
  error?: string;
  /** An error, or a status the scenario counts as one (traffic.error_status). */
  failed: boolean;
}
