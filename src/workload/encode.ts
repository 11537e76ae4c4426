// How a hole's value is written where it goes. Path and query: percent-encoded UTF-8, only RFC 3986
// unreserved characters (A-Z a-z 0-9 - . _ ~) kept, so a value can never add a path segment, a
// query parameter or a fragment. Header value: Latin-1 bytes as is; CR, LF and NUL (which would
// end the header and forge others) and characters past U+00FF are refused at load time — values
// the sender makes itself (digits, hex, [A-Za-z0-9]) cannot contain them by construction. Body: the
// UTF-8 text as is, or, under json(…), escaped for the inside of a JSON string.
import type { Place } from './template.js';

const UNRESERVED = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[c.charCodeAt(0)] = 1;
const HEX = '0123456789ABCDEF';

/** RFC 3986 percent-encoding of a value's UTF-8 bytes, unreserved characters kept. */
export function percentEncode(s: string): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || UNRESERVED[c] !== 1) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += b < 128 && UNRESERVED[b] === 1 ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  return out;
}

/** The inside of a JSON string (no quotes): `"`, `\` and control characters escaped; lone surrogates as \uXXXX. */
export function jsonEscape(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** Why a value cannot be a header value's bytes, or undefined. */
export function headerValueProblem(s: string): string | undefined {
  if (/[\r\n\0]/.test(s)) return 'a header value cannot contain a line break or NUL character';
  if (/[^\x00-\xff]/.test(s)) return 'a header value must be Latin-1 text (characters up to U+00FF)';
  return undefined;
}

/** A value's bytes for its place (after JSON escaping when asked). Throws for a header value that cannot be sent. */
export function encodeValue(value: string, place: Place, json: boolean): Buffer {
  const v = json ? jsonEscape(value) : value;
  if (place === 'path') return Buffer.from(percentEncode(v), 'latin1');
  if (place === 'header') {
    const bad = headerValueProblem(v);
    if (bad) throw new Error(`${bad}: ${JSON.stringify(v)}`);
    return Buffer.from(v, 'latin1');
  }
  return Buffer.from(v, 'utf8');
}

/** A literal part of a path: non-ASCII characters percent-encoded as UTF-8 (as browsers send them); the rest as written. */
export function pathLiteral(s: string): string {
  return s.replace(/[^\x00-\x7f]+/gu, (x) => encodeURIComponent(x));
}

/** A literal part's bytes for its place. */
export function literalBytes(s: string, place: Place): Buffer {
  if (place === 'path') return Buffer.from(pathLiteral(s), 'latin1');
  return Buffer.from(s, place === 'header' ? 'latin1' : 'utf8');
}
