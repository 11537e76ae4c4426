// When the generator's notes (GeneratorHealth.notes: more requests in flight than connections)
// deserve a warning. Pure: decided from the run's steps, tested by table.
//
// Requests waiting for a free connection inflate corrected latency whoever caused the wait. If the
// service was saturated, its own time per request (uncorrected latency, from the write) rose too:
// its queue merely continued on our side, and the breach is the service's. If the service's time
// stayed near what it was at the run's lightest load, the queueing was ours — too few connections
// for rate × latency — and the breach may be an artefact worth a warning.
import type { StepResult } from '../result.js';

/** The service's time may grow this much over the run's lowest and still count as "unchanged" … */
const SLOWER_FACTOR = 2;
/** … plus this much, so a sub-millisecond baseline does not make noise look like a change. */
const SLOWER_SLACK_MS = 1;

type Step = Pick<StepResult, 'verdict' | 'completed' | 'latencyUncorrectedMs' | 'generator'>;

/** True when `step` did not pass, has generator notes, and the service's p50 from the write stayed near the run's lowest. */
export function warnGeneratorNotes(step: Step, earlier: readonly Step[]): boolean {
  if (step.verdict === 'pass' || !step.generator?.notes?.length || step.completed <= 0) return false;
  const own = step.latencyUncorrectedMs.p50;
  let lowest = own;
  for (const s of earlier) if (s.completed > 0 && s.latencyUncorrectedMs.p50 < lowest) lowest = s.latencyUncorrectedMs.p50;
  return own <= lowest * SLOWER_FACTOR + SLOWER_SLACK_MS;
}
