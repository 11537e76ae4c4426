// What a replayed access log holds, as lines for `plan`, notes for `validate` and warnings for the
// run. Pure. Paths are shown as sent; every caller prints through the scenario's redactor, which
// masks credential-like query values (report/redact.ts, rule 5) — and `topRequests` masks them
// itself, so no caller can forget.
import { maskQueryCredentials } from '../../report/redact.js';
import { fmtDuration } from '../../report/terminal-format.js';
import type { ReplaySpec, RequestSpec } from '../../scenario/scenario.js';

const n = (x: number) => x.toLocaleString('en-US');

/** `access.log: 12 of 10,000 lines skipped (first at line 17: …)`, or undefined when none was. */
export function skippedNote(r: ReplaySpec): string | undefined {
  if (r.skipped === 0) return undefined;
  const f = r.firstSkipped;
  const first = f ? ` (first at line ${f.line}: ${f.why}: ${JSON.stringify(maskQueryCredentials(f.text))})` : '';
  return `${r.file}: ${n(r.skipped)} of ${n(r.lines)} lines skipped${first}`;
}

/** `access.log: 38 requests left out by method (POST 30, PUT 8; traffic.replay.methods: GET, HEAD)`. */
export function excludedNote(r: ReplaySpec): string | undefined {
  const ex = Object.entries(r.excluded).sort((a, b) => b[1] - a[1]);
  if (ex.length === 0) return undefined;
  const total = ex.reduce((a, [, c]) => a + c, 0);
  return `${r.file}: ${n(total)} request${total === 1 ? '' : 's'} left out by method (${ex.map(([m, c]) => `${m} ${n(c)}`).join(', ')}; traffic.replay.methods: ${r.methods.join(', ')})`;
}

/** Notes worth a warning at the start of a run. */
export function replayNotes(r: ReplaySpec): string[] {
  return [skippedNote(r), excludedNote(r)].filter((x): x is string => x !== undefined);
}

/** The `top` most frequent requests with their share, credential values masked. */
export function topRequests(r: ReplaySpec, requests: readonly RequestSpec[], top = 10): Array<{ share: number; text: string }> {
  // `requests` are the replay's, most frequent first (read-replay.ts).
  return requests.slice(0, top).map((q) => ({ share: q.weight / r.requests, text: `${q.method} ${maskQueryCredentials(q.path)}` }));
}

/** The plan's lines for a replay. */
export function describeReplay(r: ReplaySpec, requests: readonly RequestSpec[], top = 10, firstLevel?: number): string[] {
  const lines = [
    `replay: ${r.file} (${r.format}, ${r.mode === 'ordered' ? 'recorded order' : 'weighted mix'}): ${n(r.lines)} lines read, ${n(r.skipped)} skipped`,
    `  ${n(r.requests)} ${r.methods.join('/')} requests, ${n(r.distinct)} distinct, all recorded as '${r.name}' (p99{${r.name}})`,
  ];
  const t = r.trace;
  if (t) {
    const rate = t.recordedRps >= 10 ? t.recordedRps.toFixed(0) : t.recordedRps.toPrecision(3);
    const speed = firstLevel !== undefined ? `; at ${firstLevel} rps it plays ${fmtSpeed(firstLevel / t.recordedRps)}, one pass every ${fmtDuration((t.spanMs * t.recordedRps) / firstLevel)}` : '';
    lines.push(`  played in recorded order, looping: ${fmtDuration(t.spanMs)} of log at ${rate} rps (times to ${t.resolutionMs === 1 ? 'the millisecond' : 'the second, spread evenly within each'})${speed}`);
  }
  const skipped = skippedNote(r);
  if (skipped) lines.push(`  ${skipped}`);
  const excluded = excludedNote(r);
  if (excluded) lines.push(`  ${excluded}`);
  const rows = topRequests(r, requests, top);
  lines.push(`  top ${rows.length} by share${r.distinct > rows.length ? ` (${pct(rows.reduce((a, x) => a + x.share, 0))} of the requests)` : ''}:`);
  for (const row of rows) lines.push(`  ${pct(row.share).padStart(8)}  ${row.text}`);
  return lines;
}

function fmtSpeed(x: number): string {
  return x >= 1 ? `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}× faster` : `${(1 / x).toFixed(1)}× slower`;
}

function pct(x: number): string {
  const p = x * 100;
  return `${p >= 10 ? p.toFixed(1) : p.toFixed(2)}%`;
}
