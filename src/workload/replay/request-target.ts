// A request target as an access log recorded it → the path and query to send. Logs escape what
// they cannot print (nginx `\x22`, Apache `\"` and `\\`, HAProxy `#22`): those escapes become the
// bytes the client sent, and every byte a request target may not carry raw (space, quotes, control
// characters, non-ASCII, `{`, `}`, `#` …) is percent-encoded, so what we send is plain ASCII that
// any server parses the way it parsed the original (and a replayed path can never hold `{{`).

/** Bytes a request target may carry unencoded: RFC 3986 unreserved, sub-delims, ':', '@', '/', '?', and '%' (kept as sent). */
const RAW_OK = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%") RAW_OK[c.charCodeAt(0)] = 1;

/** Fast path: a target that needs neither unescaping nor encoding. */
const PLAIN = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;

export type Unescape = 'backslash' | 'hash' | 'none';

/**
 * Origin-form (`/p?q`) or absolute-form (`http://host/p?q`, reduced to `/p?q`) → the target to send;
 * undefined for anything else (`*`, `host:443`, garbage). `unescape`: the log's escape style —
 * `backslash` (nginx/Apache: `\xHH`, `\"`, `\\`), `hash` (HAProxy: `#HH`), `none` (JSON: already decoded).
 */
export function normalizeTarget(raw: string, unescape: Unescape): string | undefined {
  let t = raw;
  if (!t.startsWith('/')) {
    const abs = /^https?:\/\/[^/?#\s]*/i.exec(t);
    if (!abs) return undefined;
    t = t.slice(abs[0].length);
    if (t === '' || t.startsWith('#')) t = '/';
    else if (t.startsWith('?')) t = '/' + t;
  }
  if (PLAIN.test(t)) return t;
  return encodeBytes(toBytes(t, unescape));
}

function toBytes(t: string, unescape: Unescape): number[] {
  const out: number[] = [];
  const hex = (s: string) => (/^[0-9A-Fa-f]{2}$/.test(s) ? parseInt(s, 16) : -1);
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (unescape === 'backslash' && c === '\\' && i + 1 < t.length) {
      const n = t[i + 1]!;
      if (n === 'x') {
        const b = hex(t.slice(i + 2, i + 4));
        if (b >= 0) {
          out.push(b);
          i += 3;
          continue;
        }
      } else if (n === '"' || n === '\\') {
        out.push(n.charCodeAt(0));
        i += 1;
        continue;
      }
    } else if (unescape === 'hash' && c === '#') {
      const b = hex(t.slice(i + 1, i + 3));
      if (b >= 0) {
        out.push(b);
        i += 2;
        continue;
      }
    }
    const code = c.charCodeAt(0);
    if (code < 0x80) out.push(code);
    else {
      // A whole code point (surrogate pairs included) as UTF-8.
      const cp = t.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      for (const b of Buffer.from(s, 'utf8')) out.push(b);
      i += s.length - 1;
    }
  }
  return out;
}

function encodeBytes(bytes: number[]): string {
  let s = '';
  for (const b of bytes) s += b < 128 && RAW_OK[b] === 1 ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  return s;
}
