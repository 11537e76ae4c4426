// Requests for the lean client, serialized once per scenario request: the hot path writes the same
// Buffer again and again, with no string building or header objects per request. A templated
// request is laid out once as a byte template instead (compileTemplatedRequest), filled per send.
import type { RequestSpec } from '../../scenario/scenario.js';
import type { ColumnResolver } from '../../workload/byte-template.js';
import { compileWireRequest, withPlaceholders, type WireRequest } from '../../workload/request-template.js';

/** Methods whose requests carry a content-length even when empty (as undici and browsers send them). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** A header name or value that would break the request's framing (CR, LF or NUL). */
const UNSAFE = /[\r\n\0]/;

/**
 * The request's bytes on the wire: `METHOD path HTTP/1.1`, a host header unless the scenario sets
 * one, the scenario's headers in order, a content-length for a body (or an empty POST/PUT/PATCH)
 * unless the scenario sets one, then the body. Throws on a header that would split the request.
 */
export function serializeRequest(origin: URL, r: RequestSpec): Buffer {
  const body = r.body === undefined ? null : Buffer.from(r.body);
  let head = `${r.method} ${r.path} HTTP/1.1\r\n`;
  const names = new Set<string>();
  for (const [k, v] of Object.entries(r.headers)) {
    if (UNSAFE.test(k) || UNSAFE.test(v) || k.includes(':') || k.trim() !== k || k === '') {
      throw new Error(`request ${r.name}: header ${JSON.stringify(k)} cannot be sent (control character or bad name)`);
    }
    names.add(k.toLowerCase());
  }
  if (UNSAFE.test(r.path) || r.path.includes(' ')) throw new Error(`request ${r.name}: path ${JSON.stringify(r.path)} cannot be sent (space or control character)`);
  if (!names.has('host')) head += `host: ${origin.host}\r\n`;
  for (const [k, v] of Object.entries(r.headers)) head += `${k}: ${v}\r\n`;
  if (!names.has('content-length') && !names.has('transfer-encoding') && (body !== null || BODY_METHODS.has(r.method))) {
    head += `content-length: ${body === null ? 0 : body.length}\r\n`;
  }
  head += '\r\n';
  const h = Buffer.from(head, 'latin1');
  return body === null || body.length === 0 ? h : Buffer.concat([h, body]);
}

/**
 * A templated request for the lean client (workload/request-template.ts), after the same checks as
 * serializeRequest on its literal parts (every hole stands in as "0"); null when it has no holes.
 */
export function compileTemplatedRequest(origin: URL, r: RequestSpec, columns?: ColumnResolver): WireRequest | null {
  if (!r.template) return null;
  serializeRequest(origin, withPlaceholders(r));
  return compileWireRequest(origin, r, columns);
}
