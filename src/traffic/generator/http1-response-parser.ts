// A minimal HTTP/1.1 response parser for the lean client (http1-pool.ts): it reads the status, the
// framing headers (content-length, transfer-encoding, connection, proxy-connection, keep-alive) and
// counts body bytes, dropping them as they arrive. It never builds header objects or strings: a
// load generator only needs to know where a response ends and what its status was.
//
// It frames responses as llhttp's strict mode does (the parser inside undici and node:http), so that
// `traffic.client: lean` and `undici` count the same: test/unit/http1-llhttp-corpus.test.ts runs
// llhttp's own response corpus through it, and the README's client section lists where it differs
// on purpose. Lines end in CRLF, never a bare LF or CR; a bad line is refused as soon as it is
// complete, not when the head's end arrives (an LF-only server never sends one); empty lines before
// a status line are skipped. Bounded: 16 KiB of head (undici's default), and as much per trailer
// section.
//
// Use: begin(isHead) before each request, then execute(chunk, from) per chunk:
//   >= 0  the response ended at that offset (bytes after it belong to nobody: see the pool);
//   NEED_MORE  every byte was consumed, the response goes on;
//   FAILED  the bytes are not valid HTTP/1.x (`error` says which rule broke).
// A body without length (no content-length, not chunked) ends when the connection closes: eof().

/** The head (status line + headers) may not exceed this many bytes. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** Larger chunk sizes are refused (12 hex digits; leading zeros do not count): nobody sends a 256 TiB chunk. */
const MAX_CHUNK = 2 ** 48 - 1;

export const NEED_MORE = -1;
export const FAILED = -2;

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
const E_STATUS = new HttpParseError('invalid HTTP status line');
const E_HEADER = new HttpParseError('invalid HTTP header line');
const E_OVERFLOW = new HttpParseError(`response head larger than ${MAX_HEAD_BYTES} bytes`, 'LOADTEST_HEADERS_OVERFLOW');
const E_LENGTH = new HttpParseError('invalid or conflicting content-length');
const E_TE_CL = new HttpParseError('both transfer-encoding and content-length');
const E_CHUNK = new HttpParseError('invalid chunk in chunked body');
const E_TRAILER = new HttpParseError('invalid trailer line in chunked body');
const E_UPGRADE = new HttpParseError('unexpected 101 Switching Protocols');

