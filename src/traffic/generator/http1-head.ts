// The lines of a response head (status line, header fields) or of a chunked body's trailer
// section, read in place in one pass — no search for CRLFCRLF first, no strings — as llhttp's strict
// mode reads them: CRLF line ends only, a token name and ':' with no whitespace, a value of
// field-vchars, no line folding. A line is judged as soon as it is complete, so a bad one fails
// without waiting for an end that may never come (an LF-only server). What the framing fields say
// is left in public fields for http1-response-parser.ts to act on.
//
// head() and trailers() return where the block ends (just past its empty line), FAILED (`error`
// says why) or NEED_MORE: every complete line was valid, and the next call, with the same bytes
// and more after them, resumes at the first incomplete line.
import {
  B,
  C,
  chunkedLast,
  digitsEnd,
  E_HEADER,
  E_LENGTH,
  E_STATUS,
  E_TE_CL,
  E_TRAILER,
  eqLower,
  FAILED,
  findLower,
  type HttpParseError,
  lit,
  NEED_MORE,
  parseLength,
  statusPrefixOk,
  CHAR as CHAR_CLASSES,
} from './http1-syntax.js';

// A module-local alias: V8 folds a local constant into the hot loops, not an imported binding.
const CHAR = CHAR_CLASSES;

const H_CONTENT_LENGTH = lit('content-length');
const H_TRANSFER_ENCODING = lit('transfer-encoding');
const H_CONNECTION = lit('connection');
const H_PROXY_CONNECTION = lit('proxy-connection');
const H_KEEP_ALIVE = lit('keep-alive');
const L_CLOSE = lit('close');

export class HeadParser {
  status = 0;
  /** HTTP/1.1 (else 1.0, or 0.9 and 2.0, which llhttp frames as 1.0). */
  v11 = false;
  /** content-length, or -1. */
  length = -1;
  /** A non-empty transfer-encoding was given. */
  te = false;
  /** ... and its last coding is chunked. */
  chunked = false;
  /** A `close` / `keep-alive` option in a connection or proxy-connection header. */
  close = false;
  keepAlive = false;
  /** `keep-alive: timeout=N`, ms; 0 if none. */
  hintMs = 0;
  error: HttpParseError | null = null;
  /** Where a split block's parse resumes (offset from its start); -1: from the start. */
  resume = -1;

  /** A head in buf[start, lim). */
  head(buf: Buffer, start: number, lim: number): number {
    let line = start + this.resume;
    if (this.resume < 0) {
      line = this.statusLine(buf, start, lim);
      if (line < 0) return line;
    }
    return this.fields(buf, line, lim, start, false);
  }

  /** A non-empty trailer section in buf[start, lim): only connection options (and a forbidden content-length) matter. */
  trailers(buf: Buffer, start: number, lim: number): number {
    if (this.resume < 0) this.close = false;
    return this.fields(buf, start + (this.resume < 0 ? 0 : this.resume), lim, start, true);
  }

  private fail(e: HttpParseError): number {
    this.error = e;
    return FAILED;
  }

