// The one table of exit codes. Documented in README "Exit codes"; the CLI is the only place that exits.
export const ExitCode = {
  /** The run finished and every gate passed (or there was no gate). */
  OK: 0,
  /** Runtime failure: target unreachable before the first step, socket/HAProxy errors, internal errors. */
  RUNTIME: 1,
  /** Invalid scenario, flags or arguments: nothing was sent. */
  USAGE: 2,
  /** The maximum servable load is below `--expect-min` (or no load passed at all while a minimum was required). */
  BELOW_MIN: 3,
  /** Capacity (or latency at a shared load) regressed beyond tolerance against `--baseline`. */
  REGRESSION: 4,
  /**
   * No trustworthy answer: the generator could not drive the load (or live metrics were too thin),
   * or the levels that would decide stayed too close to call (README "Exit codes").
   */
  INCONCLUSIVE: 5,
  /** Shift mode: an unrestored weight journal exists, or weights could not be restored. */
  UNRESTORED: 6,
  /**
   * A gate could not decide: the runs' capacity brackets are too wide to tell whether the drop
   * exceeds --max-regression (or the baseline has nothing to compare). Never a pass.
   */
  GATE_INCONCLUSIVE: 7,
  /** The very first step already failed its SLOs: the capacity is below anything measured (lower load.start). */
  BELOW_START: 8,
  /** Interrupted by SIGINT/SIGTERM/SIGHUP; the partial report is written and marked aborted. */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
