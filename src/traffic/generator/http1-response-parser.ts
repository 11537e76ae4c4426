// A minimal HTTP/1.1 response parser for the lean client (http1-pool.ts): it reads the status, the
// framing headers (content-length, transfer-encoding, connection, proxy-connection, keep-alive) and
// counts body bytes, dropping them as they arrive. It never builds header objects or strings: a
// load generator only needs to know where a response ends and what its status was.
//
// It frames responses as llhttp's strict mode does (the parser inside undici and node:http), so that
// `traffic.client: lean` and `undici` count the same: test/unit/http1-llhttp-corpus.test.ts runs
// llhttp's own response corpus through it, and the README's client section lists where it differs
// on purpose. Heads and trailer sections are read line by line (http1-head.ts); empty lines before
// a status line are skipped. Bounded: 16 KiB of head (undici's default), as much per trailer section.
//
// Use: begin(isHead) before each request, then execute(chunk, from) per chunk:
//   >= 0  the response ended at that offset (bytes after it belong to nobody: see the pool);
//   NEED_MORE  every byte was consumed, the response goes on;
//   FAILED  the bytes are not valid HTTP/1.x (`error` says which rule broke).
// A body without length (no content-length, not chunked) ends when the connection closes: eof().
import { HeadParser } from './http1-head.js';
import {
  B,
  C,
  CHAR as CHAR_CLASSES,
  E_CHUNK,
  E_OVERFLOW,
  E_TRAILER,
  E_UPGRADE,
  FAILED,
  HEX as HEX_VALUES,
  type HttpParseError,
  MAX_HEAD_BYTES,
  NEED_MORE,
} from './http1-syntax.js';

export { FAILED, HttpParseError, MAX_HEAD_BYTES, NEED_MORE, onlyLineBreaks } from './http1-syntax.js';

// Module-local aliases: V8 folds a local constant into the hot loops, not an imported binding.
const CHAR = CHAR_CLASSES;
const HEX = HEX_VALUES;

/** Larger chunk sizes are refused (12 hex digits; leading zeros do not count): nobody sends a 256 TiB chunk. */
const MAX_CHUNK = 2 ** 48 - 1;

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
  private readonly lines = new HeadParser();

  /** Resets for the next response; `isHead`: the request was HEAD (the response has no body). */
  begin(isHead: boolean): void {
    this.status = 0;
    this.bodyBytes = 0;
    this.keepAlive = true;
    this.error = null;
    this.state = S.Head;
    this.isHead = isHead;
    this.partialLen = 0;
    this.lines.resume = -1;
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
          else if (c === B.CR) this.state = S.ChunkSizeLf;
          else if (c === B.SEMI) this.state = S.ExtStart;
          else return this.fail(E_CHUNK); // llhttp's strict mode: no whitespace after the size
          break;
        }
        // Chunk extensions: ignored, but their syntax is checked as llhttp does (no whitespace, a
        // quoted value may hold ';' but no CR), since a lax skip to the next CR can misframe.
        case S.ExtStart:
        case S.ExtName: {
          const c = chunk[pos++]!;
          if ((CHAR[c]! & C.TOKEN) !== 0) this.state = S.ExtName;
          else if (c === B.EQUALS) this.state = S.ExtValue;
          else if (c === B.SEMI) this.state = S.ExtStart;
          else if (c === B.CR && this.state === S.ExtName) this.state = S.ChunkSizeLf;
          else return this.fail(E_CHUNK);
          break;
        }
        case S.ExtValue: {
          const c = chunk[pos++]!;
          if ((CHAR[c]! & C.TOKEN) !== 0) break;
          if (c === B.DQUOTE) this.state = S.ExtQuoted;
          else if (c === B.SEMI) this.state = S.ExtStart;
          else if (c === B.CR) this.state = S.ChunkSizeLf;
          else return this.fail(E_CHUNK);
          break;
        }
        case S.ExtQuoted: {
          const c = chunk[pos++]!;
          if ((CHAR[c]! & C.QDTEXT) !== 0) break;
          if (c === B.DQUOTE) this.state = S.ExtQuotedEnd;
          else if (c === B.BACKSLASH) this.state = S.ExtQuotedPair;
          else return this.fail(E_CHUNK);
          break;
        }
        case S.ExtQuotedPair:
          if ((CHAR[chunk[pos++]!]! & C.VALUE) === 0) return this.fail(E_CHUNK);
          this.state = S.ExtQuoted;
          break;
        case S.ExtQuotedEnd: {
          const c = chunk[pos++]!;
          if (c === B.SEMI) this.state = S.ExtStart;
          else if (c === B.CR) this.state = S.ChunkSizeLf;
          else return this.fail(E_CHUNK);
          break;
        }
        case S.ChunkSizeLf:
          if (chunk[pos++] !== B.LF) return this.fail(E_CHUNK);
          this.chunkDigits = 0;
          this.state = this.remaining === 0 ? S.TrailerStart : S.ChunkData;
          break;
        case S.ChunkDataCr:
          if (chunk[pos++] !== B.CR) return this.fail(E_CHUNK);
          this.state = S.ChunkDataLf;
          break;
        case S.ChunkDataLf:
          if (chunk[pos++] !== B.LF) return this.fail(E_CHUNK);
          this.state = S.ChunkSize;
          break;
        case S.TrailerStart: {
          const c = chunk[pos]!;
          if (c === B.CR) {
            pos++;
            this.state = S.TrailerEndLf;
          } else if (c === B.LF) return this.fail(E_TRAILER); // a bare LF does not end the body: the next response would be read as trailers
          else this.state = S.Trailers;
          break;
        }
        case S.TrailerEndLf:
          if (chunk[pos++] !== B.LF) return this.fail(E_CHUNK);
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
        while (pos < end && (chunk[pos] === B.CR || chunk[pos] === B.LF)) pos++;
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
    this.lines.resume = -1;
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

  /** A head in buf[start, lim): where it ends (the framing decided), NEED_MORE or FAILED. */
  private head(buf: Buffer, start: number, lim: number): number {
    const h = this.lines;
    const next = h.head(buf, start, lim);
    if (next < 0) return next === FAILED ? this.fail(h.error!) : next;
    const st = h.status;
    if (h.hintMs > 0) this.keepAliveHintMs = h.hintMs;
    if (st < 200) {
      if (st === 101) return this.fail(E_UPGRADE);
      return next; // 100 Continue, 103 Early Hints: the state stays Head, the real response follows
    }
    this.status = st;
    // `close` wins over `keep-alive` in any version (llhttp lets a 1.0 keep-alive token win over close).
    let keepAlive = !h.close && (h.v11 || h.keepAlive);
    this.remaining = 0;
    this.chunkDigits = 0;
    if (this.isHead || st === 204 || st === 304) this.state = S.Done;
    else if (h.chunked) this.state = S.ChunkSize;
    else if (h.te || h.length < 0) {
      // A coding we do not frame (chunked not last), or no length: the body runs to the connection's end.
      this.state = S.UntilClose;
      keepAlive = false;
    } else if (h.length > 0) {
      this.state = S.Length;
      this.remaining = h.length;
    } else this.state = S.Done;
    this.keepAlive = keepAlive;
    return next;
  }

  /** A non-empty trailer section in buf[start, lim). */
  private trailers(buf: Buffer, start: number, lim: number): number {
    const next = this.lines.trailers(buf, start, lim);
    if (next < 0) return next === FAILED ? this.fail(this.lines.error!) : next;
    if (this.lines.close) this.keepAlive = false; // llhttp reads connection options in trailers too
    this.state = S.Done;
    return next;
  }
}
