// Maps a failed request to an ErrorClass, and a status code to "counts as an error".
// Error codes come from undici (UND_ERR_*), Node's net/dns/tls layers, llhttp (HPE_*) and our lean
// HTTP/1.1 client (LOADTEST_*).
import type { ErrorClass } from '../../metrics/step-stats.js';

/** The code our own timeout sweep aborts requests with. */
export const TIMEOUT_CODE = 'LOADTEST_TIMEOUT';

const BY_CODE: Record<string, ErrorClass> = {
  [TIMEOUT_CODE]: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  EAI_FAIL: 'dns',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls',
  CERT_HAS_EXPIRED: 'tls',
  CERT_NOT_YET_VALID: 'tls',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls',
  ERR_SSL_WRONG_VERSION_NUMBER: 'tls',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'protocol',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'protocol',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'protocol',
  UND_ERR_HEADERS_OVERFLOW: 'protocol', // response headers past undici's limit (16 KiB by default)
  UND_ERR_INFO: 'protocol',
  // The lean client's own (http1-pool.ts, http1-response-parser.ts).
  LOADTEST_SOCKET_CLOSED: 'reset',
  LOADTEST_HTTP_PARSE: 'protocol',
  LOADTEST_HEADERS_OVERFLOW: 'protocol',
};

/** Classifies a transport-level failure (no usable response). */
export function classifyError(err: unknown): ErrorClass {
  const e = err as { code?: unknown; cause?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const known = BY_CODE[code];
  if (known) return known;
  if (code.startsWith('HPE_')) return 'protocol';
  // undici 7 builds HTTPParserError's code from llhttp's error *number* through a name→number table,
  // so the code is undefined for a garbage status line; the name is what identifies it.
  if ((e as { name?: unknown } | null)?.name === 'HTTPParserError') return 'protocol';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.includes('CERT')) return 'tls';
  // undici wraps some causes (e.g. a SocketError whose cause is the ECONNRESET).
  if (e?.cause && e.cause !== err) {
    const inner = classifyError(e.cause);
    if (inner !== 'other') return inner;
  }
  return 'other';
}

/** A lookup table: table[status] === 1 when the status counts as an `http` error. */
export function errorStatusTable(ranges: ReadonlyArray<readonly [number, number]>): Uint8Array {
  const table = new Uint8Array(1000);
  for (const [lo, hi] of ranges) for (let s = Math.max(0, lo); s <= Math.min(999, hi); s++) table[s] = 1;
  return table;
}
