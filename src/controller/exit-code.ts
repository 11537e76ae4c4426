// The exit code of a finished run: a pure function of its result (README "Exit codes").
//   interrupted → 130; failed → 1;
//   stopped because a `unique` data feeder ran out → 5 (the search was cut short by the test data:
//     no trustworthy answer; give more rows or shorter steps);
//   inconclusive capacity → 5 unless a gate was asked for and passed anyway (the load that did pass
//     already meets --expect-min: the part the generator could not drive does not matter);
//   a failed gate → 3 (below --expect-min) or 4 (regression against --baseline), 7 when it could
//     not decide;
//   the first step already failed (capacity below anything measured) → 8;
//   otherwise 0.
// An inconclusive run never exits 3 or 4 on what it could not measure: when the generator, not the
// service, was the limit, blaming the service would be a lie; 5 says "get a trustworthy answer
// first". The one exception is a level that did fail (no level passed, the ones below it were left
// undecided): a gate that fail decides exits with the gate's code.
import { ExitCode } from '../exit-codes.js';
import type { RunResult } from '../result.js';
import { gateExitCode } from '../analysis/gate.js';

export function exitCodeFor(result: Pick<RunResult, 'status' | 'capacity' | 'gate'> & Partial<Pick<RunResult, 'stopReason'>>): number {
  if (result.status === 'aborted') return result.stopReason === 'data-exhausted' ? ExitCode.INCONCLUSIVE : ExitCode.INTERRUPTED;
  if (result.status === 'failed') return ExitCode.RUNTIME;
  const gate = gateExitCode(result.gate);
  if (result.capacity.verdict === 'inconclusive') {
    if (result.gate?.passed === true) return ExitCode.OK;
    // No level passed, but one failed above levels left undecided: that fail is the service's
    // answer, and a gate it decides (a failing level at or below --expect-min) stands.
    const failed = result.capacity.firstFailingLoad !== null && result.capacity.firstFailingLoad !== undefined;
    return failed && (gate === ExitCode.BELOW_MIN || gate === ExitCode.REGRESSION) ? gate : ExitCode.INCONCLUSIVE;
  }
  if (gate !== ExitCode.OK) return gate;
  return result.capacity.verdict === 'below-start' ? ExitCode.BELOW_START : ExitCode.OK;
}
