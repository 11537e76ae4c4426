// The run's result: what the controller returns, the JSON report's schema (version 1), and the
// only input reporters see. Field names here are a public contract: add, never rename.
import type { ServiceStats, StepStats } from './metrics/step-stats.js';
import type { RuleHeadroom } from './analysis/bottleneck.js';
import type { Breach, StepVerdict } from './slo/slo.js';
import type { CapacityModel } from './analysis/capacity-model.js';

export const REPORT_SCHEMA = 'loadtest.report';
export const REPORT_SCHEMA_VERSION = 1;

export interface StepResult extends StepStats {
  /** 0-based order in which steps ran. */
  index: number;
  /** 'ramp' while rising, 'refine' while bisecting between the last pass and the first fail. */
  phase: 'ramp' | 'refine';
  /** The load of this step in requests/s: the level tested (generate; offeredRps is the rate its schedule drew) or the served rate (shift). */
  load: number;
  verdict: StepVerdict;
  /** SLOs (and abort/guard rules) this step breached. */
  breaches: Breach[];
  /** Why the step is inconclusive (generator limited, too few samples …). */
  inconclusiveReasons: string[];
  /**
   * Inconclusive steps only: 'limited' when the evidence was spoilt (the generator could not drive
   * the load, a metric was missing, the step was cut short), 'undecided' when it was too thin to
   * decide (an SLO too close to its limit for the requests measured). Absent in older reports.
   */
  inconclusiveKind?: 'limited' | 'undecided';
  /**
   * A re-run of an undecided level: the indexes of the earlier steps at this level whose requests
   * were pooled with this step's for its verdict (its own figures are its own).
   */
  pooledWith?: number[];
  /** Undecided steps: about how many requests (at this step's burstiness) would decide it. */
  samplesNeeded?: number;
  /**
   * `services:`: each dependency's metrics over this step's judged window and its own verdict (the
   * step's verdict and breaches include theirs, breaches as `db-a: error_rate < 1%`). Absent without services.
   */
  services?: ServiceStepResult[];
  /**
   * Generate mode, after a step that did not pass: how the controller waited, before this step, for
   * the service to drain what that step left queued (controller/settle.ts). Absent otherwise.
   */
  settled?: SettleRecord;
}

/** The wait for the service to drain before a step (controller/settle.ts, analysis/drained.ts). */
export interface SettleRecord {
  /** From the first probe's send to the last one's answer (ms). */
  waitedMs: number;
  /** Probes sent, one at a time. */
  probes: number;
  /** The first and the last probe's latency (ms). */
  firstMs: number;
  lastMs: number;
  /** The latency at rest it was held to (ms) and the limit that counted as at rest. */
  restMs: number;
  limitMs: number;
  /** False when the wait ran out (settle's cap, or the run was interrupted) before the service answered as at rest. */
  drained: boolean;
  /** Not drained: how the last probe ended when it got no response (timeout, refused …) or an error status. */
  lastError?: string;
}

/** One dependency at one step: what its source measured, and its verdict. */
export interface ServiceStepResult extends ServiceStats {
  verdict: StepVerdict;
  /** Breaches of its rules (`slo` as written, without the service's name). */
  breaches: Breach[];
  inconclusiveReasons: string[];
}

export type RunStatus = 'completed' | 'aborted' | 'failed';

export type StopReason =
  | 'slo-breach' // the search found the boundary
  | 'max-reached' // every step up to load.max passed
  | 'inconclusive' // the generator (or live metrics) could not give a trustworthy verdict
  | 'abort-rule' // an `abort:` rule tripped
  | 'guard' // a `guard:` rule on the control group tripped (shift mode)
  | 'interrupted' // SIGINT/SIGTERM/SIGHUP
  | 'stopped' // shift mode: the kill switch (`loadtest stop` created the stop file)
  | 'data-exhausted' // a `unique` data feeder had no row left
  | 'error'; // a runtime failure

