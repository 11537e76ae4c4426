// Nightly history: `--history DIR` stores one small JSON summary per run (one file per run, written
// atomically, so concurrent runs never interleave and a crash never leaves half a line);
// `loadtest history DIR` reads them back and shows the capacity trend as a table, a sparkline, or an
// HTML chart, flagging runs whose gate failed and drops beyond the runs' combined resolution.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPORT_SCHEMA, type RunResult } from '../result.js';
import { writeFileAtomic } from './atomic-write.js';
import { fmtNum, pct, signedPct } from './format.js';
import { DEFAULT_MAX_REGRESSION } from '../analysis/gate.js';
import { escapeHtml, HTML_CSS } from './html.js';
import { mdTable } from './markdown.js';
import { lineChart, sparkline } from './svg-chart.js';
import { loadLabel, reportLevelUnit } from '../scenario/level-unit.js';

export const HISTORY_SCHEMA = 'loadtest.history';

export interface HistoryEntry {
  schema: typeof HISTORY_SCHEMA;
  schemaVersion: 1;
  scenario: string;
  mode: 'generate' | 'shift';
  startedAt: string;
  durationMs: number;
  status: RunResult['status'];
  stopReason: RunResult['stopReason'];
  capacity: Pick<RunResult['capacity'], 'maxServableLoad' | 'resolution' | 'firstFailingLoad' | 'limitedBy' | 'verdict' | 'summary'>;
  /** p99 (ms) at the maximum servable load. */
  p99AtMaxMs: number | null;
  /** `traffic.sessions`: the capacity counts sessions/s (absent: requests/s). */
  sessions?: true;
  gate?: { passed: boolean; failed: string[] };
  /** The commit under test, from CI variables (GITHUB_SHA, CI_COMMIT_SHA, GIT_COMMIT). */
  commit?: string;
  toolVersion: string;
}

export function historyEntry(r: RunResult, env: Record<string, string | undefined> = {}): HistoryEntry {
  const c = r.capacity;
  const atMax = c.maxServableLoad === null ? undefined : r.steps.find((s) => s.verdict === 'pass' && s.load === c.maxServableLoad);
  const commit = env.GITHUB_SHA ?? env.CI_COMMIT_SHA ?? env.GIT_COMMIT;
  const entry: HistoryEntry = {
    schema: HISTORY_SCHEMA,
    schemaVersion: 1,
    scenario: r.scenario.name,
    mode: r.scenario.mode,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    status: r.status,
    stopReason: r.stopReason,
    capacity: {
      maxServableLoad: c.maxServableLoad,
      resolution: c.resolution,
      firstFailingLoad: c.firstFailingLoad,
      limitedBy: c.limitedBy,
      verdict: c.verdict,
      summary: c.summary,
    },
    p99AtMaxMs: atMax ? atMax.latencyMs.p99 : null,
    ...(reportLevelUnit(r) === 'sessions' ? { sessions: true as const } : {}),
    toolVersion: r.tool.version,
  };
  if (r.gate) entry.gate = { passed: r.gate.passed, failed: r.gate.checks.filter((g) => !g.passed).map((g) => `${g.name}: ${g.message}`) };
  if (commit) entry.commit = commit.slice(0, 40);
  return entry;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'run';
}

/** Writes the run's summary into DIR (created if needed) and returns the file's path. */
export async function appendHistory(dir: string, r: RunResult, env: Record<string, string | undefined> = process.env): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = r.startedAt.replace(/[:.]/g, '-');
  const existing = new Set(await readdir(dir));
  let name = `${stamp}_${slug(r.scenario.name)}.json`;
  for (let i = 2; existing.has(name); i++) name = `${stamp}_${slug(r.scenario.name)}-${i}.json`;
  const path = join(dir, name);
  await writeFileAtomic(path, JSON.stringify(historyEntry(r, env), null, 2) + '\n');
  return path;
}

export interface HistoryRead {
  entries: HistoryEntry[];
  /** Files skipped, one line each with the reason. */
  skipped: string[];
}

