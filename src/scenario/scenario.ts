// The validated, normalized scenario: what `loadScenario` returns and everything downstream reads.
// Units are normalized here once: durations in milliseconds, percentages as fractions (1% → 0.01),
// loads in requests/s (generate) or multiples of the fair share (shift). YAML spelling lives only
// in src/scenario/ (snake_case keys there, camelCase here).
import type { SloRule } from '../slo/slo.js';
import type { RequestTemplate } from '../workload/template.js';
import type { CaptureSpec } from '../workload/session/capture.js';

export interface Scenario {
  name: string;
  /** Absolute path of the file it was loaded from, when it came from a file. */
  file?: string;
  /** `--set` overrides applied on top of the file, as given (`load.max=800`), in order; absent when none. */
  overrides?: string[];
  traffic: GenerateTrafficSpec | ShiftTrafficSpec;
  /**
   * Data feeders by name (`data:`; generate mode), in the order written; absent when none. Their
   * files were read and checked when the scenario was loaded; open one with openFeeder
   * (src/workload/data/feeder.ts).
   */
  data?: Record<string, DataSpec>;
  /** Live metrics source (shift mode). Generate mode measures its own traffic and ignores this. */
  metrics?: MetricsSourceSpec;
  load: LoadSpec;
  /** Judged on every step, after warm-up; a breach fails the step. */
  slo: SloRule[];
  /**
   * Checked continuously during every step (warm-up included); a breach stops the run at once.
   * Written in the file as the stopping condition (`error_rate > 20%`) and stored negated
   * (`op` '<='), so — as for `slo` and `guard` — evaluateSlos' breaches are what matters; `text`
   * keeps the user's wording.
   */
  abort: SloRule[];
  /** Shift mode: rules on the control group (`control.*`); a breach aborts and restores at once. */
  guard: SloRule[];
  /**
   * `services:` dependencies judged at every step beside the targets (both modes), each with its own
   * metrics source and SLOs; absent when none. A breach of any fails the step.
   */
  services?: ServiceSpec[];
  report: ReportSpec;
  gate: GateSpec;
  /** Values to mask as `***` in every output (secret headers, URL credentials, values from ${ENV}). */
  secrets: string[];
}

/** How a feeder hands out rows: in file order (wrapping), at random (with replacement), or each at most once. */
export type DataOrder = 'sequential' | 'random' | 'unique';

/** One `data:` entry: `users: { csv: data/users.csv, order: unique }`. */
export interface DataSpec {
  /** The key under `data:`, as templates name it (`{{ users.email }}`). */
  name: string;
  format: 'csv' | 'jsonl';
  /** Absolute path (a relative path in the file is relative to the scenario file's folder). */
  file: string;
  /** Default 'sequential'. */
  order: DataOrder;
  /**
   * What the file held when the scenario was loaded: its column names (CSV header, or every JSONL
   * key) — for templates to check `{{ users.email }}` at load time — and its number of rows.
   */
  columns: string[];
  rows: number;
  /** Columns with a value a header cannot carry (CR, LF, NUL, past U+00FF): the first such row, by column; absent when none. */
  headerUnsafe?: Record<string, string>;
}

export interface RequestSpec {
  name: string;
  /** Upper-case HTTP method. */
  method: string;
  /** Path and query, beginning with '/'. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Relative weight in the mix; > 0. */
  weight: number;
  /**
   * The fields with `{{ … }}` holes, parsed and checked at load time (src/workload/); absent when
   * none has one. `path`, `headers` and `body` above then hold the template text as written (the
   * request's default name, what `plan` and the reports show).
   */
  template?: RequestTemplate;
}

/** One `traffic.sessions` entry. */
export interface SessionSpec {
  name: string;
  /** Relative weight among sessions; > 0. */
  weight: number;
  steps: SessionStepSpec[];
}

export interface SessionStepSpec {
  /** Index into GenerateTrafficSpec.requests. */
  request: number;
  /** Think time before this step (after the previous one finished), ms: uniform in [min, max]; absent: none. */
  think?: { minMs: number; maxMs: number };
  /** Values this step's response gives later steps (src/workload/session/capture.ts). */
  captures: CaptureSpec[];
  /**
   * `continue_on_failure: true`: when this step fails (an error status, a timeout or connection
   * error) the session goes on to its next step, and is counted as failed when it ends. Absent
   * (the default): a failed step ends its session. Never with captures (later steps would miss them).
   */
  continueOnFailure?: true;
}

