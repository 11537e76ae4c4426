// How many requests of a name one arrival sends, on average: what turns "an SLO on `read` needs 381
// `read` requests in a judged window" into the arrivals — requests, or sessions — a step must hold,
// so the step plan stretches low-rate steps enough (controller/step-plan.ts) and `plan` does not
// promise a step that cannot show the rule met.
import type { GenerateTrafficSpec } from '../scenario/scenario.js';

/**
 * Requests named `name` (every request when `name` is undefined) that one arrival sends, on average.
 * A request mix: the share, by weight, of the mix's requests with that name (1 for the whole mix;
 * replayed requests all share one name). Sessions: the steps with that name in each session, weighted
 * by session weight — a session of three steps sends three requests, a step only buyers run comes
 * from their share of sessions. For sessions it is an upper bound: a failed step ends its session,
 * and a session still running when its step ends sends its later steps in no judged window.
 * 0 when no request has the name.
 */
export function requestsPerArrival(traffic: Pick<GenerateTrafficSpec, 'requests' | 'sessions'>, name?: string): number {
  return perArrival(traffic, (i) => name === undefined || traffic.requests[i]?.name === name);
}

/**
 * Requests one arrival sends, on average, of those `counts` picks (by index in `traffic.requests`):
 * a mix's weight share of them; with sessions, the picked steps per session weighted by session
 * weight. What requestsPerArrival and rowsPerArrival (request-data.ts) both count.
 */
export function perArrival(traffic: Pick<GenerateTrafficSpec, 'requests' | 'sessions'>, counts: (request: number) => boolean): number {
  const share = (items: readonly { weight: number }[], per: (i: number) => number): number => {
    const total = items.reduce((n, x) => n + x.weight, 0);
    return total > 0 ? items.reduce((n, x, i) => n + x.weight * per(i), 0) / total : 0;
  };
  const sessions = traffic.sessions;
  if (sessions) return share(sessions, (i) => sessions[i]!.steps.filter((st) => counts(st.request)).length);
  return share(traffic.requests, (i) => (counts(i) ? 1 : 0));
}
