// A minimal HTTP/1.1 response parser for the lean client (http1-pool.ts): it reads the status, the
// framing headers (content-length, transfer-encoding, connection, keep-alive) and counts body
// bytes, dropping them as they arrive. It never builds header objects or strings: a load generator
// only needs to know where a response ends and what its status was. Strict where being lax would
// misframe the next response on a keep-alive connection (bad status line, CL+TE together,
// conflicting lengths, bad chunk sizes) and bounded (16 KiB of head, like undici's default).
//
// Use: begin(isHead) before each request, then execute(chunk, from) per chunk:
//   >= 0  the response ended at that offset (bytes after it belong to nobody: see the pool);
//   NEED_MORE  every byte was consumed, the response goes on;
//   FAILED  the bytes are not valid HTTP/1.x (`error` says which rule broke).
// A body without length (no content-length, not chunked) ends when the connection closes: eof().

/** The head (status line + headers) may not exceed this many bytes. */
export const MAX_HEAD_BYTES = 16 * 1024;

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
const E_UPGRADE = new HttpParseError('unexpected 101 Switching Protocols');

const enum S {
  Head,
  Length,
  ChunkSize,
  ChunkExt,
  ChunkSizeLf,
  ChunkData,
  ChunkDataCr,
  ChunkDataLf,
  TrailerStart,
  Trailer,
  TrailerEndLf,
  UntilClose,
  Done,
}

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const lit = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const H_CONTENT_LENGTH = lit('content-length');
const H_TRANSFER_ENCODING = lit('transfer-encoding');
const H_CONNECTION = lit('connection');
const H_KEEP_ALIVE = lit('keep-alive');

