// The controller's clock, seen from an agent: NTP-style offset and round-trip delay measured over the
// agent's own connection, so the agents' host clocks need not agree. Every step starts at a time on
// the CONTROLLER's clock (protocol.ts step-start.startAt); each agent converts it to its own clock.
//
// One exchange (the agent is the client, the controller the server; milliseconds):
//   t0  agent sends ping          (agent clock)
//   t1  controller receives it    (controller clock)
//   t2  controller sends pong     (controller clock)
//   t3  agent receives pong       (agent clock)
// offset θ = ((t1 − t0) + (t2 − t3)) / 2   = controller clock − agent clock
// delay  δ = (t3 − t0) − (t2 − t1)         = time on the wire, both ways
// Whatever the split of δ between the two directions (both ≥ 0), the true offset lies within
// θ ± δ/2: that is the error bound, and it is why the estimate is taken from the sample(s) with the
// least delay (a sample delayed by a busy event loop or a queue on the wire is skewed by up to half
// of that delay; the quickest exchange is the least skewed). Samples within `toleranceMs` of the
// least delay count as ties; their offsets' median is the estimate, so one odd tie cannot move it.
// Clocks drift (tens of ppm: ~0.1 ms over a few minutes), so the wiring re-measures before each step.
// Agents should read their clock as performance.timeOrigin + performance.now() (monotonic, unlike
// Date.now(), which NTP on the agent's host may step mid-run).

export interface ClockSample {
  /** Agent clock: ping sent. */
  t0: number;
  /** Controller clock: ping received. */
  t1: number;
  /** Controller clock: pong sent. */
  t2: number;
  /** Agent clock: pong received. */
  t3: number;
}

export interface ClockEstimate {
  /** Controller clock − agent clock, ms. */
  offsetMs: number;
  /** Round-trip delay of the sample(s) the estimate came from, ms. */
  delayMs: number;
  /** The true offset lies within offsetMs ± errorMs (= delayMs / 2). */
  errorMs: number;
  /** Valid samples seen, and how many tied for the least delay. */
  samples: number;
  used: number;
}

/** Offset and delay of one exchange; undefined when the times are not finite or contradict each other. */
export function measureSample(s: ClockSample): { offsetMs: number; delayMs: number } | undefined {
  const { t0, t1, t2, t3 } = s;
  if (![t0, t1, t2, t3].every(Number.isFinite)) return undefined;
  // The agent's round trip cannot be shorter than the controller's hold time, nor run backwards.
  if (t3 < t0 || t2 < t1) return undefined;
  const delayMs = t3 - t0 - (t2 - t1);
  if (delayMs < 0) return undefined;
  return { offsetMs: (t1 - t0 + (t2 - t3)) / 2, delayMs };
}

/**
 * The offset estimate from the least-delay sample(s); undefined when no sample is valid.
 * `toleranceMs` (default 0.05 ms): how close to the least delay a sample must be to count as a tie.
 */
export function estimateOffset(samples: readonly ClockSample[], toleranceMs = 0.05): ClockEstimate | undefined {
  const valid = samples.map(measureSample).filter((m): m is { offsetMs: number; delayMs: number } => m !== undefined);
  if (valid.length === 0) return undefined;
  const least = Math.min(...valid.map((m) => m.delayMs));
  const ties = valid.filter((m) => m.delayMs <= least + toleranceMs);
  const offsets = ties.map((m) => m.offsetMs).sort((a, b) => a - b);
  const mid = offsets.length >> 1;
  const offsetMs = offsets.length % 2 === 1 ? offsets[mid]! : (offsets[mid - 1]! + offsets[mid]!) / 2;
  // Ties' delays differ by at most the tolerance: the bound takes the largest of them.
  const delayMs = Math.max(...ties.map((m) => m.delayMs));
  return { offsetMs, delayMs, errorMs: delayMs / 2, samples: valid.length, used: ties.length };
}

/** A time on the controller's clock (e.g. a step's startAt) on the agent's clock. */
export function controllerToLocal(controllerMs: number, est: Pick<ClockEstimate, 'offsetMs'>): number {
  return controllerMs - est.offsetMs;
}

/** A time on the agent's clock on the controller's clock. */
export function localToController(localMs: number, est: Pick<ClockEstimate, 'offsetMs'>): number {
  return localMs + est.offsetMs;
}

/**
 * Whether an estimate is good enough to start steps together: its error bound within `maxErrorMs`
 * (the wiring's choice; a few ms is far below a step's warm-up, which absorbs the misalignment).
 * The message says what was measured, for an agent's rejection line.
 */
export function checkClock(est: ClockEstimate | undefined, maxErrorMs: number): { ok: boolean; message: string } {
  if (est === undefined) return { ok: false, message: 'no valid clock sample (times missing or running backwards)' };
  const ok = est.errorMs <= maxErrorMs;
  const line = `clock offset ${est.offsetMs.toFixed(2)}ms ± ${est.errorMs.toFixed(2)}ms (least round trip ${est.delayMs.toFixed(2)}ms of ${est.samples} samples)`;
  return { ok, message: ok ? line : `${line}: error bound > ${maxErrorMs}ms` };
}
