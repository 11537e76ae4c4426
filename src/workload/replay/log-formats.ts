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
// A line that records no request (a TCP log line, `"-"`, a TLS handshake on a plain port, `<BADREQ>`,
// `OPTIONS *`, a JSON object without a target) is *skipped* with a reason; only a line that is not
// JSON at all in a JSON Lines file is an *error* (the file is not what the scenario says it is).
import { normalizeTarget, type Unescape } from './request-target.js';

export const LOG_FORMATS = ['combined', 'haproxy', 'jsonl'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LineResult =
  | { kind: 'request'; method: string; target: string }
  | { kind: 'skip'; why: string }
  | { kind: 'error'; message: string; col: number };

/** RFC 9110 method token. Case is kept: `get` is not `GET` (methods are case-sensitive). */
const METHOD = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*$/;

const COMBINED = /^\S+ \S+ .*?\[[^\]]+\] "((?:[^"\\]|\\.)*)" (?:\d{3}|-)(?:\s|$)/;

export function parseCombined(line: string): LineResult {
  const m = COMBINED.exec(line);
  if (!m) return { kind: 'skip', why: 'not in combined log format' };
  return requestLine(m[1]!, 'backslash');
}

/** `client:port [dd/Mon/yyyy:hh:mm:ss.mmm] frontend backend/server timers status` — then the request at the end. */
const HAPROXY_HTTP = /(?:^|\s)\S+:\d+ \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)?\] \S+ \S+ -?\d+(?:\/\+?-?\d+){3,4} -?\d{1,3} /;

export function parseHaproxy(line: string): LineResult {
  const end = line.trimEnd();
  if (!HAPROXY_HTTP.test(end)) return { kind: 'skip', why: "not an HAProxy HTTP log line (option httplog)" };
  if (!end.endsWith('"')) return { kind: 'skip', why: 'no quoted request at the end (truncated line?)' };
  const open = end.lastIndexOf('"', end.length - 2);
  if (open < 0) return { kind: 'skip', why: 'no quoted request at the end (truncated line?)' };
  const req = end.slice(open + 1, -1);
  if (req === '<BADREQ>') return { kind: 'skip', why: 'a bad request (<BADREQ>)' };
  return requestLine(req, 'hash');
}

const TARGET_KEYS = ['request_uri', 'url', 'uri', 'path'] as const;
const QUERY_KEYS = ['query', 'query_string', 'args'] as const;
const METHOD_KEYS = ['method', 'request_method', 'http_method', 'verb'] as const;

export function parseJsonLine(line: string): LineResult {
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
  return fromObject(v as Record<string, unknown>, true);
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

export const PARSERS: Record<LogFormat, (line: string) => LineResult> = {
  combined: parseCombined,
  haproxy: parseHaproxy,
  jsonl: parseJsonLine,
};