/** tchar (RFC 9110 §5.6.2) lookup: header names are tokens. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN[c.charCodeAt(0)] = 1;

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
  /** A head split across chunks, gathered until its end is seen. */
  private partial: Buffer | null = null;

  /** Resets for the next response; `isHead`: the request was HEAD (the response has no body). */
  begin(isHead: boolean): void {
    this.status = 0;
    this.bodyBytes = 0;
    this.keepAlive = true;
    this.error = null;
    this.state = S.Head;
    this.isHead = isHead;
    this.partial = null;
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
        case S.Head: {
          const r = this.head(chunk, pos, end);
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
            if (++this.chunkDigits > 12) return this.fail(E_CHUNK); // > 2^48: nobody sends that
            this.remaining = this.remaining * 16 + v;
          } else if (this.chunkDigits === 0) return this.fail(E_CHUNK);
          else if (c === 0x0d) this.state = S.ChunkSizeLf;
          else if (c === 0x3b || c === 0x20 || c === 0x09) this.state = S.ChunkExt;
          else return this.fail(E_CHUNK);
          break;
        }
        case S.ChunkExt: {
          // Extensions are ignored up to the line's CR.
          const cr = chunk.indexOf(0x0d, pos);
          if (cr < 0 || cr >= end) return NEED_MORE;
          pos = cr + 1;
          this.state = S.ChunkSizeLf;
          break;
        }
        case S.ChunkSizeLf:
          if (chunk[pos++] !== 0x0a) return this.fail(E_CHUNK);
          this.chunkDigits = 0;
          this.state = this.remaining === 0 ? S.TrailerStart : S.ChunkData;
          break;
        case S.ChunkDataCr:
          if (chunk[pos++] !== 0x0d) return this.fail(E_CHUNK);
          this.state = S.ChunkDataLf;
          break;
        case S.ChunkDataLf:
          if (chunk[pos++] !== 0x0a) return this.fail(E_CHUNK);
          this.state = S.ChunkSize;
          break;
        case S.TrailerStart:
          this.state = chunk[pos++] === 0x0d ? S.TrailerEndLf : S.Trailer;
          break;
        case S.Trailer: {
          const lf = chunk.indexOf(0x0a, pos);
          if (lf < 0 || lf >= end) return NEED_MORE;
          pos = lf + 1;
          this.state = S.TrailerStart;
          break;
        }
        case S.TrailerEndLf:
          if (chunk[pos++] !== 0x0a) return this.fail(E_CHUNK);
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

  /** Finds the end of the head from `pos` (gathering across chunks), parses it; returns where the body starts. */
  private head(chunk: Buffer, pos: number, end: number): number {
    let buf = chunk;
    let start = pos;
    if (this.partial !== null) {
      buf = Buffer.concat([this.partial, chunk.subarray(pos, end)]);
      start = 0;
    }
    const limit = buf === chunk ? end : buf.length;
    let at = buf.indexOf(CRLFCRLF, start);
    if (at + 4 > limit) at = -1; // found only in stale bytes past `end` of a reused buffer
    if (at < 0) {
      if (limit - start > MAX_HEAD_BYTES) return this.fail(E_OVERFLOW);
      this.partial = buf === chunk ? Buffer.from(chunk.subarray(pos, end)) : buf;
      return NEED_MORE;
    }
    if (at + 4 - start > MAX_HEAD_BYTES) return this.fail(E_OVERFLOW);
    const prior = this.partial === null ? 0 : this.partial.length;
    this.partial = null;
    const err = this.parseHead(buf, start, at + 2);
    if (err !== null) return this.fail(err);
    // Where the body starts, as an offset into `chunk`.
    const next = buf === chunk ? at + 4 : pos + (at + 4 - prior);
    if (this.status < 200) {
      if (this.status === 101) return this.fail(E_UPGRADE);
      this.state = S.Head; // 100 Continue, 103 Early Hints: the real response follows
      return next;
    }
    return next;
  }

  /** Parses the status line and headers in buf[start, end) (end is just past the last header's CRLF). */
  private parseHead(buf: Buffer, start: number, end: number): HttpParseError | null {
    // "HTTP/1.x SSS" then a space or the line end.
    if (
      end - start < 14 ||
      buf[start] !== 0x48 ||
      buf[start + 1] !== 0x54 ||
      buf[start + 2] !== 0x54 ||
      buf[start + 3] !== 0x50 ||
      buf[start + 4] !== 0x2f ||
      buf[start + 5] !== 0x31 ||
      buf[start + 6] !== 0x2e ||
      buf[start + 8] !== 0x20
    ) {
      return E_STATUS;
    }
    const minor = buf[start + 7]! - 48;
    const d0 = buf[start + 9]! - 48;
    const d1 = buf[start + 10]! - 48;
    const d2 = buf[start + 11]! - 48;
    const after = buf[start + 12];
    if ((minor !== 0 && minor !== 1) || d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || (after !== 0x20 && after !== 0x0d)) {
      return E_STATUS;
    }
    this.status = d0 * 100 + d1 * 10 + d2;
    let keepAlive = minor === 1;
    let contentLength = -1;
    let chunked = false;
    let te = false;
    let line = buf.indexOf(0x0a, start + 12) + 1;
    if (line === 0 || buf[line - 2] !== 0x0d) return E_STATUS;
    // The status line may carry any reason phrase, but no control characters.
    for (let i = start + 12; i < line - 2; i++) if (buf[i]! < 0x20 && buf[i] !== 0x09) return E_STATUS;
    while (line < end) {
      let colon = -1;
      let i = line;
      for (; i < end; i++) {
        const c = buf[i]!;
        if (c === 0x3a) {
          colon = i;
          break;
        }
        if (TOKEN[c] === 0) return E_HEADER;
      }
      if (colon <= line) return E_HEADER;
      const lf = buf.indexOf(0x0a, colon);
      if (lf < 0 || lf >= end || buf[lf - 1] !== 0x0d) return E_HEADER;
      // Value: trimmed of spaces and tabs; no control characters.
      let vs = colon + 1;
      let ve = lf - 1;
      for (let k = vs; k < ve; k++) {
        const c = buf[k]!;
        if ((c < 0x20 && c !== 0x09) || c === 0x7f) return E_HEADER;
      }
      while (vs < ve && (buf[vs] === 0x20 || buf[vs] === 0x09)) vs++;
      while (ve > vs && (buf[ve - 1] === 0x20 || buf[ve - 1] === 0x09)) ve--;
      const nameLen = colon - line;
      if (nameLen === 14 && eqLower(buf, line, H_CONTENT_LENGTH)) {
        const n = parseLength(buf, vs, ve);
        if (n < 0 || (contentLength >= 0 && n !== contentLength)) return E_LENGTH;
        contentLength = n;
      } else if (nameLen === 17 && eqLower(buf, line, H_TRANSFER_ENCODING)) {
        te = true;
        // Chunked only when it is the last coding applied.
        chunked = ve - vs >= 7 && eqLower(buf, ve - 7, lit7chunked) && (ve - vs === 7 || buf[ve - 8] === 0x20 || buf[ve - 8] === 0x2c);
      } else if (nameLen === 10 && eqLower(buf, line, H_CONNECTION)) {
        if (containsLower(buf, vs, ve, 'close')) keepAlive = false;
        else if (containsLower(buf, vs, ve, 'keep-alive')) keepAlive = true;
      } else if (nameLen === 10 && eqLower(buf, line, H_KEEP_ALIVE)) {
        const t = findLower(buf, vs, ve, 'timeout=');
        if (t >= 0) {
          const secs = parseLength(buf, t + 8, digitsEnd(buf, t + 8, ve));
          if (secs > 0) this.keepAliveHintMs = secs * 1000;
        }
      }
      line = lf + 1;
    }
    if (te && contentLength >= 0) return E_TE_CL;
    this.keepAlive = keepAlive;
    this.remaining = 0;
    this.chunkDigits = 0;
    const st = this.status;
    if (st < 200) this.state = S.Head;
    else if (this.isHead || st === 204 || st === 304) this.state = S.Done;
    else if (chunked) this.state = S.ChunkSize;
    else if (te) {
      // A coding we do not frame (not chunked last): the body runs to the connection's end.
      this.state = S.UntilClose;
      this.keepAlive = false;
    } else if (contentLength > 0) {
      this.state = S.Length;
      this.remaining = contentLength;
    } else if (contentLength === 0) this.state = S.Done;
    else {
      this.state = S.UntilClose;
      this.keepAlive = false;
    }
    return null;
  }
}

const lit7chunked = lit('chunked');

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

const containsLower = (buf: Buffer, s: number, e: number, needle: string): boolean => findLower(buf, s, e, needle) >= 0;

function digitsEnd(buf: Buffer, s: number, e: number): number {
  let i = s;
  while (i < e && buf[i]! >= 48 && buf[i]! <= 57) i++;
  return i;
}

/** Decimal digits in buf[s, e) (nothing else), or -1. */
function parseLength(buf: Buffer, s: number, e: number): number {
  if (s >= e || e - s > 15) return -1;
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
