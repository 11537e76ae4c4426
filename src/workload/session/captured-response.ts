// A response as a capture reads it, built only for steps that capture (never on the plain hot
// path). The lean client tees the raw bytes of such a response (head and body as they came, up to
// a cap) and this file reads them once the client's own parser has framed the response: header
// lines, and the body de-chunked when it was chunked. undici hands over its raw header list and
// body chunks instead.
import { MAX_CAPTURE_BODY, type CapturedResponse } from './capture.js';

/** Raw bytes kept per captured response: the head plus MAX_CAPTURE_BODY (past it: no body). */
export const MAX_CAPTURE_RAW = MAX_CAPTURE_BODY + 64 * 1024;

/** Collects a response's bytes up to MAX_CAPTURE_RAW; `over` once more came. */
export class ResponseTee {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  over = false;

  add(chunk: Buffer): void {
    if (this.over) return;
    if (this.bytes + chunk.length > MAX_CAPTURE_RAW) {
      this.over = true;
      return;
    }
    this.chunks.push(Buffer.from(chunk)); // a copy: the socket's chunk may be reused
    this.bytes += chunk.length;
  }
}

/** A raw HTTP/1.1 response (status line, headers, body as framed on the wire) as a capture reads it. */
export function rawCapturedResponse(status: number, tee: ResponseTee): CapturedResponse {
  const raw = Buffer.concat(tee.chunks);
  const end = raw.indexOf('\r\n\r\n');
  const head = (end < 0 ? raw : raw.subarray(0, end)).toString('latin1').split('\r\n');
  const headers = new Map<string, string>();
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  let body: Buffer | null = null;
  if (!tee.over && end >= 0) {
    const rest = raw.subarray(end + 4);
    body = /(^|,)\s*chunked\s*$/i.test(headers.get('transfer-encoding') ?? '') ? dechunk(rest) : rest;
    const len = Number(headers.get('content-length'));
    if (body !== null && Number.isSafeInteger(len) && len >= 0 && body.length > len) body = body.subarray(0, len);
    if (body !== null && body.length > MAX_CAPTURE_BODY) body = null;
  }
  return { status, header: (n) => headers.get(n), body };
}

/** A chunked body's data (the client's parser already checked the framing); null if it does not parse. */
function dechunk(b: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', i);
    if (eol < 0) return null;
    const size = parseInt(b.subarray(i, eol).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size)) return null;
    if (size === 0) return Buffer.concat(parts);
    parts.push(b.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
}

/** undici's form: raw header list [name, value, …] and the body chunks collected (null: over the cap). */
export function undiciCapturedResponse(status: number, rawHeaders: readonly Buffer[] | null, tee: ResponseTee): CapturedResponse {
  const headers = new Map<string, string>();
  for (let i = 0; rawHeaders && i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toString('latin1').toLowerCase();
    if (!headers.has(name)) headers.set(name, rawHeaders[i + 1]!.toString('latin1'));
  }
  const body = tee.over || tee.bytes > MAX_CAPTURE_BODY ? null : Buffer.concat(tee.chunks);
  return { status, header: (n) => headers.get(n), body };
}
