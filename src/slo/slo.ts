// SLO rules: `[control.]metric[{request}] op value[unit]`, e.g. `p99 < 250ms`, `error_rate < 1%`,
// `control.error_rate < 0.5%`, `p99{buy} < 400ms`. Parsed in slo/parse.ts; judged in slo/evaluate.ts.

export type Comparator = '<' | '<=' | '>' | '>=';

export interface SloRule {
  /** The rule as the user wrote it, quoted in verdicts and errors. */
  text: string;
  /** Metric key in StepMetrics, including scope and request: `p99`, `control.p99`, `p99{buy}`. */
  metric: string;
  op: Comparator;
  /** In the metric's base unit: milliseconds for latency, fraction for rates and throughput. */
  threshold: number;
}

export interface Breach {
  slo: string;
  metric: string;
  threshold: number;
  /** Measured value; null when the metric was missing (counts as a breach only where stated). */
  value: number | null;
  /** Set when the rule is a dependency's (`services:`): its name. `slo` then reads `db-a: error_rate < 1%` in a step's breaches. */
  service?: string;
}

export type StepVerdict = 'pass' | 'fail' | 'inconclusive';