/** Reads every history entry in DIR (full JSON reports are accepted too), oldest first. */
export async function readHistory(dir: string): Promise<HistoryRead> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  const entries: HistoryEntry[] = [];
  const skipped: string[] = [];
  for (const n of names) {
    const path = join(dir, n);
    try {
      const v = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
      if (v.schema === HISTORY_SCHEMA) entries.push(v as unknown as HistoryEntry);
      else if (v.schema === REPORT_SCHEMA) entries.push(historyEntry(v as unknown as RunResult));
      else skipped.push(`${path}: not a loadtest history entry or report`);
    } catch (err) {
      skipped.push(`${path}: ${err instanceof SyntaxError ? 'not valid JSON' : (err as Error).message}`);
    }
  }
  entries.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return { entries, skipped };
}

/** One row of the trend with its flags, computed from the entry and the previous one of the same scenario. */
export interface TrendRow {
  entry: HistoryEntry;
  /** Relative change of capacity against the previous found capacity of the same scenario; null for a bound. */
  change: number | null;
  /** The number is a lower bound, not a capacity (see isLowerBound): shown "≥ N", kept out of the trend line. */
  bound: boolean;
  flags: string[];
}

/**
 * A run whose number says "at least": every step up to the plan's max passed (above-max), the run was
 * interrupted or failed after some passes (unknown), or the generator was the limit above a floor
 * (inconclusive). Joined into a trend line it would read as a capacity that rose or fell.
 */
export function isLowerBound(e: HistoryEntry): boolean {
  const v = e.capacity.verdict;
  return e.capacity.maxServableLoad !== null && (v === 'above-max' || v === 'unknown' || v === 'inconclusive');
}

export function trend(entries: HistoryEntry[], maxRegression = DEFAULT_MAX_REGRESSION): TrendRow[] {
  // The last *found* capacity of each scenario: a change against a lower bound would be made up.
  const prev = new Map<string, HistoryEntry>();
  return entries.map((entry) => {
    const p = prev.get(entry.scenario);
    const cur = entry.capacity.maxServableLoad;
    const found = entry.capacity.verdict === 'found' && cur !== null;
    const before = p?.capacity.maxServableLoad ?? null;
    const change = found && before !== null && before > 0 ? (cur - before) / before : null;
    const flags: string[] = [];
    if (entry.gate && !entry.gate.passed) flags.push('gate failed');
    if (entry.status !== 'completed') flags.push(entry.status);
    // Only a found capacity can drop: any other verdict's number is a lower bound (or nothing).
    if (change !== null && p) {
      const noise = (entry.capacity.resolution ?? 0) + (p.capacity.resolution ?? 0);
      if (-change > Math.max(noise, maxRegression)) flags.push(`drop ${signedPct(change)}`);
    }
    if (cur === null) flags.push('no servable load');
    if (found) prev.set(entry.scenario, entry);
    return { entry, change, bound: isLowerBound(entry), flags };
  });
}

const label = (e: HistoryEntry) => loadLabel(e.sessions ? 'sessions' : 'rps');
const cap = (e: HistoryEntry) => (e.capacity.maxServableLoad === null ? 'none' : `${isLowerBound(e) ? '≥ ' : ''}${fmtNum(e.capacity.maxServableLoad)} ${label(e)}`);
const res = (e: HistoryEntry) => (e.capacity.resolution === null ? '' : `±${pct(e.capacity.resolution)}`);
const gateWord = (e: HistoryEntry) => (e.gate ? (e.gate.passed ? 'pass' : 'FAIL') : '—');

function rowCells(t: TrendRow, i: number): string[] {
  const e = t.entry;
  return [
    String(i + 1),
    e.startedAt.slice(0, 16).replace('T', ' '),
    e.scenario,
    cap(e),
    res(e),
    t.change === null ? '' : signedPct(t.change),
    e.p99AtMaxMs === null ? '' : `${fmtNum(e.p99AtMaxMs)}ms`,
    e.capacity.limitedBy.join(', '),
    gateWord(e),
    (e.commit ?? '').slice(0, 8),
    t.flags.join('; '),
  ];
}

const HEAD = ['#', 'started (UTC)', 'scenario', 'capacity', 'res.', 'change', 'p99 at max', 'limited by', 'gate', 'commit', 'flags'];

