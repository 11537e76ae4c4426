// Load-balancing findings (shift mode): did each server receive the share of traffic its weight
// should give it? A region test is meant to find the imbalances a balancer hides: a server that gets
// twice its share (a stuck connection pool, a leastconn backend favouring a fast-failing server),
// one that gets none, one that was down or in maintenance before the test began.
//
// The claim "server s is off its share" is a statistical one. Over a window of N requests a server
// with weight share p receives, if the balancer picked servers at random by weight, a binomial count
// with standard deviation √(N·p·(1−p)). Round-robin splits far more evenly than that, so the binomial
// spread is a conservative yardstick: a server is flagged only when its share is off by more than
// the relative `tolerance` (default 20%) AND by more than Z_FLAG (4) binomial standard deviations. A
// server that was to receive fewer than MIN_EXPECTED requests is never flagged: there is nothing to
// tell from so few.
//
// Pure: the shifter reads HAProxy's per-server counters; this decides.

/** One server's traffic over a window, on one balancer node. */
export interface ServerTraffic {
  server: string;
  /** The balancer node it was read on (several nodes: each node's split is judged on its own). */
  node?: string;
  weight: number;
  /** Requests the server received in the window. */
  requests: number;
  /** HAProxy status (UP, DOWN, MAINT, DRAIN, NOLB, "UP 1/3" …); undefined = not known. */
  status?: string;
}

export interface BalanceFinding {
  server: string;
  node?: string;
  weight: number;
  requests: number;
  /** The share of the node's requests its weight should give (0..1). */
  expectedShare: number;
  /** The share it received (0..1). */
  actualShare: number;
  /** actual / expected (Infinity when a server with no weight received traffic). */
  ratio: number;
  /** Why it is flagged; undefined = within its share. */
  flag?: string;
}

export interface BalanceOptions {
  /** Relative deviation of the share tolerated (0.2 = ±20%). */
  tolerance?: number;
}

export const DEFAULT_BALANCE_TOLERANCE = 0.2;
/** Binomial standard deviations a share must be off by to be flagged (≈ 1 in 16,000 by chance per server). */
export const Z_FLAG = 4;
/** Requests a server was to receive before its share can be judged. */
export const MIN_EXPECTED = 50;

/** True when HAProxy's status says the server takes no new traffic. */
export function isOutOfService(status: string | undefined): boolean {
  return status !== undefined && /^(DOWN|MAINT|DRAIN|NOLB)\b/i.test(status.trim());
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

/**
 * Each server's expected and received share of its node's traffic, flagged when off by more than
 * the tolerance and Z_FLAG binomial standard deviations (see the file header).
 */
export function balanceFindings(servers: ServerTraffic[], options: BalanceOptions = {}): BalanceFinding[] {
  const tolerance = options.tolerance ?? DEFAULT_BALANCE_TOLERANCE;
  const byNode = new Map<string, ServerTraffic[]>();
  for (const s of servers) {
    const key = s.node ?? '';
    const list = byNode.get(key) ?? [];
    list.push(s);
    byNode.set(key, list);
  }
  const out: BalanceFinding[] = [];
  for (const list of byNode.values()) {
    const live = (s: ServerTraffic): boolean => s.weight > 0 && !isOutOfService(s.status);
    const totalWeight = list.filter(live).reduce((a, s) => a + s.weight, 0);
    const total = list.reduce((a, s) => a + s.requests, 0);
    for (const s of list) {
      const expectedShare = totalWeight > 0 && live(s) ? s.weight / totalWeight : 0;
      const actualShare = total > 0 ? s.requests / total : 0;
      const ratio = expectedShare > 0 ? actualShare / expectedShare : actualShare > 0 ? Infinity : 1;
      const f: BalanceFinding = { server: s.server, weight: s.weight, requests: s.requests, expectedShare, actualShare, ratio };
      if (s.node !== undefined) f.node = s.node;
      const flag = flagFor(s, expectedShare, actualShare, total, tolerance);
      if (flag) f.flag = flag;
      out.push(f);
    }
  }
  return out;
}

function flagFor(s: ServerTraffic, expected: number, actual: number, total: number, tolerance: number): string | undefined {
  if (isOutOfService(s.status)) return `${s.status}: takes no traffic`;
  if (expected === 0) return undefined; // weight 0 by choice: nothing expected of it
  if (total * expected < MIN_EXPECTED) return undefined;
  const sd = Math.sqrt((expected * (1 - expected)) / total);
  const off = actual - expected;
  if (Math.abs(off) <= tolerance * expected || Math.abs(off) <= Z_FLAG * sd) return undefined;
  const more = off > 0 ? 'more' : 'less';
  return `received ${pct(actual)} of the traffic, its weight gives ${pct(expected)} (${Math.round(Math.abs(actual / expected - 1) * 100)}% ${more})`;
}