export interface GenerateTrafficSpec {
  kind: 'generate';
  /** Origin of the target: scheme://host[:port], no path. */
  target: string;
  /**
   * The weighted mix. Names are unique among written requests; replayed requests (`replay`) all
   * share the replay's name, and the generator records requests of one name together.
   */
  requests: RequestSpec[];
  /** Set when the mix comes from an access log (`traffic.replay`). */
  replay?: ReplaySpec;
  /**
   * `traffic.sessions`: each arrival starts one session, picked by weight, which runs its steps in
   * order. Each step is a request of `requests` (by index: stats, names and clients are shared with
   * the request machinery); `requests` then holds every step of every session, in order.
   */
  sessions?: SessionSpec[];
  arrival: 'poisson' | 'uniform';
  /** Past this many requests in flight a send is dropped and counted as a `dropped` error. */
  maxInFlight: number;
  timeoutMs: number;
  /** Keep-alive connections to the target (per worker). */
  connections: number;
  /** Generator worker threads; 'auto' = chosen from the core count. */
  workers: number | 'auto';
  /** Inclusive HTTP status ranges counted as errors; default [[500, 599]]. */
  errorStatuses: Array<[number, number]>;
  /** Accept untrusted TLS certificates (off by default). */
  insecure: boolean;
  /**
   * The HTTP client on the hot path: 'lean' (default), our HTTP/1.1 client over plain sockets
   * (traffic/generator/http1-pool.ts), or 'undici', undici's Pool (costs more CPU per request).
   */
  client?: 'lean' | 'undici';
  /**
   * Wake for each 1 ms send slot from a helper thread (default true), or with setTimeout (false:
   * ~0.7 ms later on average, and that wait lands in corrected latency). Not a scenario key: for
   * the benchmark's comparison and library users who cannot start threads.
   */
  preciseTicks?: boolean;
}

export interface ShiftTrafficSpec {
  kind: 'shift';
  shifter: HaproxyShifterSpec | CommandShifterSpec;
  limits: ShiftLimits;
  /** Where the original weights are journaled before the first change. */
  journalFile: string;
  /** The kill switch: while a run goes, this file appearing ends it (`loadtest stop`). Default `<journal>.stop`. */
  stopFile: string;
}

/** One HAProxy load-balancer node: its runtime API and the backend whose servers are weighted. */
export interface HaproxyNodeSpec {
  /** Unix socket path of the stats socket (level admin) … */
  socket?: string;
  /** … or host:port of a TCP stats socket. Exactly one of socket/address is set. */
  address?: string;
  backend: string;
  /** The servers under test; the rest of the backend is the control group. */
  servers: string[];
}

/**
 * The HAProxy shifter. The single-map form is one node (the fields above); the list form sets
 * `nodes` (every node, the first repeated in the fields above) and the same weights go to each.
 */
export interface HaproxyShifterSpec extends HaproxyNodeSpec {
  type: 'haproxy';
  nodes?: HaproxyNodeSpec[];
}

export interface CommandShifterSpec {
  type: 'command';
  servers: string[];
  /** All servers of the pool (targets + control), used to compute shares. */
  pool: string[];
  /** Shell command templates with {server} and {weight} placeholders. */
  getWeight: string;
  setWeight: string;
}

export interface ShiftLimits {
  /** Highest share of the backend's traffic the targets may get (fraction). */
  maxShare?: number;
  /** Largest change of one server's weight in one step. */
  maxWeightStep?: number;
}

export type MetricsSourceSpec =
  | HaproxyStatsSpec
  | {
      type: 'prometheus';
      url: string;
      /** PromQL per metric name; `{server}`/`{servers}` and `{window}` are filled in. Defaults from templates. */
      queries: Record<string, string>;
      intervalMs: number;
    }
  | {
      type: 'scrape';
      /** The target's own /metrics URL (and optionally the control group's). */
      url: string;
      controlUrls: string[];
      /** Histogram metric name, e.g. http_request_duration_seconds. */
      histogram: string;
      intervalMs: number;
    };

/**
 * HAProxy `show stat` as a metrics source. At the top level it takes no settings (it reads the
 * shifter's own socket and backend); a service names its own socket (or address) and backend, and
 * optionally the servers to sum (default: the whole backend).
 */