export interface Capacity {
  /** Highest passing load in requests/s; null when no step passed. */
  maxServableLoad: number | null;
  /** Plan level of that step (rps, or multiple of fair share in shift mode). */
  level: number | null;
  unit: 'rps';
  levelUnit: 'rps' | 'share';
  /** SLO texts breached at the first failing load; [] when none failed. */
  limitedBy: string[];
  /** Relative gap between the highest pass and the lowest fail (0.05: the truth is within +5% of the pass); null when no fail bracketed it. */
  resolution: number | null;
  /** Lowest failing load in requests/s; null when nothing failed. */
  firstFailingLoad: number | null;
  /**
   * The truth lies in [low, high): the highest passing and the lowest failing load (generate mode:
   * the levels tested; shift mode: the served rates measured). Absent in reports before it was added.
   */
  bracket?: { low: number | null; high: number | null };
  /** The achieved (answered) rate at the highest passing step, requests/s, shown beside the capacity. */
  achievedRps?: number;
  /**
   * found, generate mode: the loads between the highest pass and the lowest fail whose steps were
   * too close to call (near the limit bad requests come in runs), so the truth may lie anywhere in the
   * bracket; `note` says so for humans, and `decideWith` what would decide the lowest of them: the
   * requests its verdict asked for and a load.step_duration (s) whose judged window holds them.
   * Absent when no level in the bracket was undecided.
   */
  undecided?: { loads: number[]; note: string; decideWith?: { load: number; requests: number; stepDurationS: number } };
  /**
   * found: bracketed between a pass and a fail; above-max: every step passed (capacity ≥ max);
   * below-start: the first step failed; inconclusive: the generator/metrics limited the run;
   * unknown: the run ended before any verdict.
   */
  verdict: 'found' | 'above-max' | 'below-start' | 'inconclusive' | 'unknown';
  /** One line for humans: "max servable load: 812 rps (±5%), limited by p99 < 250ms". */
  summary: string;
  /**
   * With `services:`: who broke first — 'targets' or a service's name — at the lowest failing load
   * (limitedBy then lists its rules first); absent when nothing failed or without services.
   */
  bottleneck?: string;
  /** With `services:`: the other parties that broke at that same step. */
  alsoBroke?: string[];
  /** With `services:`: how far each rule of each party was from its limit at the highest passing step. */
  headroom?: RuleHeadroom[];
}

export interface GateCheck {
  name: string;
  passed: boolean;
  /**
   * 'inconclusive' when the evidence cannot decide (brackets too wide): never passed.
   * ('within-noise' appears only in reports written before the gate had three answers.)
   */
  outcome: 'pass' | 'fail' | 'inconclusive' | 'within-noise' | 'skipped';
  message: string;
}

export interface RunResult {
  schema: typeof REPORT_SCHEMA;
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'loadtest'; version: string };
  status: RunStatus;
  stopReason: StopReason;
  /** Runtime error message, when status is 'failed'. */
  error?: string;
  scenario: {
    name: string;
    file?: string;
    /** `--set` overrides applied on top of the file (`load.max=800`), in order; absent when none. */
    overrides?: string[];
    mode: 'generate' | 'shift';
    /** Target origin (generate) or backend/servers (shift), secrets masked. */
    target: string;
    slo: string[];
    abort: string[];
    guard: string[];
    /** `services:`: each dependency, its metrics source (described, secrets masked) and its rules; absent without. */
    services?: Array<{ name: string; source: string; slo: string[] }>;
    load: {
      unit: 'rps' | 'share';
      /** `traffic.sessions`: levels (and step loads, the capacity) count sessions/s; absent otherwise. */
      sessions?: true;
      start: number;
      step?: number;
      factor?: number;
      max: number;
      stepDurationMs: number;
      warmupMs: number;
      refine?: number;
    };
    /** Generate mode with `traffic.replay`: the log the mix came from and what it held. */
    replay?: {
      file: string;
      format: string;
      /** `mix` (weighted mix) or `ordered` (recorded order, time-scaled). */
      mode: string;
      methods: string[];
      /** The request name the replayed requests were recorded under. */
      name: string;
      lines: number;
      skipped: number;
      /** Requests in the mix (their total weight) and how many distinct ones. */
      requests: number;
      distinct: number;
    };
  };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  capacity: Capacity;
  steps: StepResult[];
  /** Results of --expect-min / --baseline gates, when any were asked for. */
  gate?: { passed: boolean; checks: GateCheck[] };
  /**
   * Latency-vs-load model fitted to the steps (knee, predicted SLO break loads, R², caveats): a
   * reading aid, never the answer. Optional: reporters fit it from `steps` when it is absent.
   */
  model?: CapacityModel;
  environment: { node: string; platform: string; arch: string; cpus: number; hostname: string };
  warnings: string[];
}