  /** The status line at buf[start, lim): returns where the field lines start (the fields reset), NEED_MORE or FAILED. */
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
      buf[start + 8] !== B.SP
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
    if (!version || d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || (after !== B.SP && after !== B.CR)) {
      return this.fail(E_STATUS);
    }
    // The reason phrase: any bytes up to the CR (llhttp allows control characters there too).
    if (after === B.SP) {
      i++;
      while (i < lim && buf[i] !== B.CR && buf[i] !== B.LF) i++;
    }
    if (i + 1 >= lim) return i < lim && buf[i] !== B.CR ? this.fail(E_STATUS) : NEED_MORE;
    if (buf[i] !== B.CR || buf[i + 1] !== B.LF) return this.fail(E_STATUS);
    this.status = d0 * 100 + d1 * 10 + d2;
    this.v11 = v11;
    this.length = -1;
    this.te = false;
    this.chunked = false;
    this.close = false;
    this.keepAlive = false;
    this.hintMs = 0;
    return i + 2;
  }

  /** Field lines from `line` up to and including the empty line; `base`: the block's start (for `resume`). */
  private fields(buf: Buffer, line: number, lim: number, base: number, trailers: boolean): number {
    const err = trailers ? E_TRAILER : E_HEADER;
    for (;;) {
      if (line >= lim) return this.more(line - base);
      if (buf[line] === B.CR) {
        if (line + 1 >= lim) return this.more(line - base);
        return buf[line + 1] === B.LF ? line + 2 : this.fail(err);
      }
      // The name: a token right before the colon; a line starting with whitespace (obs-fold) fails here.
      let i = line;
      while (i < lim && (CHAR[buf[i]!]! & C.TOKEN) !== 0) i++;
      if (i >= lim) return this.more(line - base);
      if (buf[i] !== B.COLON || i === line) return this.fail(err);
      const colon = i++;
      while (i < lim && (buf[i] === B.SP || buf[i] === B.HT)) i++;
      const vs = i;
      while (i < lim && (CHAR[buf[i]!]! & C.VALUE) !== 0) i++;
      if (i >= lim) return this.more(line - base);
      if (buf[i] !== B.CR) return this.fail(err);
      if (i + 1 >= lim) return this.more(line - base);
      if (buf[i + 1] !== B.LF) return this.fail(err);
      let ve = i;
      while (ve > vs && (buf[ve - 1] === B.SP || buf[ve - 1] === B.HT)) ve--;
      const nameLen = colon - line;
      if (nameLen === 14 && eqLower(buf, line, H_CONTENT_LENGTH)) {
        const n = parseLength(buf, vs, ve);
        if (n < 0 || (this.length >= 0 && n !== this.length)) return this.fail(E_LENGTH);
        // A chunked body has no length, trailers included.
        if (this.te || trailers) return this.fail(E_TE_CL);
        this.length = n;
      } else if (nameLen === 17 && !trailers && eqLower(buf, line, H_TRANSFER_ENCODING)) {
        if (this.length >= 0) return this.fail(E_TE_CL);
        // As llhttp: an empty value is no coding; a later header replaces the last coding.
        if (ve > vs) {
          this.te = true;
          this.chunked = chunkedLast(buf, vs, ve);
        }
      } else if ((nameLen === 10 && eqLower(buf, line, H_CONNECTION)) || (nameLen === 16 && eqLower(buf, line, H_PROXY_CONNECTION))) {
        this.connectionOptions(buf, vs, ve);
      } else if (nameLen === 10 && !trailers && eqLower(buf, line, H_KEEP_ALIVE)) {
        const t = findLower(buf, vs, ve, 'timeout=');
        if (t >= 0) {
          const secs = parseLength(buf, t + 8, digitsEnd(buf, t + 8, ve));
          if (secs > 0) this.hintMs = secs * 1000;
        }
      }
      line = i + 2;
    }
  }

  private more(resume: number): number {
    this.resume = resume;
    return NEED_MORE;
  }

  /** The `close` and `keep-alive` options of a connection header's comma-separated list (any header adds to them). */
  private connectionOptions(buf: Buffer, vs: number, ve: number): void {
    let s = vs;
    while (s < ve) {
      let e = s;
      while (e < ve && buf[e] !== B.COMMA) e++;
      let a = s;
      let b = e;
      while (a < b && (buf[a] === B.SP || buf[a] === B.HT)) a++;
      while (b > a && (buf[b - 1] === B.SP || buf[b - 1] === B.HT)) b--;
      if (b - a === 5 && eqLower(buf, a, L_CLOSE)) this.close = true;
      else if (b - a === 10 && eqLower(buf, a, H_KEEP_ALIVE)) this.keepAlive = true;
      s = e + 1;
    }
  }
}
