// Knowing its own limit: decides, from what the generator measured about itself during the judged
// window, whether the generator (not the service) limited the step. A limited step is inconclusive,
// never a capacity. Pure: a table of measured values in, a verdict and human reasons out.
//
// Judged against the schedule the generator actually drew, never against the nominal rate: the
// engine sends every send its (Poisson or uniform) schedule drew, late if it must, so a Poisson
// realisation 2% under the asked rate is ordinary randomness, not a limit; lateness is.
// Rules (defaults in DEFAULT_HEALTH_THRESHOLDS):
//   1. send lag p99 > 10 ms: sends left more than 10 ms after their intended time for over 1% of
//      requests; the drawn schedule was not kept.
//   2. event-loop delay p99 > 20 ms (worst thread): the generator thread was too busy to serve
//      its timers and sockets on time, so its latency figures include its own queueing.
//   3. a saturated thread: CPU ≥ 90% of a core per generator thread — whatever it measured next is
//      suspect, as its reads and writes wait for it.
//   4. requests queued inside the generator (more in flight than connections) or dropped at its
//      in-flight cap while it was falling behind (send lag p99 > 3 ms): its own backlog, not the
//      service's, may be in the corrected latency — unless the service held the connections: when
//      the requests it held at once, on average (Little's law: the latency from the write summed
//      over the window, divided by the window), fill HELD_BY_SERVICE of them, the queue is the
//      service's spilling onto our side, and a few ms of lateness did not make it. Seen for real:
//      HAProxy `maxconn 8` at 475 r/s (capacity 386), 474 requests waiting for 64 connections the
//      service held (p99 from the write 179 ms), send lag p99 3.9 ms: "limited", and re-run.
// Notes (connectionNote) say what may have shaped a step without deciding anything: more requests in
// flight than connections means some waited for a free connection, inside the generator.
// Sends dropped at the in-flight cap are NOT a generator limit by themselves: the cap fills when
// the service answers slowly (in-flight = rate × latency), so they count as `dropped` errors against
// the service. Only when rule 1 or 2 also fires are they blamed on the generator (they are then
// mentioned in the reasons).

export interface HealthMeasured {
  /** The rate asked for (requests/s); for messages only: Poisson draws vary around it. */
  askedRps: number;
  /** Scheduled sends per second in the judged window (sent + dropped); for messages only. */
  offeredRps: number;
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  /** Worst thread's event-loop delay p99. */
  eventLoopDelayP99Ms: number;
  /** Process CPU as % of one core. */
  cpuPercent: number;
  workers: number;
  /** Connections per worker. */
  connections: number;
  dropped: number;
  sent: number;
  /** Most requests in flight at once (sent, not yet answered). */
  peakInFlight?: number;
  /**
   * Requests the service held at once, on average over the judged window: the latency from the
   * write (what the server saw), summed over the window's requests, divided by the window.
   */
  serviceConcurrency?: number;
}

/** Share of the connections the service must hold on average for a queue inside the generator to be the service's (rule 4). */
export const HELD_BY_SERVICE = 0.8;

export interface HealthThresholds {
  sendLagP99Ms: number;
  eventLoopDelayP99Ms: number;
  /** CPU per generator thread (% of one core) at which the thread is saturated. */
  saturatedCpuPercent: number;
  /** Send lag p99 above which a queue inside the generator counts as its own backlog. */
  backlogLagP99Ms: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  sendLagP99Ms: 10,
  eventLoopDelayP99Ms: 20,
  saturatedCpuPercent: 90,
  backlogLagP99Ms: 3,
};

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function remedy(m: HealthMeasured): string {
  const perThreadCpu = m.cpuPercent / Math.max(1, m.workers);
  const cpu = `generator CPU ${m.cpuPercent.toFixed(0)}% of one core`;
  if (perThreadCpu >= 80) return `${cpu}: add workers (traffic.workers) if cores are free, or run the generator on another machine`;
  // Lagging while mostly idle: the thread waited for a CPU that other processes held.
  return `${cpu}, so the machine is busy with other work (the generator waited for a CPU): run it on a quieter or bigger machine`;
}

export function judgeGeneratorHealth(
  m: HealthMeasured,
  thresholds: Partial<HealthThresholds> = {},
): { limited: boolean; reasons: string[] } {
  const t = { ...DEFAULT_HEALTH_THRESHOLDS, ...thresholds };
  const reasons: string[] = [];
  if (m.sendLagP99Ms > t.sendLagP99Ms) {
    reasons.push(
      `send lag p99 ${ms(m.sendLagP99Ms)}ms > ${t.sendLagP99Ms}ms (max ${ms(m.sendLagMaxMs)}ms): the generator could not keep its schedule; ${remedy(m)}`,
    );
  }
  if (m.eventLoopDelayP99Ms > t.eventLoopDelayP99Ms) {
    reasons.push(
      `event-loop delay p99 ${ms(m.eventLoopDelayP99Ms)}ms > ${t.eventLoopDelayP99Ms}ms: the generator thread was too busy to time requests; ${remedy(m)}`,
    );
  }
  const perThreadCpu = m.cpuPercent / Math.max(1, m.workers);
  if (perThreadCpu >= t.saturatedCpuPercent) {
    reasons.push(`generator thread saturated: CPU ${perThreadCpu.toFixed(0)}% of a core per thread (≥ ${t.saturatedCpuPercent}%); ${remedy(m)}`);
  }
  const total = m.connections * Math.max(1, m.workers);
  const queued = (m.peakInFlight ?? 0) > total;
  const heldByService = m.serviceConcurrency !== undefined && m.serviceConcurrency >= HELD_BY_SERVICE * total;
  if (reasons.length === 0 && !heldByService && m.sendLagP99Ms > t.backlogLagP99Ms && (queued || m.dropped > 0)) {
    const what = queued ? `up to ${m.peakInFlight} requests waited inside it for ${total} connections` : `${m.dropped} sends were dropped at its in-flight cap`;
    reasons.push(`generator backlog: ${what} while its sends ran late (send lag p99 ${ms(m.sendLagP99Ms)}ms > ${t.backlogLagP99Ms}ms); ${remedy(m)}`);
    return { limited: true, reasons };
  }
  if (reasons.length > 0 && m.dropped > 0) {
    reasons.push(
      `${m.dropped} sends dropped at the in-flight cap while the generator was overloaded; raise traffic.max_in_flight or traffic.connections (${m.connections} per worker) only after fixing the above`,
    );
  }
  return { limited: reasons.length > 0, reasons };
}

/**
 * When more requests were in flight than there were connections, the rest waited in the generator
 * for a free one, and that wait is part of their corrected latency. That is the service's doing
 * when it is saturated (its queue then simply starts on our side), but an artefact of
 * `traffic.connections` when the service could have taken more requests at once. The generator
 * cannot tell which, so this is a note for a step that did not pass, not a limit.
 */
export function connectionNote(m: Pick<HealthMeasured, 'connections' | 'workers'> & { peakInFlight: number }): string | undefined {
  const total = m.connections * Math.max(1, m.workers);
  if (m.peakInFlight <= total) return undefined;
  return (
    `up to ${m.peakInFlight} requests were in flight over ${total} connections: the rest waited in the generator for a free one, ` +
    'and that wait is in their corrected latency; if the service can take more requests at once, ' +
    'raise traffic.connections (needed ≈ rate × latency) and rerun'
  );
}
