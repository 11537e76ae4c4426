// A templated request, laid out once per thread for each client. The lean client gets the whole
// request as one byte template — the same bytes, in the same order, as serializeRequest writes for
// a static request (http1-request.ts), with holes — filled into the connection's reused buffer;
// a templated body is filled first into a scratch buffer, so its content-length is known before
// the head ends. undici (and `plan`) get the path, each header value and the body separately.
// Requests without holes never come here: they keep their one precomputed Buffer.
import type { RequestSpec } from '../scenario/scenario.js';
import { ByteTemplate, ByteTemplateBuilder, OutBuffer, writeInt, type ColumnResolver, type TemplateRuntime } from './byte-template.js';
import type { TemplatePart } from './template.js';

/** Methods whose requests carry a content-length even when empty (as in serializeRequest). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');

export interface WireRequest {
  /** The request up to the end of its head, or, with a static body, the whole request. */
  head: ByteTemplate;
  /** A templated body: the head then ends with `content-length: ` and the length is written per send. */
  body: ByteTemplate | null;
}

/**
 * The lean client's layout of a templated request; null for a request without holes. The caller
 * (http1-request.ts) first runs serializeRequest's checks on withPlaceholders(r).
 */
export function compileWireRequest(origin: URL, r: RequestSpec, columns?: ColumnResolver): WireRequest | null {
  const t = r.template;
  if (!t) return null;
  const names = new Set(Object.keys(r.headers).map((k) => k.toLowerCase()));
  const b = new ByteTemplateBuilder(columns).text(`${r.method} `).parts(t.path ?? [r.path], 'path').text(' HTTP/1.1\r\n');
  if (!names.has('host')) b.text(`host: ${origin.host}\r\n`);
  for (const [k, v] of Object.entries(r.headers)) b.text(`${k}: `).parts(t.headers?.[k] ?? [v], 'header').text('\r\n');
  const framed = names.has('content-length') || names.has('transfer-encoding');
  if (t.body) {
    if (framed) throw new Error(`request ${r.name}: a templated body gets its content-length per request; remove the content-length / transfer-encoding header`);
    b.text('content-length: ');
    return { head: b.build(), body: new ByteTemplateBuilder(columns).parts(t.body, 'body').build() };
  }
  const body = r.body === undefined ? null : Buffer.from(r.body);
  if (!framed && (body !== null || BODY_METHODS.has(r.method))) b.text(`content-length: ${body === null ? 0 : body.length}\r\n`);
  b.text('\r\n');
  if (body !== null) b.bytes(body);
  return { head: b.build(), body: null };
}

/** Fills a wire request into `out` (from 0); returns its length. `scratch`: the body's own buffer (a templated body). */
export function renderWire(w: WireRequest, out: OutBuffer, scratch: OutBuffer, rt: TemplateRuntime): number {
  if (w.body === null) return w.head.fill(out, 0, rt);
  const bodyLen = w.body.fill(scratch, 0, rt);
  let pos = w.head.fill(out, 0, rt);
  out.ensure(pos + 20 + bodyLen, pos);
  pos = writeInt(out.buf, pos, bodyLen);
  pos += CRLF2.copy(out.buf, pos);
  return pos + scratch.buf.copy(out.buf, pos, 0, bodyLen);
}

/** A templated request's parts, for clients that take a path, headers and a body (undici) and for `plan`. */
export interface RequestParts {
  method: string;
  path: ByteTemplate;
  headers: Array<[string, ByteTemplate]>;
  body: ByteTemplate | null;
}

export function compileRequestParts(r: RequestSpec, columns?: ColumnResolver): RequestParts {
  const t = r.template ?? {};
  const b = () => new ByteTemplateBuilder(columns);
  return {
    method: r.method,
    path: b().parts(t.path ?? [r.path], 'path').build(),
    headers: Object.entries(r.headers).map(([k, v]) => [k, b().parts(t.headers?.[k] ?? [v], 'header').build()]),
    body: t.body ? b().parts(t.body, 'body').build() : r.body === undefined ? null : b().parts([r.body], 'body').build(),
  };
}

export interface RenderedParts {
  method: string;
  path: string;
  /** Flat [name, value, name, value, …] (undici's form). */
  headers: string[];
  body: Buffer | null;
}

/** One rendering of the parts (a fresh body Buffer: the client may hold it until written). */
export function renderParts(p: RequestParts, scratch: OutBuffer, rt: TemplateRuntime): RenderedParts {
  const str = (t: ByteTemplate): string => {
    const n = t.fill(scratch, 0, rt); // first: it may grow scratch.buf
    return scratch.buf.toString('latin1', 0, n);
  };
  const path = str(p.path);
  const headers: string[] = [];
  for (const [k, t] of p.headers) headers.push(k, str(t));
  let body: Buffer | null = null;
  if (p.body !== null) {
    const n = p.body.fill(scratch, 0, rt);
    body = Buffer.from(scratch.buf.subarray(0, n));
  }
  return { method: p.method, path, headers, body };
}

/** The request with every hole replaced by "0": what the static checks of serializeRequest judge. */
export function withPlaceholders(r: RequestSpec): RequestSpec {
  const t = r.template!;
  const fill = (parts: readonly TemplatePart[]) => parts.map((p) => (typeof p === 'string' ? p : '0')).join('');
  const headers = { ...r.headers };
  for (const [k, parts] of Object.entries(t.headers ?? {})) headers[k] = fill(parts);
  const { template: _t, ...rest } = r;
  return { ...rest, path: t.path ? fill(t.path) : r.path, headers, ...(t.body ? { body: fill(t.body) } : {}) };
}
