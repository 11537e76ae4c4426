// Traffic: the one thing the controller drives. A generator (synthetic HTTP) and a shifter
// (live traffic through a load balancer) look the same: "hold this level for this long, give me stats".
import type { ProbeReading, StepProgress, StepStats } from '../metrics/step-stats.js';

export interface StepRequest {
  index: number;
  /** Level in plan units: requests/s (generate) or multiple of the fair share (shift). */
  level: number;
  durationMs: number;
  /** The first warmupMs are driven but left out of the returned stats. */
  warmupMs: number;
  /** Aborting ends the step early: traffic stops within a second and the partial stats are returned. */
  signal: AbortSignal;
  /** Called about every 250–1000 ms with running figures (progress display, abort rules). */
  onProgress?: (p: StepProgress) => void;
  /**
   * Generate mode: the SLOs' latency thresholds (ms) whose exceedances the step counts per slice of
   * its judged window (StepStats.batches), so the verdict can see how the window varied.
   */
  tailThresholdsMs?: number[];
  /**
   * Generate mode, distributed runs (src/agents/): this process sends one agent's part of a larger
   * schedule. `startAt` is the step's start on this process's clock (performance.timeOrigin +
   * now(), ms), kept even when it has passed (the late sends then show as send lag); `seed` is
   * the agent's schedule seed; `phase` its uniform phase in [0, 1) of the whole schedule's spacing.
   */
  schedule?: { startAt: number; seed: number; phase: number };
}

export interface Traffic {
  readonly kind: 'generate' | 'shift';
  /**
   * Called once before the first step. Generator: checks the target answers (fails fast with one
   * clear line). Shifter: checks the socket/level/algorithm and journals the original weights.
   * Throws LoadtestError.
   */
  prepare(signal: AbortSignal): Promise<void>;
  /** Human description of a level, e.g. "400 rps" or "1.50x (weight 96/256, share 37%)". */
  describe(level: number): string;
  /**
   * Generate mode: sends one request (the first of the mix, as prepare() did) and says how it went;
   * never throws. The controller probes with it after a step that did not pass, until the service
   * has drained what that step left queued (controller/settle.ts). Absent where traffic cannot be
   * paused (shift mode: live traffic) or probed from here (distributed agents, the simulator).
   */
  probe?(signal: AbortSignal): Promise<ProbeReading>;
  /** With probe(): the reading of prepare()'s check, the service at rest (before any step). */
  readonly atRest?: ProbeReading;
  /** Holds the level for durationMs and resolves with the judged window's stats (partial if aborted). */
  runStep(step: StepRequest): Promise<StepStats>;
  /**
   * Stops all traffic and puts back anything changed (weights). Idempotent, safe to call from a
   * signal handler or twice at once; never throws (problems are returned as messages).
   */
  close(): Promise<string[]>;
}
