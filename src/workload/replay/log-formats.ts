// Access-log lines → the request each records. One pure function per format, tested by table:
//
//   combined  nginx/Apache combined (or common) log format:
//             `host ident user [time] "METHOD target HTTP/x" status bytes ["referer" "agent" …]`
//             Escaped quotes inside the request (`\"`, `\x22`) are part of it; the client may be IPv6;
//             any field may be `-`; trailing fields (request time, upstream …) are ignored.
//   haproxy   HAProxy's default HTTP log (`option httplog`), syslog prefix or not:
//             `… client:port [accept_date] frontend backend/server Tq/Tw/Tc/Tr/Ta status bytes … "METHOD target HTTP/x"`
//             The request is the last quoted field; HAProxy writes `"` and other bytes as `#HH`.
//   jsonl     one JSON object per line. The method: `method`, `request_method`, `http_method` or
//             `verb` (absent: GET). The target: `request_uri`, `url`, `uri` or `path` (the first
//             present), plus `query`, `query_string` or `args` when the target has no `?`; or `request`
//             as a request line (`"GET /p HTTP/1.1"`); or `request` as an object holding these keys
//             (Caddy). A target may be absolute (`https://host/p`).
//
// Times (only asked for by `mode: ordered`): combined's `[10/Oct/2025:13:55:36 +0000]` (whole
// seconds), HAProxy's accept date `[06/Feb/2009:12:14:14.655]` (ms, local time read as UTC: only
// differences matter), JSON's `time`, `timestamp`, `@timestamp`, `ts`, `msec`, `time_iso8601`,
// `time_local`, `start_time` or `date` (epoch s or ms, ISO 8601, or nginx's time_local). A request
// without a readable time is skipped in ordered mode.
//
// A line that records no request (a TCP log line, `"-"`, a TLS handshake on a plain port, `<BADREQ>`,
// `OPTIONS *`, a JSON object without a target) is *skipped* with a reason; only a line that is not
// JSON at all in a JSON Lines file is an *error* (the file is not what the scenario says it is).
import { normalizeTarget, type Unescape } from './request-target.js';

export const LOG_FORMATS = ['combined', 'haproxy', 'jsonl'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LineResult =
  | {
      kind: 'request';
      method: string;
      target: string;
      /** When it was logged (epoch ms), when asked for (`mode: ordered`) and the line has a time. */
      timeMs?: number;
      /** The tick of that time's clock: 1000 (whole seconds) or 1 (milliseconds). */
      resolutionMs?: number;
    }
  | { kind: 'skip'; why: string }
  | { kind: 'error'; message: string; col: number };

/** RFC 9110 method token. Case is kept: `get` is not `GET` (methods are case-sensitive). */
const METHOD = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*$/;

const COMBINED = /^\S+ \S+ .*?\[([^\]]+)\] "((?:[^"\\]|\\.)*)" (?:\d{3}|-)(?:\s|$)/;

export function parseCombined(line: string, withTime = false): LineResult {
  const m = COMBINED.exec(line);
  if (!m) return { kind: 'skip', why: 'not in combined log format' };
  const r = requestLine(m[2]!, 'backslash');
  return withTime ? timed(r, logTime(m[1]!)) : r;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const LOG_TIME = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?: ([+-])(\d{2})(\d{2}))?$/;

/**
 * `10/Oct/2025:13:55:36 +0000` (nginx, Apache) or `06/Feb/2009:12:14:14.655` (HAProxy: local time,
 * no zone — read as UTC: only differences matter) → epoch ms and its clock's tick.
 */
export function logTime(text: string): { ms: number; resolutionMs: number } | undefined {
  const m = LOG_TIME.exec(text);
  const month = m ? MONTHS[m[2]!] : undefined;
  if (!m || month === undefined) return undefined;
  const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  const offsetMin = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) : 0;
  const ms = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) + frac - offsetMin * 60_000;
  return { ms, resolutionMs: m[7] ? 1 : 1000 };
}

/** A request with its time; without one it cannot be placed in an ordered replay. */
function timed(r: LineResult, t: { ms: number; resolutionMs: number } | undefined): LineResult {
  if (r.kind !== 'request') return r;
  if (!t || !Number.isFinite(t.ms)) return { kind: 'skip', why: 'no time this format can read (mode: ordered needs one)' };
  return { ...r, timeMs: t.ms, resolutionMs: t.resolutionMs };
}

/** `client:port [dd/Mon/yyyy:hh:mm:ss.mmm] frontend backend/server timers status` — then the request at the end. */
const HAPROXY_HTTP = /(?:^|\s)\S+:\d+ \[(\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)?)\] \S+ \S+ -?\d+(?:\/\+?-?\d+){3,4} -?\d{1,3} /;

