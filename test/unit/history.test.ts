import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { historyCommand } from '../../src/cli/commands/history.js';
import { UsageError } from '../../src/errors.js';
import { evaluateGate } from '../../src/analysis/gate.js';
import { appendHistory, historyAxisLabel, historyEntry, readHistory, renderHistoryHtml, renderHistoryJson, renderHistoryTable, trend } from '../../src/report/history.js';
import type { RunResult } from '../../src/result.js';

const fixture = (name: string): RunResult => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')) as RunResult;
const root = mkdtempSync(join(tmpdir(), 'loadtest-history-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Four nightly runs: baseline, same (within noise), regressed (gate fails), recovered. */
async function nightly(dir: string): Promise<void> {
  const base = fixture('generate-baseline');
  const same = fixture('generate-same');
  const reg = fixture('generate-regressed');
  reg.gate = evaluateGate(reg, { baseline: base });
  same.gate = evaluateGate(same, { baseline: base });
  const back = fixture('generate-baseline');
  back.startedAt = '2026-11-23T02:00:00.000Z';
  const env = { GITHUB_SHA: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' };
  for (const r of [reg, base, back, same]) await appendHistory(dir, r, env); // any order: sorted by start
}

describe('history', () => {
  it('stores one small JSON file per run, atomically, never overwriting', async () => {
    const dir = join(root, 'a', 'nested');
    await nightly(dir);
    const again = await appendHistory(dir, fixture('generate-baseline'), {});
    const names = readdirSync(dir).sort();
    expect(names).toEqual([
      '2026-11-20T02-00-00-000Z_checkout-2.json',
      '2026-11-20T02-00-00-000Z_checkout.json',
      '2026-11-21T02-00-00-000Z_checkout.json',
      '2026-11-22T02-00-00-000Z_checkout.json',
      '2026-11-23T02-00-00-000Z_checkout.json',
    ]);
    expect(again).toBe(join(dir, '2026-11-20T02-00-00-000Z_checkout-2.json'));
    const entry = JSON.parse(readFileSync(join(dir, names[3]!), 'utf8'));
    expect(entry).toMatchObject({
      schema: 'loadtest.history',
      scenario: 'checkout',
      capacity: { maxServableLoad: 637.5, verdict: 'found', limitedBy: ['p99 < 250ms'] },
      p99AtMaxMs: 200.276,
      commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      gate: { passed: false },
    });
    expect(entry.gate.failed[0]).toMatch(/^baseline capacity: capacity regressed: capacity 638 rps \(failed at 650\) vs baseline 900 rps/);
  });

  it('flags gate failures and drops beyond resolution, and draws the trend', async () => {
    const dir = join(root, 'b');
    await nightly(dir);
    const { entries, skipped } = await readHistory(dir);
    expect(skipped).toEqual([]);
    const rows = trend(entries);
    expect(rows.map((r) => r.flags)).toEqual([[], [], ['gate failed', 'drop -27%'], []]);
    expect(renderHistoryTable(rows)).toMatchInlineSnapshot(`
      "#  started (UTC)     scenario  capacity  res.   change  p99 at max  limited by   gate  commit    flags
      1  2026-11-20 02:00  checkout  900 rps   ±2.8%          183ms       p99 < 250ms  —     a1b2c3d4
      2  2026-11-21 02:00  checkout  875 rps   ±2.9%  -2.8%   185ms       p99 < 250ms  pass  a1b2c3d4
      3  2026-11-22 02:00  checkout  638 rps   ±2%    -27%    200ms       p99 < 250ms  FAIL  a1b2c3d4  gate failed; drop -27%
      4  2026-11-23 02:00  checkout  900 rps   ±2.8%  +41%    183ms       p99 < 250ms  —     a1b2c3d4

      checkout: ██▆█ 638–900 rps (bars from 0)
      "
    `);
  });

  it('reads full reports too and skips what it cannot read, saying why', async () => {
    const dir = join(root, 'c');
    await nightly(dir);
    writeFileSync(join(dir, 'full.json'), JSON.stringify({ ...fixture('shift-live') }));
    writeFileSync(join(dir, 'junk.json'), '{nope');
    writeFileSync(join(dir, 'other.json'), '{"schema":"k6"}');
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const { entries, skipped } = await readHistory(dir);
    expect(entries.map((e) => e.scenario)).toEqual(['checkout', 'checkout', 'checkout', 'web1 live', 'checkout']);
    // An interrupted run is flagged as such, never as a capacity drop: its number is a lower bound.
    writeFileSync(join(dir, 'zz-aborted.json'), JSON.stringify(historyEntry(fixture('generate-aborted'))));
    const rows = trend((await readHistory(dir)).entries);
    const last = rows.find((r) => r.entry.status === 'aborted')!;
    expect(last.flags).toEqual(['aborted']);
    expect(renderHistoryTable([last])).toContain('≥ 300 rps');
    expect(skipped).toEqual([`${join(dir, 'junk.json')}: not valid JSON`, `${join(dir, 'other.json')}: not a loadtest history entry or report`]);
  });

  it('lower bounds (capped at max, interrupted) are shown as bounds, never joined into the trend', () => {
    const base = fixture('generate-baseline'); // found: 900 rps
    const capped = fixture('generate-baseline');
    capped.startedAt = '2026-11-21T02:00:00.000Z';
    capped.capacity = { ...capped.capacity, verdict: 'above-max', maxServableLoad: 1000, resolution: null, firstFailingLoad: null, limitedBy: [] };
    const aborted = fixture('generate-aborted'); // unknown, at least 300 rps (2026-11-22T05:00)
    const same = fixture('generate-same'); // found: 875 rps
    same.startedAt = '2026-11-23T02:00:00.000Z';
    const rows = trend([base, capped, aborted, same].map((r) => historyEntry(r)));
    expect(rows.map((r) => [r.bound, r.change === null ? null : Math.round(r.change * 1000) / 10])).toEqual([
      [false, null],
      [true, null],
      [true, null],
      // against the last *found* capacity (900), not against "≥ 300"
      [false, -2.8],
    ]);
    const table = renderHistoryTable(rows);
    expect(table).toContain('≥ 1000 rps');
    expect(table).toContain('≥ 300 rps');
    expect(table).toContain('checkout: █↑↑█ 875–900 rps (bars from 0; ↑ a lower bound: capped at max, interrupted or inconclusive)');

    const html = renderHistoryHtml(rows);
    const line = /<path class="series" data-name="checkout" d="([^"]+)"/.exec(html)![1]!;
    expect(line.match(/[ML]/g)).toHaveLength(2); // 900 → 875 only
    expect(html).not.toMatch(/<path class="series" data-name="checkout: at least/);
    const bounds = [...html.matchAll(/<polygon class="bound"[^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(bounds).toEqual([
      'run 2 · 2026-11-21T02:00:00.000Z · ≥ 1000 rps (a lower bound)',
      'run 3 · 2026-11-22T05:00:00.000Z · ≥ 300 rps (a lower bound) · aborted',
    ]);
    expect(JSON.parse(renderHistoryJson(rows)).map((r: { lowerBound: boolean }) => r.lowerBound)).toEqual([false, true, true, false]);
  });

  it.each([
    [[{}, {}], 'requests/s'],
    [[{ sessions: true as const }, { sessions: true as const }], 'sessions/s'],
    [[{}, { sessions: true as const }], 'requests/s or sessions/s (see each scenario)'],
  ])('the chart\'s capacity axis for %j: %s', (entries, label) => {
    expect(historyAxisLabel(entries)).toBe(label);
  });

  it('a sessions run\'s history chart says sessions/s on its axis', () => {
    const r = fixture('generate-baseline');
    const html = renderHistoryHtml(trend([{ ...historyEntry(r), sessions: true }, { ...historyEntry(fixture('generate-regressed')), sessions: true }]));
    expect(html).toContain('sessions/s');
    expect(html).not.toContain('requests/s');
  });

  it('renders an HTML chart with escaped names', () => {
    const r = fixture('generate-baseline');
    r.scenario.name = '<script>alert(1)</script>';
    const html = renderHistoryHtml(trend([historyEntry(r), historyEntry(fixture('generate-regressed'))]));
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toMatch(/<svg[^>]+id="chart-history"/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });
});

describe('historyCommand', () => {
  it('prints the table, filters and writes the chart', async () => {
    const dir = join(root, 'd');
    await nightly(dir);
    let out = '';
    const chart = join(root, 'chart.html');
    await historyCommand({ dir, format: 'markdown', last: 2, output: chart, write: (t) => (out += t) });
    expect(out.split('\n').filter((l) => l.startsWith('| ') && /^\| \d/.test(l))).toHaveLength(2);
    expect(out).toContain('| 1 | 2026-11-22 02:00 | checkout | 638 rps | ±2% | -27% | 200ms | p99 < 250ms | FAIL | a1b2c3d4 | gate failed; drop -27% |');
    expect(readFileSync(chart, 'utf8')).toContain('<svg');
  });

  it.each([
    [{ dir: join(root, 'missing') }, /history directory .*missing does not exist/],
    [{ dir: new URL(import.meta.url).pathname }, /is not a directory/],
    [{ dir: root, format: 'csv' }, /--format must be table, markdown or json \(got "csv"\)/],
    [{ dir: root, last: 0 }, /--last must be a positive whole number/],
    [{ dir: root, scenario: 'nope' }, /no runs in .* for scenario "nope"/],
  ])('rejects bad input: %o', async (o, msg) => {
    await expect(historyCommand({ format: 'table', warn: () => {}, write: () => {}, ...o } as never)).rejects.toThrow(msg);
    await expect(historyCommand({ format: 'table', warn: () => {}, write: () => {}, ...o } as never)).rejects.toBeInstanceOf(UsageError);
  });
});
