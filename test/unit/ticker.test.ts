// The engine's wake-ups (ticker.ts), on the helper thread and on timers: a wake-up comes, not before
// its time, once; a newer one replaces it; cancel and close silence it; nothing keeps the process up.
import { afterEach, describe, expect, it } from 'vitest';
import { createTicker, type Ticker } from '../../src/traffic/generator/ticker.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const open: Ticker[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

describe.each([
  ['helper thread', true],
  ['timers', false],
])('ticker on %s', (_name, precise) => {
  const make = (cb: () => void): Ticker => {
    const t = createTicker(cb, precise);
    open.push(t);
    return t;
  };

  it('calls back once, not before the wake time', async () => {
    const calls: number[] = [];
    const t = make(() => calls.push(performance.now()));
    const at = performance.now() + 20;
    t.wakeAt(at);
    await sleep(150);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toBeGreaterThanOrEqual(at - 0.01);
  });

  it('a newer wake time replaces the pending one', async () => {
    const calls: number[] = [];
    const t = make(() => calls.push(performance.now()));
    const t0 = performance.now();
    t.wakeAt(t0 + 200);
    t.wakeAt(t0 + 10);
    await sleep(400);
    // The 200 ms wake-up was replaced: one call, for the 10 ms one.
    expect(calls).toHaveLength(1);
    expect(calls[0]! - t0).toBeLessThan(200);
  });

  it('cancel and close silence a pending wake-up', async () => {
    let n = 0;
    const a = make(() => n++);
    const b = make(() => n++);
    a.wakeAt(performance.now() + 20);
    b.wakeAt(performance.now() + 20);
    a.cancel();
    b.close();
    await sleep(120);
    expect(n).toBe(0);
  });

  it('keeps ticking when each call asks for the next one', async () => {
    let n = 0;
    const t = make(() => {
      if (++n < 20) t.wakeAt(performance.now() + 1);
    });
    t.wakeAt(performance.now() + 1);
    for (let i = 0; i < 100 && n < 20; i++) await sleep(20);
    expect(n).toBe(20);
  });
});