export function parseHaproxy(line: string, withTime = false): LineResult {
  const end = line.trimEnd();
  const h = HAPROXY_HTTP.exec(end);
  if (!h) return { kind: 'skip', why: "not an HAProxy HTTP log line (option httplog)" };
  if (!end.endsWith('"')) return { kind: 'skip', why: 'no quoted request at the end (truncated line?)' };
  const open = end.lastIndexOf('"', end.length - 2);
  if (open < 0) return { kind: 'skip', why: 'no quoted request at the end (truncated line?)' };
  const req = end.slice(open + 1, -1);
  if (req === '<BADREQ>') return { kind: 'skip', why: 'a bad request (<BADREQ>)' };
  const r = requestLine(req, 'hash');
  // The accept date: when the request arrived (the line is written when it ends).
  return withTime ? timed(r, logTime(h[1]!)) : r;
}

const TARGET_KEYS = ['request_uri', 'url', 'uri', 'path'] as const;
const QUERY_KEYS = ['query', 'query_string', 'args'] as const;
const METHOD_KEYS = ['method', 'request_method', 'http_method', 'verb'] as const;

const TIME_KEYS = ['time', 'timestamp', '@timestamp', 'ts', 'msec', 'time_iso8601', 'time_local', 'start_time', 'date'] as const;

/**
 * A JSON log time: a number is epoch seconds (below 1e11, fractions allowed: nginx's `$msec`) or
 * epoch ms; a string is ISO 8601 (`2025-10-10T13:55:36.123Z`), a number in a string, or nginx's
 * `$time_local`. Whole seconds tick at 1000 ms, anything with a fraction at 1 ms.
 */
export function jsonTime(v: unknown): { ms: number; resolutionMs: number } | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
    if (v < 1e11) return { ms: v * 1000, resolutionMs: Number.isInteger(v) ? 1000 : 1 };
    return { ms: v, resolutionMs: 1 };
  }
  if (typeof v !== 'string' || v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return jsonTime(Number(v));
  const clf = logTime(v);
  if (clf) return clf;
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(v)) return undefined;
  const ms = Date.parse(v.replace(' ', 'T'));
  return Number.isFinite(ms) ? { ms, resolutionMs: /:\d{2}[.,]\d/.test(v) ? 1 : 1000 } : undefined;
}

export function parseJsonLine(line: string, withTime = false): LineResult {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    const msg = (e as Error).message;
    const at = /at position (\d+)/.exec(msg);
    // Node quotes the whole line in some messages: keep only the reason.
    const reason = msg.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '');
    return { kind: 'error', message: `not a JSON object: ${reason}`, col: at ? Number(at[1]) + 1 : 1 };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { kind: 'error', message: 'not a JSON object (each line must be one {…})', col: 1 };
  const o = v as Record<string, unknown>;
  const r = fromObject(o, true);
  if (!withTime) return r;
  let t: { ms: number; resolutionMs: number } | undefined;
  for (const k of TIME_KEYS) if (o[k] !== undefined && (t = jsonTime(o[k])) !== undefined) break;
  return timed(r, t);
}

function fromObject(o: Record<string, unknown>, top: boolean): LineResult {
  const str = (k: string): string | undefined => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined);
  const req = o.request;
  if (top && req !== null && typeof req === 'object' && !Array.isArray(req)) {
    const inner = fromObject(req as Record<string, unknown>, false);
    if (inner.kind === 'request') return inner;
  }
  let method: string | undefined;
  for (const k of METHOD_KEYS) if ((method = str(k)) !== undefined) break;
  let target: string | undefined;
  for (const k of TARGET_KEYS) if ((target = str(k)) !== undefined) break;
  if (target === undefined && top && typeof req === 'string') return requestLine(req, 'none');
  if (target === undefined) return { kind: 'skip', why: `no target (${TARGET_KEYS.join(', ')} or request)` };
  if (!target.includes('?')) {
    for (const k of QUERY_KEYS) {
      const q = str(k);
      if (q !== undefined) {
        target += q.startsWith('?') ? q : '?' + q;
        break;
      }
    }
  }
  return request(method ?? 'GET', target, 'none');
}

/** `METHOD target[ HTTP/x.y]` (a target with spaces keeps them: they are encoded). */
function requestLine(text: string, unescape: Unescape): LineResult {
  if (text === '' || text === '-') return { kind: 'skip', why: 'no request line' };
  const sp = text.indexOf(' ');
  if (sp <= 0) return { kind: 'skip', why: 'not an HTTP request line' };
  let rest = text.slice(sp + 1);
  const version = / HTTP\/\d(?:\.\d)?$/.exec(rest);
  if (version) rest = rest.slice(0, version.index);
  return request(text.slice(0, sp), rest, unescape);
}

function request(method: string, rawTarget: string, unescape: Unescape): LineResult {
  if (!METHOD.test(method)) return { kind: 'skip', why: 'not an HTTP request line' };
  if (rawTarget === '') return { kind: 'skip', why: 'no request target' };
  const target = normalizeTarget(rawTarget, unescape);
  if (target === undefined) return { kind: 'skip', why: `request target is not a path (${rawTarget.length > 40 ? rawTarget.slice(0, 40) + '…' : rawTarget})` };
  return { kind: 'request', method, target };
}

export const PARSERS: Record<LogFormat, (line: string, withTime?: boolean) => LineResult> = {
  combined: parseCombined,
  haproxy: parseHaproxy,
  jsonl: parseJsonLine,
};
