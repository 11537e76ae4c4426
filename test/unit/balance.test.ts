import { describe, expect, it } from 'vitest';
import { balanceFindings, isOutOfService, type ServerTraffic } from '../../src/analysis/balance.js';

const srv = (server: string, weight: number, requests: number, status?: string, node?: string): ServerTraffic => ({
  server,
  weight,
  requests,
  ...(status ? { status } : {}),
  ...(node ? { node } : {}),
});

describe('balanceFindings', () => {
  it.each<[string, ServerTraffic[], Record<string, boolean>]>([
    ['an even split by equal weights', [srv('a', 100, 5000), srv('b', 100, 5000)], { a: false, b: false }],
    ['by weights 3:1', [srv('a', 150, 7500), srv('b', 50, 2500)], { a: false, b: false }],
    ['15% off (within the 20% tolerance)', [srv('a', 100, 5750), srv('b', 100, 4250)], { a: false, b: false }],
    ['twice its share, many requests', [srv('a', 100, 6667), srv('b', 100, 3333), srv('c', 100, 0)], { a: true, b: false, c: true }],
    ['50% off but too few requests to tell (binomial noise)', [srv('a', 100, 15), srv('b', 100, 5)], { a: false, b: false }],
    ['a weight-0 server with no traffic is fine', [srv('a', 100, 5000), srv('b', 0, 0)], { a: false, b: false }],
    ['a server in maintenance is flagged, and its weight not expected', [srv('a', 100, 5000), srv('b', 100, 0, 'MAINT')], { a: false, b: true }],
    ['DOWN with checks', [srv('a', 100, 5000), srv('b', 100, 0, 'DOWN 1/2')], { a: false, b: true }],
  ])('%s', (_name, servers, flagged) => {
    const got = Object.fromEntries(balanceFindings(servers).map((f) => [f.server, f.flag !== undefined]));
    expect(got).toEqual(flagged);
  });

  it('judges each node on its own split', () => {
    const f = balanceFindings([srv('a', 100, 5000, 'UP', 'edge1'), srv('b', 100, 5000, 'UP', 'edge1'), srv('a', 100, 9000, 'UP', 'edge2'), srv('b', 100, 1000, 'UP', 'edge2')]);
    expect(f.filter((x) => x.flag).map((x) => `${x.node}/${x.server}`)).toEqual(['edge2/a', 'edge2/b']);
    expect(f.find((x) => x.node === 'edge2' && x.server === 'a')!.flag).toMatch(/received 90% of the traffic, its weight gives 50% \(80% more\)/);
  });

  it('flags by chance about never: 2,000 random weighted splits of 2,000 requests (binomial, worse than round robin)', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let flags = 0;
    for (let run = 0; run < 2000; run++) {
      const weights = [100, 100, 50, 250];
      const counts = [0, 0, 0, 0];
      for (let i = 0; i < 2000; i++) {
        let x = rand() * 500;
        let k = 0;
        while (x >= weights[k]!) x -= weights[k++]!;
        counts[k]!++;
      }
      flags += balanceFindings(weights.map((w, i) => srv(`s${i}`, w, counts[i]!))).filter((f) => f.flag).length;
    }
    expect(flags).toBeLessThanOrEqual(2);
  });
});

describe('isOutOfService', () => {
  it.each([
    ['UP', false],
    ['UP 1/3', false],
    ['no check', false],
    ['OPEN', false],
    [undefined, false],
    ['DOWN', true],
    ['MAINT', true],
    ['MAINT (via b/s)', true],
    ['DRAIN', true],
    ['NOLB', true],
  ])('%s → %s', (status, out) => expect(isOutOfService(status)).toBe(out));
});

describe('serverTraffic: per-server requests between two samples', () => {
  it('takes each server’s increase per node, weight and status from the later sample; a reset counts from 0', async () => {
    const { serverTraffic } = await import('../../src/metrics/samplers/window.js');
    const g = { gauges: {} };
    const first = { at: 0, target: g, control: g, servers: [
      { server: 'a', node: 'e1', weight: 100, status: 'UP', requests: 1000 },
      { server: 'a', node: 'e2', weight: 100, status: 'UP', requests: 50 },
    ] };
    const last = { at: 1000, target: g, control: g, servers: [
      { server: 'a', node: 'e1', weight: 200, status: 'UP', requests: 1600 },
      { server: 'a', node: 'e2', weight: 200, status: 'MAINT', requests: 30 },
    ] };
    expect(serverTraffic(first, last)).toEqual([
      { server: 'a', node: 'e1', weight: 200, status: 'UP', requests: 600 },
      { server: 'a', node: 'e2', weight: 200, status: 'MAINT', requests: 30 },
    ]);
    expect(serverTraffic({ at: 0, target: g, control: g }, last)).toEqual([]);
  });
});

describe('balanceTable', () => {
  it('lists each flagged server once, with the steps that flagged it; nothing when none was', async () => {
    const { balanceTable } = await import('../../src/report/balance-table.js');
    const step = (index: number, balance: unknown[]) => ({ index, live: { balance } });
    const off = { server: 'b', node: 'e2', weight: 100, requests: 10, expectedShare: 0.25, actualShare: 0.05, ratio: 0.2, flag: 'received 5% of the traffic, its weight gives 25% (80% less)' };
    const fine = { server: 'a', node: 'e1', weight: 100, requests: 10, expectedShare: 0.25, actualShare: 0.25, ratio: 1 };
    const r = { steps: [step(0, [fine, off]), step(1, [fine]), step(2, [off])] } as never;
    expect(balanceTable(r)).toEqual({
      head: ['node', 'server', 'steps', 'weight', 'expected', 'received', 'finding (first step)'],
      rows: [['e2', 'b', '1,3', '100', '25%', '5%', off.flag]],
      right: [false, false, false, true, true, true, false],
    });
    expect(balanceTable({ steps: [step(0, [fine])] } as never)).toBeUndefined();
  });
});
