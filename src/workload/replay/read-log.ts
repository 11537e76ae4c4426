// An access log on disk → the distinct requests it records with their counts (the replay mix).
// Read in 1 MiB chunks, synchronously (it runs once, while the scenario loads): memory grows with
// the number of DISTINCT requests, not with the file's length — a 10 GB log of 50k distinct paths
// needs what 50k keys need.
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { ReplayTrace } from '../../scenario/scenario.js';
import { PARSERS, type LogFormat } from './log-formats.js';
import { buildTrace } from './trace-pacer.js';

export interface ReplayEntry {
  method: string;
  /** Path and query, as sent (plain ASCII, see request-target.ts). */
  target: string;
  count: number;
}

export interface ReplayLog {
  file: string;
  format: LogFormat;
  /** Non-blank lines read (blank lines are ignored). */
  lines: number;
  /** Lines that record no request (see log-formats.ts). */
  skipped: number;
  firstSkipped?: { line: number; text: string; why: string };
  /** Requests left out because of their method (traffic.replay.methods), by method. */
  excluded: Record<string, number>;
  /** Requests kept: the sum of the entries' counts. */
  requests: number;
  /** Distinct (method, target), most frequent first (ties in order of first appearance). */
  entries: ReplayEntry[];
  /** With `ordered`: every kept request in recorded time order (indexes into `entries`). */
  trace?: ReplayTrace;
}

export interface LogProblem {
  /** Where in the log (1-based); absent for a problem with the file as a whole. */
  line?: number;
  col?: number;
  message: string;
}

export type ReadLogResult = { ok: true; log: ReplayLog } | { ok: false; problems: LogProblem[] };

const CHUNK = 1 << 20;
/** Malformed JSON lines listed before the rest are only counted. */
const MAX_LISTED = 5;
const SAMPLE_CHARS = 80;
const MAX_LINE = 64 * 1024;

/** `ordered`: also keep every request's time, in order (12 bytes a line), for `mode: ordered`. */
export function readReplayLog(file: string, format: LogFormat, methods: ReadonlySet<string>, ordered = false): ReadLogResult {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    return { ok: false, problems: [{ message: `cannot read access log ${file}: ${ioReason(e)}` }] };
  }
  const parse = PARSERS[format];
  const keyId = new Map<string, number>();
  const counts: number[] = [];
  const lineIds: number[] = [];
  const lineTimes: number[] = [];
  let resolutionMs = 1;
  const excluded: Record<string, number> = {};
  const problems: LogProblem[] = [];
  let malformed = 0;
  let lines = 0;
  let skipped = 0;
  let requests = 0;
  let firstSkipped: ReplayLog['firstSkipped'];
  let lineNo = 0;
  const onLine = (raw: string) => {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    lines++;
    const r = parse(line, ordered);
    if (r.kind === 'request') {
      if (!methods.has(r.method)) {
        excluded[r.method] = (excluded[r.method] ?? 0) + 1;
        return;
      }
      requests++;
      const key = `${r.method} ${r.target}`;
      let id = keyId.get(key);
      if (id === undefined) {
        id = counts.length;
        keyId.set(key, id);
        counts.push(0);
      }
      counts[id]!++;
      if (ordered) {
        lineIds.push(id);
        lineTimes.push(r.timeMs!);
        // The coarsest clock in the file decides how finely its times can be trusted.
        if (r.resolutionMs! > resolutionMs) resolutionMs = r.resolutionMs!;
      }
    } else if (r.kind === 'skip') {
      skipped++;
      firstSkipped ??= { line: lineNo, text: sample(line), why: r.why };
    } else {
      if (++malformed <= MAX_LISTED) problems.push({ line: lineNo, col: r.col, message: r.message });
    }
  };
  // A line longer than this is no access-log line (a binary file, a dump): skipped unread, so a
  // file without line breaks cannot fill the memory.
  let overlong = false;
  const skipOverlong = () => {
    lineNo++;
    lines++;
    skipped++;
    firstSkipped ??= { line: lineNo, text: '', why: `longer than ${MAX_LINE / 1024} KiB` };
    overlong = false;
  };
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    const n0 = readSync(fd, buf, 0, CHUNK, null);
    if (n0 >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
      return { ok: false, problems: [{ message: `access log ${file} is gzip-compressed; decompress it first (zcat ${file} > access.log)` }] };
    }
    const dec = new StringDecoder('utf8');
    let carry = '';
    for (let n = n0; n > 0; n = readSync(fd, buf, 0, CHUNK, null)) {
      const text = carry + dec.write(buf.subarray(0, n));
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        if (overlong || nl - start > MAX_LINE) skipOverlong();
        else onLine(text.slice(start, nl));
        start = nl + 1;
      }
      carry = text.slice(start);
      if (carry.length > MAX_LINE) {
        overlong = true;
        carry = '';
      }
    }
    carry += dec.end();
    if (overlong) skipOverlong();
    else if (carry !== '') onLine(carry);
  } catch (e) {
    return { ok: false, problems: [{ message: `cannot read access log ${file}: ${ioReason(e)}` }] };
  } finally {
    closeSync(fd);
  }
  if (malformed > MAX_LISTED) problems.push({ line: problems[MAX_LISTED - 1]!.line!, message: `… and ${malformed - MAX_LISTED} more lines that are not JSON objects` });
  if (problems.length > 0) return { ok: false, problems };
  if (requests === 0) return { ok: false, problems: [{ message: noRequestMessage(file, format, lines, firstSkipped, excluded, methods) }] };

  const byId: Array<ReplayEntry & { id: number }> = [];
  for (const [key, id] of keyId) {
    const sp = key.indexOf(' ');
    byId.push({ method: key.slice(0, sp), target: key.slice(sp + 1), count: counts[id]!, id });
  }
  byId.sort((a, b) => b.count - a.count); // stable: ties keep first appearance
  const entries: ReplayEntry[] = byId.map(({ method, target, count }) => ({ method, target, count }));
  const log: ReplayLog = { file, format, lines, skipped, excluded, requests, entries };
  if (firstSkipped) log.firstSkipped = firstSkipped;
  if (ordered) {
    const rank = new Uint32Array(byId.length);
    byId.forEach((e, i) => (rank[e.id] = i));
    log.trace = buildTrace(Uint32Array.from(lineIds, (id) => rank[id]!), lineTimes, resolutionMs);
  }
  return { ok: true, log };
}

function noRequestMessage(
  file: string,
  format: LogFormat,
  lines: number,
  first: ReplayLog['firstSkipped'],
  excluded: Record<string, number>,
  methods: ReadonlySet<string>,
): string {
  if (lines === 0) return `access log ${file} is empty: nothing to replay`;
  const ex = Object.entries(excluded);
  if (ex.length > 0) {
    const found = ex.map(([m, n]) => `${m} ${n.toLocaleString('en-US')}`).join(', ');
    return `access log ${file} has no ${[...methods].join('/')} request to replay (found ${found}); traffic.replay.methods chooses the methods replayed`;
  }
  const where = first ? ` (line ${first.line}: ${first.why}: ${JSON.stringify(first.text)})` : '';
  return `access log ${file} has no usable line: all ${lines.toLocaleString('en-US')} ${lines === 1 ? 'line was' : 'lines were'} skipped${where}; is it in ${format} format?`;
}

function sample(line: string): string {
  const one = line.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return one.length > SAMPLE_CHARS ? one.slice(0, SAMPLE_CHARS) + '…' : one;
}

function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((e as Error).message);
}
