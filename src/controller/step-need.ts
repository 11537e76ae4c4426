// What a scenario's SLOs ask of each step's length: the proportion rule needing the most arrivals in
// a judged window, counting the requests of the rule's name each arrival sends (a `p99{read}` rule
// on a step only some sessions run needs more sessions than `read` requests). One answer for the run
// (find-capacity.ts stretches its steps with it), `plan` and `validate`, so they cannot disagree.
import { neediestRule, type RuleNeed } from '../analysis/step-verdict.js';
import type { Scenario } from '../scenario/scenario.js';
import { requestsPerArrival } from '../workload/requests-per-arrival.js';

export function stepNeed(scenario: Pick<Scenario, 'slo' | 'traffic'>): RuleNeed | undefined {
  const t = scenario.traffic;
  return t.kind === 'generate' ? neediestRule(scenario.slo, (name) => requestsPerArrival(t, name)) : neediestRule(scenario.slo);
}