const enum S {
  Head,
  Length,
  ChunkSize,
  /** Just past a chunk extension's ';'. */
  ExtStart,
  ExtName,
  ExtValue,
  ExtQuoted,
  ExtQuotedPair,
  ExtQuotedEnd,
  ChunkSizeLf,
  ChunkData,
  ChunkDataCr,
  ChunkDataLf,
  TrailerStart,
  /** A non-empty trailer section, gathered and parsed like a head. */
  Trailers,
  TrailerEndLf,
  UntilClose,
  Done,
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;

const lit = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const H_CONTENT_LENGTH = lit('content-length');
const H_TRANSFER_ENCODING = lit('transfer-encoding');
const H_CONNECTION = lit('connection');
const H_PROXY_CONNECTION = lit('proxy-connection');
const H_KEEP_ALIVE = lit('keep-alive');
const L_CHUNKED = lit('chunked');
const L_CLOSE = lit('close');

// Character classes (RFC 9110 §5.6.2, §5.5, §5.6.4; llhttp's TOKEN, HEADER_CHARS, QDTEXT).
const TOKEN = 1;
/** A field value's bytes: HTAB, SP, VCHAR, obs-text (also what a quoted-pair may escape). */
const VALUE = 2;
const QDTEXT = 4;
const CHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") CHAR[c.charCodeAt(0)]! |= TOKEN;
for (let c = 0; c < 256; c++) {
  if (c === HT || (c >= SP && c !== 0x7f)) CHAR[c]! |= VALUE;
  if ((CHAR[c]! & VALUE) !== 0 && c !== 0x22 && c !== 0x5c) CHAR[c]! |= QDTEXT;
}

/** Hex digit value, or 255. */
const HEX = new Uint8Array(256).fill(255);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;

export class ResponseParser {
  status = 0;
  /** Body bytes of this response (decoded: chunk framing not counted). */
  bodyBytes = 0;
  /** False when the connection must not carry another request after this response. */
  keepAlive = true;
  /** The server's advertised idle timeout (`keep-alive: timeout=N`), ms; 0 until one is given. Kept across
   *  responses: it describes the connection, which is what the parser belongs to. */
  keepAliveHintMs = 0;
  error: HttpParseError | null = null;

  private state = S.Done;
  private isHead = false;
  /** Bytes still expected in the current body or chunk. */
  private remaining = 0;
  private chunkDigits = 0;
  /** A head or trailer section split across chunks, gathered here (grown as needed, kept for reuse). */
  private partial: Buffer | null = null;
  private partialLen = 0;
  /** Where a split block's parse resumes: the offset of its first incomplete line; -1: the status line is not complete yet. */
  private resume = -1;
  // What the block's lines said so far (kept between the reads of a split block).
  private hStatus = 0;
  private hV11 = false;
  private hLength = -1;
  private hTe = false;
  private hChunked = false;
  private hClose = false;
  private hKeepAlive = false;
  private hHintMs = 0;

  /** Resets for the next response; `isHead`: the request was HEAD (the response has no body). */
  begin(isHead: boolean): void {
    this.status = 0;
    this.bodyBytes = 0;
    this.keepAlive = true;
    this.error = null;
    this.state = S.Head;
    this.isHead = isHead;
    this.partialLen = 0;
    this.resume = -1;
  }

  /** True while the body runs until the connection closes (no length given). */
  get untilClose(): boolean {
    return this.state === S.UntilClose;
  }

  /** The connection closed: true when that ends the response (a body without length), else it was cut short. */
  eof(): boolean {
    if (this.state !== S.UntilClose) return false;
    this.state = S.Done;
    return true;
  }

  /** Parses chunk[from, end); `chunk` may be reused by the caller afterwards (nothing is kept but copies). */
  execute(chunk: Buffer, from = 0, end = chunk.length): number {
    let pos = from;
    while (pos < end) {
      switch (this.state) {
        case S.Head:
        case S.Trailers: {
          const r = this.block(chunk, pos, end);
          if (r < 0) return r;
          pos = r;
          if ((this.state as S) === S.Done) return pos;
          break;
        }
        case S.Length:
        case S.ChunkData:
        case S.UntilClose: {
          const avail = end - pos;
          if (this.state === S.UntilClose) {
            this.bodyBytes += avail;
            return NEED_MORE;
          }
          const n = avail < this.remaining ? avail : this.remaining;
          this.bodyBytes += n;
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) {
            if (this.state === S.Length) {
              this.state = S.Done;
              return pos;
            }
            this.state = S.ChunkDataCr;
          }
          break;
        }
        case S.ChunkSize: {
          const c = chunk[pos++]!;
          const v = HEX[c]!;
          if (v !== 255) {
            this.remaining = this.remaining * 16 + v;
            if (this.remaining > MAX_CHUNK) return this.fail(E_CHUNK);
            this.chunkDigits++;
          } else if (this.chunkDigits === 0) return this.fail(E_CHUNK);
          else if (c === CR) this.state = S.ChunkSizeLf;
          else if (c === 0x3b) this.state = S.ExtStart;
          else return this.fail(E_CHUNK); // llhttp's strict mode: no whitespace after the size
          break;
        }
        // Chunk extensions: ignored, but their syntax is checked as llhttp does (no whitespace, a
        // quoted value may hold ';' but no CR), since a lax skip to the next CR can misframe.
        case S.ExtStart:
        case S.ExtName: {
          const c = chunk[pos++]!;
          if ((CHAR[c]! & TOKEN) !== 0) this.state = S.ExtName;
          else if (c === 0x3d) this.state = S.ExtValue;
          else if (c === 0x3b) this.state = S.ExtStart;
          else if (c === CR && this.state === S.ExtName) this.state = S.ChunkSizeLf;
          else return this.fail(E_CHUNK);
          break;
        }
        case S.ExtValue: {
          const c = chunk[pos++]!;
          if ((CHAR[c]! & TOKEN) !== 0) break;
          if (c === 0x22) this.state = S.ExtQuoted;
          else if (c === 0x3b) this.state = S.ExtStart;
          else if (c === CR) this.state = S.ChunkSizeLf;
          else return this.fail(E_CHUNK);
          break;
        }
        case S.ExtQuoted: {
          const c = chunk[pos++]!;
          if ((CHAR[c]! & QDTEXT) !== 0) break;
          if (c === 0x22) this.state = S.ExtQuotedEnd;
          else if (c === 0x5c) this.state = S.ExtQuotedPair;
          else return this.fail(E_CHUNK);
          break;
        }
        case S.ExtQuotedPair:
          if ((CHAR[chunk[pos++]!]! & VALUE) === 0) return this.fail(E_CHUNK);
          this.state = S.ExtQuoted;
          break;
        case S.ExtQuotedEnd: {
          const c = chunk[pos++]!;
          if (c === 0x3b) this.state = S.ExtStart;
          else if (c === CR) this.state = S.ChunkSizeLf;
          else return this.fail(E_CHUNK);
          break;
        }
        case S.ChunkSizeLf:
          if (chunk[pos++] !== LF) return this.fail(E_CHUNK);
          this.chunkDigits = 0;
          this.state = this.remaining === 0 ? S.TrailerStart : S.ChunkData;
          break;
        case S.ChunkDataCr:
          if (chunk[pos++] !== CR) return this.fail(E_CHUNK);
          this.state = S.ChunkDataLf;
          break;
        case S.ChunkDataLf:
          if (chunk[pos++] !== LF) return this.fail(E_CHUNK);
          this.state = S.ChunkSize;
          break;
        case S.TrailerStart: {
          const c = chunk[pos]!;
          if (c === CR) {
            pos++;
            this.state = S.TrailerEndLf;
          } else if (c === LF) return this.fail(E_TRAILER); // a bare LF does not end the body: the next response would be read as trailers
          else this.state = S.Trailers;
          break;
        }
        case S.TrailerEndLf:
          if (chunk[pos++] !== LF) return this.fail(E_CHUNK);
          this.state = S.Done;
          return pos;
        case S.Done:
          return pos;
      }
    }
    return NEED_MORE;
  }

  private fail(e: HttpParseError): number {
    this.error = e;
    this.state = S.Done;
    return FAILED;
  }

  /** A head (S.Head) or a trailer section (S.Trailers) from `pos`, gathered across chunks; returns where it ends in `chunk`. */
  private block(chunk: Buffer, pos: number, end: number): number {
    let buf = chunk;
    let start = pos;
    let limit = end;
    const prior = this.partialLen;
    if (prior === 0) {
      if (this.state === S.Head) {
        // Empty lines before a status line are skipped, as llhttp does: a stray CRLF after a response.
        while (pos < end && (chunk[pos] === CR || chunk[pos] === LF)) pos++;
        if (pos === end) return NEED_MORE;
        start = pos;
      }
    } else {
      this.gather(chunk, pos, end);
      buf = this.partial!;
      start = 0;
      limit = this.partialLen;
    }
    const bound = limit - start > MAX_HEAD_BYTES ? start + MAX_HEAD_BYTES : limit;
    // A split block's parse resumes at its first incomplete line: a trickled head costs no more than a whole one.
    const r = this.state === S.Head ? this.head(buf, start, bound) : this.trailers(buf, start, bound);
    if (r === FAILED) return FAILED;
    if (r === NEED_MORE) {
      if (bound < limit) return this.fail(E_OVERFLOW);
      if (prior === 0) this.gather(chunk, pos, end); // the caller may reuse `chunk`: keep a copy
      return NEED_MORE;
    }
    this.partialLen = 0;
    this.resume = -1;
    // As an offset into `chunk`.
    return prior === 0 ? r : pos + (r - prior);
  }

  /** Appends chunk[pos, end) to the gathered block, up to one byte past the limit (enough to know it is exceeded). */
  private gather(chunk: Buffer, pos: number, end: number): void {
    const n = Math.min(end - pos, MAX_HEAD_BYTES + 1 - this.partialLen);
    const need = this.partialLen + n;
    if (this.partial === null || this.partial.length < need) {
      const grown = Buffer.allocUnsafe(Math.min(MAX_HEAD_BYTES + 1, Math.max(need, 2 * (this.partial?.length ?? 256))));
      if (this.partial !== null) this.partial.copy(grown, 0, 0, this.partialLen);
      this.partial = grown;
    }
    chunk.copy(this.partial, this.partialLen, pos, pos + n);
    this.partialLen = need;
  }

  /** Parses a head in buf[start, lim): returns where it ends, NEED_MORE (every complete line was valid) or FAILED. */
  private head(buf: Buffer, start: number, lim: number): number {
    let line = start + this.resume;
    if (this.resume < 0) {
      line = this.statusLine(buf, start, lim);
      if (line < 0) return line;
    }
    const next = this.fields(buf, line, lim, start, false);
    if (next < 0) return next;

    const st = this.hStatus;
    if (this.hHintMs > 0) this.keepAliveHintMs = this.hHintMs;
    if (st < 200) {
      if (st === 101) return this.fail(E_UPGRADE);
      return next; // 100 Continue, 103 Early Hints: the state stays Head, the real response follows
    }
    this.status = st;
    // `close` wins over `keep-alive` in any version (llhttp lets a 1.0 keep-alive token win over close).
    let keepAlive = !this.hClose && (this.hV11 || this.hKeepAlive);
    this.remaining = 0;
    this.chunkDigits = 0;
    if (this.isHead || st === 204 || st === 304) this.state = S.Done;
    else if (this.hChunked) this.state = S.ChunkSize;
    else if (this.hTe || this.hLength < 0) {
      // A coding we do not frame (chunked not last), or no length: the body runs to the connection's end.
      this.state = S.UntilClose;
      keepAlive = false;
    } else if (this.hLength > 0) {
      this.state = S.Length;
      this.remaining = this.hLength;
    } else this.state = S.Done;
    this.keepAlive = keepAlive;
    return next;
  }

  /** The status line at buf[start, lim): returns where the header lines start (the h* fields reset), NEED_MORE or FAILED. */
  private statusLine(buf: Buffer, start: number, lim: number): number {
    // "HTTP/" major "." minor SP 3DIGIT, then SP or the line's CR: 13 bytes at fixed places.
    if (lim - start < 13) return statusPrefixOk(buf, start, lim) ? NEED_MORE : this.fail(E_STATUS);
    if (
      buf[start] !== 0x48 ||
      buf[start + 1] !== 0x54 ||
      buf[start + 2] !== 0x54 ||
      buf[start + 3] !== 0x50 ||
      buf[start + 4] !== 0x2f ||
      buf[start + 6] !== 0x2e ||
      buf[start + 8] !== SP
    ) {
      return this.fail(E_STATUS);
    }
    const major = buf[start + 5]! - 48;
    const minor = buf[start + 7]! - 48;
    const d0 = buf[start + 9]! - 48;
    const d1 = buf[start + 10]! - 48;
    const d2 = buf[start + 11]! - 48;
    let i = start + 12;
    const after = buf[i];
    // The versions llhttp accepts: 1.1, 1.0, and 0.9 and 2.0 (framed as 1.0).
    const v11 = major === 1 && minor === 1;
    const version = v11 || (major === 1 && minor === 0) || (major === 0 && minor === 9) || (major === 2 && minor === 0);
    if (!version || d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || (after !== SP && after !== CR)) {
      return this.fail(E_STATUS);
    }
    // The reason phrase: any bytes up to the CR (llhttp allows control characters there too).
    if (after === SP) {
      i++;
      while (i < lim && buf[i] !== CR && buf[i] !== LF) i++;
    }
    if (i + 1 >= lim) return i < lim && buf[i] !== CR ? this.fail(E_STATUS) : NEED_MORE;
    if (buf[i] !== CR || buf[i + 1] !== LF) return this.fail(E_STATUS);
    this.hStatus = d0 * 100 + d1 * 10 + d2;
    this.hV11 = v11;
    this.hLength = -1;
    this.hTe = false;
    this.hChunked = false;
    this.hClose = false;
    this.hKeepAlive = false;
    this.hHintMs = 0;
    return i + 2;
  }

  /** Parses a non-empty trailer section in buf[start, lim), like head() does a head. */
  private trailers(buf: Buffer, start: number, lim: number): number {
    if (this.resume < 0) this.hClose = false;
    const next = this.fields(buf, start + (this.resume < 0 ? 0 : this.resume), lim, start, true);
    if (next < 0) return next;
    if (this.hClose) this.keepAlive = false; // llhttp reads connection options in trailers too
    this.state = S.Done;
    return next;
  }

  /**
   * Field lines from `line` up to and including the empty line, in buf[line, lim): a token, ':', a
   * value of VALUE bytes, CRLF. Returns where the empty line ends, FAILED, or NEED_MORE with
   * `resume` at the first incomplete line (relative to the block's start, `base`). What the framing
   * fields say is left in the h* fields.
   */
  private fields(buf: Buffer, line: number, lim: number, base: number, trailers: boolean): number {
    const err = trailers ? E_TRAILER : E_HEADER;
    for (;;) {
      this.resume = line - base;
      if (line >= lim) return NEED_MORE;
      if (buf[line] === CR) {
        if (line + 1 >= lim) return NEED_MORE;
        return buf[line + 1] === LF ? line + 2 : this.fail(err);
      }
      // The name: no whitespace before the colon, and none before the name (obs-fold is refused).
      let i = line;
      while (i < lim && (CHAR[buf[i]!]! & TOKEN) !== 0) i++;
      if (i >= lim) return NEED_MORE;
      if (buf[i] !== 0x3a || i === line) return this.fail(err);
      const colon = i++;
      while (i < lim && (buf[i] === SP || buf[i] === HT)) i++;
      const vs = i;
      while (i < lim && (CHAR[buf[i]!]! & VALUE) !== 0) i++;
      if (i >= lim) return NEED_MORE;
      if (buf[i] !== CR) return this.fail(err);
      if (i + 1 >= lim) return NEED_MORE;
      if (buf[i + 1] !== LF) return this.fail(err);
      let ve = i;
      while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HT)) ve--;
      const nameLen = colon - line;
      if (nameLen === 14 && eqLower(buf, line, H_CONTENT_LENGTH)) {
        const n = parseLength(buf, vs, ve);
        if (n < 0 || (this.hLength >= 0 && n !== this.hLength)) return this.fail(E_LENGTH);
        // A chunked body has no length, trailers included.
        if (this.hTe || trailers) return this.fail(E_TE_CL);
        this.hLength = n;
      } else if (nameLen === 17 && !trailers && eqLower(buf, line, H_TRANSFER_ENCODING)) {
        if (this.hLength >= 0) return this.fail(E_TE_CL);
        // As llhttp: an empty value is no coding; a later header replaces the last coding.
        if (ve > vs) {
          this.hTe = true;
          this.hChunked = chunkedLast(buf, vs, ve);
        }
      } else if ((nameLen === 10 && eqLower(buf, line, H_CONNECTION)) || (nameLen === 16 && eqLower(buf, line, H_PROXY_CONNECTION))) {
        this.connectionOptions(buf, vs, ve);
      } else if (nameLen === 10 && !trailers && eqLower(buf, line, H_KEEP_ALIVE)) {
        const t = findLower(buf, vs, ve, 'timeout=');
        if (t >= 0) {
          const secs = parseLength(buf, t + 8, digitsEnd(buf, t + 8, ve));
          if (secs > 0) this.hHintMs = secs * 1000;
        }
      }
      line = i + 2;
    }
  }

  /** The `close` and `keep-alive` options of a connection header's comma-separated list (any header adds to them). */
  private connectionOptions(buf: Buffer, vs: number, ve: number): void {
    let s = vs;
    while (s < ve) {
      let e = s;
      while (e < ve && buf[e] !== 0x2c) e++;
      let a = s;
      let b = e;
      while (a < b && (buf[a] === SP || buf[a] === HT)) a++;
      while (b > a && (buf[b - 1] === SP || buf[b - 1] === HT)) b--;
      if (b - a === 5 && eqLower(buf, a, L_CLOSE)) this.hClose = true;
      else if (b - a === 10 && eqLower(buf, a, H_KEEP_ALIVE)) this.hKeepAlive = true;
      s = e + 1;
    }
  }
}

