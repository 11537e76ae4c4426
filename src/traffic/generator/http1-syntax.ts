// The bytes of HTTP/1.1 as the lean client's response parser reads them (http1-response-parser.ts,
// http1-head.ts): the parse results and errors, the character classes of RFC 9110 as llhttp has
// them, and small scanners over a Buffer range. Nothing here allocates.

export const NEED_MORE = -1;
export const FAILED = -2;

/** The head (status line + headers) may not exceed this many bytes; nor may a trailer section. */
export const MAX_HEAD_BYTES = 16 * 1024;

/** Why a response was rejected; `code` is what classify.ts maps to the `protocol` error class. */
export class HttpParseError extends Error {
  constructor(
    message: string,
    readonly code: 'LOADTEST_HTTP_PARSE' | 'LOADTEST_HEADERS_OVERFLOW' = 'LOADTEST_HTTP_PARSE',
  ) {
    super(message);
    this.name = 'HttpParseError';
  }
}

// Shared, allocation-free errors: a storm of bad responses must not cost a stack trace each.
export const E_STATUS = new HttpParseError('invalid HTTP status line');
export const E_HEADER = new HttpParseError('invalid HTTP header line');
export const E_OVERFLOW = new HttpParseError(`response head larger than ${MAX_HEAD_BYTES} bytes`, 'LOADTEST_HEADERS_OVERFLOW');
export const E_LENGTH = new HttpParseError('invalid or conflicting content-length');
export const E_TE_CL = new HttpParseError('both transfer-encoding and content-length');
export const E_CHUNK = new HttpParseError('invalid chunk in chunked body');
export const E_TRAILER = new HttpParseError('invalid trailer line in chunked body');
export const E_UPGRADE = new HttpParseError('unexpected 101 Switching Protocols');

// Byte values and character-class bits are const enums: tsc writes the numbers into the hot loops
// (an imported binding would be loaded on every comparison).
export const enum B {
  HT = 0x09,
  LF = 0x0a,
  CR = 0x0d,
  SP = 0x20,
  DQUOTE = 0x22,
  COMMA = 0x2c,
  COLON = 0x3a,
  SEMI = 0x3b,
  EQUALS = 0x3d,
  BACKSLASH = 0x5c,
}

/** Character classes (RFC 9110 §5.6.2, §5.5, §5.6.4; llhttp's TOKEN, HEADER_CHARS, QDTEXT), as bits of CHAR. */
export const enum C {
  TOKEN = 1,
  /** A field value's bytes: HTAB, SP, VCHAR, obs-text (also what a quoted-pair may escape). */
  VALUE = 2,
  QDTEXT = 4,
}

/** Each byte's classes. Importers alias it to a module-local const: V8 folds that into loops, not an import. */
export const CHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") CHAR[c.charCodeAt(0)]! |= C.TOKEN;
for (let c = 0; c < 256; c++) {
  if (c === B.HT || (c >= B.SP && c !== 0x7f)) CHAR[c]! |= C.VALUE;
  if ((CHAR[c]! & C.VALUE) !== 0 && c !== B.DQUOTE && c !== B.BACKSLASH) CHAR[c]! |= C.QDTEXT;
}

/** Hex digit value, or 255. */
export const HEX = new Uint8Array(256).fill(255);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;

export const lit = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/** Whether buf[from, to) holds only CR and LF: the empty lines llhttp skips between responses. */
export function onlyLineBreaks(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== B.CR && buf[i] !== B.LF) return false;
  return true;
}

/** A head too short to judge whole: do its first bytes fit "HTTP/d.d ddd"? (So a non-HTTP peer fails at once.) */
export function statusPrefixOk(buf: Buffer, s: number, e: number): boolean {
  const pattern = 'HTTP/d.d ddd';
  for (let k = 0; k < pattern.length && s + k < e; k++) {
    const c = buf[s + k]!;
    const p = pattern.charCodeAt(k);
    if (p === 0x64 ? c < 48 || c > 57 : c !== p) return false;
  }
  return true;
}

const L_CHUNKED = lit('chunked');

/** Whether the last coding of a transfer-encoding list (trimmed of SP and HTAB) is `chunked`. */
export function chunkedLast(buf: Buffer, vs: number, ve: number): boolean {
  if (ve - vs < 7 || !eqLower(buf, ve - 7, L_CHUNKED)) return false;
  let i = ve - 7;
  while (i > vs && (buf[i - 1] === B.SP || buf[i - 1] === B.HT)) i--;
  return i === vs || buf[i - 1] === B.COMMA;
}

/** buf[at, at + l.length) equals the lower-case literal l, ignoring ASCII case. */
export function eqLower(buf: Buffer, at: number, l: Uint8Array): boolean {
  for (let i = 0; i < l.length; i++) if ((buf[at + i]! | 0x20) !== l[i]) return false;
  return true;
}

export function findLower(buf: Buffer, s: number, e: number, needle: string): number {
  const n = needle.length;
  outer: for (let i = s; i + n <= e; i++) {
    for (let k = 0; k < n; k++) if ((buf[i + k]! | 0x20) !== needle.charCodeAt(k)) continue outer;
    return i;
  }
  return -1;
}

export function digitsEnd(buf: Buffer, s: number, e: number): number {
  let i = s;
  while (i < e && buf[i]! >= 48 && buf[i]! <= 57) i++;
  return i;
}

/** Decimal digits in buf[s, e) (nothing else; leading zeros allowed), below 10^15; else -1. */
export function parseLength(buf: Buffer, s: number, e: number): number {
  if (s >= e) return -1;
  while (s < e - 1 && buf[s] === 48) s++;
  if (e - s > 15) return -1;
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