export function renderHistoryTable(rows: TrendRow[]): string {
  const cells = [HEAD, ...rows.map(rowCells)];
  const widths = HEAD.map((_, c) => Math.max(...cells.map((r) => [...r[c]!].length)));
  const line = (r: string[]) => r.map((v, c) => v + ' '.repeat(widths[c]! - [...v].length)).join('  ').trimEnd();
  const out = cells.map(line);
  for (const name of [...new Set(rows.map((r) => r.entry.scenario))]) {
    const mine = rows.filter((r) => r.entry.scenario === name);
    // Bars for capacities only; a lower bound is an arrow (at least this much), outside the range.
    const vals = mine.map((r) => (r.bound ? null : r.entry.capacity.maxServableLoad));
    const bars = [...sparkline(vals, 0).padEnd(mine.length)].map((ch, i) => (mine[i]!.bound ? '↑' : ch)).join('');
    const nums = vals.filter((v): v is number => v !== null);
    const range = nums.length ? ` ${fmtNum(Math.min(...nums))}–${fmtNum(Math.max(...nums))} ${label(mine[0]!.entry)}` : '';
    const note = mine.some((r) => r.bound) ? '; ↑ a lower bound: capped at max, interrupted or inconclusive' : '';
    out.push('', `${name}: ${bars}${range} (bars from 0${note})`);
  }
  return out.join('\n') + '\n';
}

export function renderHistoryMarkdown(rows: TrendRow[]): string {
  return `## loadtest capacity history\n\n` + mdTable(HEAD, rows.map(rowCells), ['r', 'l', 'l', 'r', 'r', 'r', 'r', 'l', 'l', 'l', 'l']);
}

export function renderHistoryJson(rows: TrendRow[]): string {
  return JSON.stringify(rows.map((r) => ({ ...r.entry, change: r.change, lowerBound: r.bound, flags: r.flags })), null, 2) + '\n';
}

/** The capacity axis of the history chart: requests/s, sessions/s, or both when the file mixes them. */
export function historyAxisLabel(entries: readonly Pick<HistoryEntry, 'sessions'>[]): string {
  const sessions = entries.filter((e) => e.sessions).length;
  return sessions === 0 ? 'requests/s' : sessions === entries.length ? 'sessions/s' : 'requests/s or sessions/s (see each scenario)';
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#17becf'];

export function renderHistoryHtml(rows: TrendRow[]): string {
  const names = [...new Set(rows.map((r) => r.entry.scenario))];
  const chart = lineChart({
    id: 'chart-history',
    title: 'Maximum servable load per run',
    xLabel: 'run',
    // Sessions scenarios' capacities count sessions started per second.
    yLabel: historyAxisLabel(rows.map((r) => r.entry)),
    xIntegers: true,
    xFormat: (n) => String(Math.round(n)),
    // Per scenario: the found capacities as a line, and the lower bounds as △ markers beside it —
    // never on the line, which would read a capped or interrupted run as a capacity change.
    series: names.flatMap((name, i) => {
      const color = PALETTE[i % PALETTE.length]!;
      const points = (bound: boolean) =>
        rows
          .map((r, idx) => ({ r, idx }))
          .filter(({ r }) => r.entry.scenario === name && r.entry.capacity.maxServableLoad !== null && r.bound === bound)
          .map(({ r, idx }) => ({
            x: idx + 1,
            y: r.entry.capacity.maxServableLoad!,
            state: bound ? ('bound' as const) : r.flags.length ? ('fail' as const) : ('pass' as const),
            title: `run ${idx + 1} · ${r.entry.startedAt} · ${cap(r.entry)}${bound ? ' (a lower bound)' : ''}${r.flags.length ? ' · ' + r.flags.join('; ') : ''}`,
          }));
      const bounds = points(true);
      return [
        { name, color, points: points(false) },
        ...(bounds.length ? [{ name: `${name}: at least (capped at max, interrupted or inconclusive)`, color, line: false, points: bounds }] : []),
      ];
    }),
  });
  const body = rows
    .map((t, i) => `<tr class="${t.flags.length ? 'row-fail' : 'row-pass'}">${rowCells(t, i).map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>loadtest capacity history</title><style>${HTML_CSS}</style></head>
<body><main><h1>Capacity history</h1><p class="sub">${rows.length} runs · hollow markers: the gate failed or capacity dropped · △ a lower bound (≥): not a capacity, so not on the line</p>
<div class="panel">${chart}</div>
<div class="scroll"><table id="history"><thead><tr>${HEAD.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table></div>
</main></body></html>
`;
}