/** Whether buf[from, to) holds only CR and LF: the empty lines llhttp skips between responses. */
export function onlyLineBreaks(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== CR && buf[i] !== LF) return false;
  return true;
}

/** A head too short to judge whole: do its first bytes fit "HTTP/d.d ddd"? (So a non-HTTP peer fails at once.) */
function statusPrefixOk(buf: Buffer, s: number, e: number): boolean {
  const pattern = 'HTTP/d.d ddd';
  for (let k = 0; k < pattern.length && s + k < e; k++) {
    const c = buf[s + k]!;
    const p = pattern.charCodeAt(k);
    if (p === 0x64 ? c < 48 || c > 57 : c !== p) return false;
  }
  return true;
}

/** Whether the last coding of a transfer-encoding list (trimmed of SP and HTAB) is `chunked`. */
function chunkedLast(buf: Buffer, vs: number, ve: number): boolean {
  if (ve - vs < 7 || !eqLower(buf, ve - 7, L_CHUNKED)) return false;
  let i = ve - 7;
  while (i > vs && (buf[i - 1] === SP || buf[i - 1] === HT)) i--;
  return i === vs || buf[i - 1] === 0x2c;
}

/** buf[at, at + l.length) equals the lower-case literal l, ignoring ASCII case. */
function eqLower(buf: Buffer, at: number, l: Uint8Array): boolean {
  for (let i = 0; i < l.length; i++) if ((buf[at + i]! | 0x20) !== l[i]) return false;
  return true;
}

function findLower(buf: Buffer, s: number, e: number, needle: string): number {
  const n = needle.length;
  outer: for (let i = s; i + n <= e; i++) {
    for (let k = 0; k < n; k++) if ((buf[i + k]! | 0x20) !== needle.charCodeAt(k)) continue outer;
    return i;
  }
  return -1;
}

function digitsEnd(buf: Buffer, s: number, e: number): number {
  let i = s;
  while (i < e && buf[i]! >= 48 && buf[i]! <= 57) i++;
  return i;
}

/** Decimal digits in buf[s, e) (nothing else; leading zeros allowed), below 10^15; else -1. */
function parseLength(buf: Buffer, s: number, e: number): number {
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
