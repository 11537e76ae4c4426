// Which data rows a request uses. `{{ users.email }}` and `{{ users.id }}` in one request come from
// the same row: each feeder a request uses is asked for ONE row per request (Feeder.next()), when
// the engine decides to send it — not when a client writes it, which may be later (a request
// queued for a connection) — and the row travels with the request (InFlightRequest.rows) until it
// is filled (applyRows). A `unique` feeder with no row left makes the draw fail: the request is not
// sent, and the run stops with exhaustedMessage().
import type { GenerateTrafficSpec, RequestSpec } from '../scenario/scenario.js';
import type { TemplateRuntime } from './byte-template.js';
import { perArrival } from './requests-per-arrival.js';
import type { Feeder } from './data/feeder.js';
import { isHole, type TemplatePart } from './template.js';

/** The feeders (indexes into `feeders`) a request's templates use, in first-use order. */
export function feedersUsed(r: RequestSpec, feeders: readonly Pick<Feeder, 'name'>[]): number[] {
  const t = r.template;
  if (!t) return [];
  const out: number[] = [];
  const scan = (parts: readonly TemplatePart[] | undefined) => {
    for (const p of parts ?? []) {
      if (!isHole(p) || p.value.kind !== 'var') continue;
      const name = p.value.name;
      const dot = name.indexOf('.');
      const f = dot > 0 ? feeders.findIndex((x) => x.name === name.slice(0, dot)) : -1;
      if (f >= 0 && !out.includes(f)) out.push(f);
    }
  };
  scan(t.path);
  for (const h of Object.values(t.headers ?? {})) scan(h);
  scan(t.body);
  return out;
}

/**
 * Rows of feeder `name` one arrival draws, on average: a request mix one per request that uses it
 * (their share of the mix's weight); sessions one per step that uses it (the steps of each session
 * that do, weighted by session weight). For sessions it is an upper bound: a failed step ends its
 * session before its later steps draw. What `plan` multiplies the ramp's arrivals by.
 */
export function rowsPerArrival(traffic: Pick<GenerateTrafficSpec, 'requests' | 'sessions'>, name: string): number {
  const uses = traffic.requests.map((r) => feedersUsed(r, [{ name }]).length > 0);
  return perArrival(traffic, (i) => uses[i] === true);
}

/** One thread's row draws for a request list. */
export class RequestData {
  private readonly used: number[][];
  /** The feeder that ran out (a `unique` one), once a draw failed. */
  exhausted: Feeder | null = null;

  constructor(
    readonly feeders: readonly Feeder[],
    requests: readonly RequestSpec[],
  ) {
    this.used = requests.map((r) => feedersUsed(r, feeders));
  }

  /** Whether any request uses a feeder (else draw() is always null). */
  get any(): boolean {
    return this.used.some((u) => u.length > 0);
  }

  /**
   * The rows request `i` uses, as [feeder, row, feeder, row, …]; null when it uses no feeder;
   * undefined when a feeder has no row left (`exhausted` says which; the request must not be sent).
   */
  draw(i: number): number[] | null | undefined {
    const used = this.used[i];
    if (used === undefined || used.length === 0) return null;
    const rows = new Array<number>(used.length * 2);
    for (let k = 0; k < used.length; k++) {
      const f = used[k]!;
      const row = this.feeders[f]!.next();
      if (row < 0) {
        this.exhausted = this.feeders[f]!;
        return undefined;
      }
      rows[2 * k] = f;
      rows[2 * k + 1] = row;
    }
    return rows;
  }
}

/** Sets the runtime's current rows from a draw, before the request is filled. */
export function applyRows(rt: TemplateRuntime, rows: readonly number[] | null): void {
  if (rows === null) return;
  for (let k = 0; k < rows.length; k += 2) rt.rows[rows[k]!] = rows[k + 1]!;
}