export interface HaproxyStatsSpec {
  type: 'haproxy';
  socket?: string;
  address?: string;
  backend?: string;
  servers?: string[];
}

/** One `services:` entry: a dependency judged at every step (its own metrics and SLOs). */
export interface ServiceSpec {
  /** Unique among services; not 'targets' (the word reports use for the servers under test). */
  name: string;
  /** A service's own source: haproxy (with socket/address and backend), prometheus, or scrape (no control URLs). */
  metrics: MetricsSourceSpec;
  /** Judged like the top-level `slo` (same windows, persist and min_samples); never control.* rules. */
  slo: SloRule[];
}

export interface LoadSpec {
  /** 'rps' in generate mode; 'share' (multiple of the fair share, `1x`) in shift mode. */
  unit: 'rps' | 'share';
  start: number;
  /** Additive step; exactly one of step/factor is set. */
  step?: number;
  /** Geometric factor (> 1). */
  factor?: number;
  max: number;
  stepDurationMs: number;
  /** Start of each step left out of the SLO judgement; < stepDurationMs. */
  warmupMs: number;
  /** After the first failing step, bisect until pass/fail are within this fraction; undefined = no refinement. */
  refine?: number;
  /** Shift mode: judge each step over windows of this length; a breach must persist (`persist` windows). */
  windowMs?: number;
  persist?: number;
  /** Shift mode: minimum samples (requests) per window for a verdict; fewer → inconclusive. */
  minSamples?: number;
}

export interface ReportSpec {
  json?: string;
  junit?: string;
  markdown?: string;
  html?: string;
  /** JSONL step log; default: next to the JSON report, `<name>.steps.jsonl`. */
  log?: string;
  history?: string;
}

export interface GateSpec {
  /** Fail with BELOW_MIN when the maximum servable load is below this (requests/s). */
  expectMin?: number;
  /** Path of a baseline JSON report to compare against. */
  baseline?: string;
  /** Allowed capacity drop against the baseline (fraction). */
  maxRegression?: number;
  /** Allowed latency increase at a shared load (fraction). */
  maxLatencyRegression?: number;
}

/** Access-log formats `traffic.replay.format` reads (workload/replay/log-formats.ts). */
export type ReplayLogFormat = 'combined' | 'haproxy' | 'jsonl';

/**
 * `traffic.replay`: the request mix built from an access log. Its distinct requests are the
 * generator's `requests` (weight = how often the log has each, most frequent first), all under one
 * name (`name`), so stats stay one histogram however many paths the log has. This keeps what the
 * log held, for `plan`, `validate` and the run's warnings.
 */
export interface ReplaySpec {
  /** The log's path as shown in messages (relative to the working directory when it was given relative). */
  file: string;
  format: ReplayLogFormat;
  /**
   * `mix`: a weighted mix at the step's rate, with the scenario's arrival process. `ordered`: the
   * log's requests in their recorded order at their recorded times, time-scaled so the log's mean
   * rate becomes the step's rate (its bursts and lulls kept), looping when it runs out.
   */
  mode: 'mix' | 'ordered';
  /** Methods replayed; other requests in the log are left out (counted in `excluded`). */
  methods: string[];
  /** The request name every replayed request is recorded under (`p99{replay}`). */
  name: string;
  /** Non-blank lines read. */
  lines: number;
  /** Lines that record no request; the first of them, for the message. */
  skipped: number;
  firstSkipped?: { line: number; text: string; why: string };
  /** Requests left out by method, per method. */
  excluded: Record<string, number>;
  /** Requests kept (the mix's total weight). */
  requests: number;
  /** Distinct (method, path+query) in the mix. */
  distinct: number;
  /** `mode: ordered`: the log as a timed sequence. */
  trace?: ReplayTrace;
}

/**
 * A log's requests in recorded time order: entry i sends request `index[i]` (an index into the
 * spec's `requests`) at `atMs[i]` ms of log time from the first. Requests logged within one tick of
 * the log's clock (1 s in nginx's `$time_local`) are spread evenly over it, in log order.
 */
export interface ReplayTrace {
  index: Uint32Array;
  atMs: Float64Array;
  /** Log time of one loop: first to last entry plus one tick of the log's clock; > 0. */
  spanMs: number;
  /** The log's own mean rate: entries per second of span. */
  recordedRps: number;
  /** The log clock's tick (ms): 1000 for whole seconds, 1 for milliseconds. */
  resolutionMs: number;
}
