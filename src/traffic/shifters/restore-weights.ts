// Putting original weights back, with retries: a stats socket can vanish for a moment (HAProxy
// reloading, a restarted LB), so each failed `set weight` is retried with backoff until a deadline
// before we give up and leave the journal for `loadtest restore`.

export interface RestoreOutcome {
  /** True when every server got its original weight back. */
  ok: boolean;
  /** One line per server restored or failed, for the user. */
  messages: string[];
}

export interface RestoreOptions {
  /** Give up after this long (ms); default 20 s. */
  deadlineMs?: number;
  /** First retry delay (ms), doubled up to 2 s. */
  firstDelayMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sets every server in `weights` with `set`, retrying each failure until the deadline. Never throws. */
export async function restoreWeights(
  weights: Record<string, number>,
  set: (server: string, weight: number) => Promise<void>,
  opts: RestoreOptions = {},
): Promise<RestoreOutcome> {
  const deadline = Date.now() + (opts.deadlineMs ?? 20_000);
  let delay = opts.firstDelayMs ?? 250;
  const pending = new Map(Object.entries(weights));
  const messages: string[] = [];
  let lastError = new Map<string, string>();
  for (let attempt = 1; ; attempt++) {
    const failed = new Map<string, string>();
    for (const [server, w] of pending) {
      try {
        await set(server, w);
        messages.push(`restored ${server} weight ${w}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
      } catch (e) {
        failed.set(server, e instanceof Error ? e.message : String(e));
      }
    }
    for (const s of [...pending.keys()]) if (!failed.has(s)) pending.delete(s);
    lastError = failed;
    if (pending.size === 0) return { ok: true, messages };
    if (Date.now() + delay > deadline) break;
    await sleep(delay);
    delay = Math.min(2000, delay * 2);
  }
  for (const [server, err] of lastError) messages.push(`could NOT restore ${server} to weight ${weights[server]}: ${err}`);
  return { ok: false, messages };
}
