// Live metrics samplers (shift mode): what a metrics source (HAProxy `show stat`, Prometheus, a
// direct /metrics scrape) says about the target and the control group AT ONE MOMENT. Window stats
// are computed by diffing two samples (counters) and averaging the gauges between them: see window.ts.

/** Cumulative histogram: upper bound in ms (Infinity last) → requests at or below it. */
export interface Bucket {
  le: number;
  count: number;
}

/** One group's counters and gauges at a moment. Counters are cumulative since some origin. */
export interface GroupSnapshot {
  /** Requests served (cumulative). Absent when the source has no counters (Prometheus gauges). */
  requests?: number;
  /** Failed requests (cumulative): 5xx, plus connection/response errors where the source sees them. */
  errors?: number;
  /** Error breakdown (cumulative) by StepStats ErrorClass, where the source has one. */
  errorClasses?: Record<string, number>;
  /** Responses by status code or class ("200", "5xx" …), cumulative, where the source has them. */
  statusCodes?: Record<string, number>;
  /** Cumulative latency histogram (sums of the group's servers' buckets). */
  buckets?: Bucket[];
  /** Sum of latencies in ms (cumulative), with `requests` gives the mean. */
  latencySumMs?: number;
  /**
   * Values at this moment, averaged over a window: queue, mean_latency (HAProxy rtime), or a
   * source's own windowed figures (Prometheus: rps, error_rate, p50, p99 …). SLO metric names.
   */
  gauges: Record<string, number>;
}

export interface GroupSample {
  /** When it was taken: ms on a monotonic clock (performance.now()). */
  at: number;
  target: GroupSnapshot;
  control: GroupSnapshot;
  /** Every server of the pool, per balancer node, where the source has them (HAProxy): for the load-balancing findings. */
  servers?: ServerCounter[];
}

/** One server on one balancer node at a moment: its weight, status and requests (cumulative). */
export interface ServerCounter {
  server: string;
  /** The balancer node (its socket or address) when there are several. */
  node?: string;
  weight: number;
  status: string;
  requests: number;
}

export interface Sampler {
  readonly source: 'haproxy' | 'prometheus' | 'scrape';
  /** Reads the source once. Throws LoadtestError when the source cannot be read. */
  sample(): Promise<GroupSample>;
  /** How often sampling is useful (the source's own resolution), ms. */
  readonly intervalMs: number;
}
