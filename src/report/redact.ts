// Secret masking for every output: terminal, JSON/JUnit/Markdown/HTML reports, the JSONL step log and
// error messages. A scenario lists its secrets (values of `${ENV}` references, headers marked
// `secret: true`, URL passwords); anything printed or written goes through a Redactor first, so a
// token can only leak through a path that forgot to call it — never through one that did.
//
// What is masked as `***`:
//   1. every listed secret, wherever it appears, also in its percent-encoded form (URLs);
//   2. the password part of URL userinfo (`scheme://user:PASSWORD@host`), listed or not;
//   3. the value after a credential-carrying header name (`authorization: …`, `cookie=…`,
//      `"x-api-key":"…"`) in free text, listed or not;
//   4. in objects (redactDeep): the whole string value of a key that names such a header;
//   5. the value of a query parameter whose name looks like a credential (`?token=…`, `&api_key=…`,
//      `&X-Amz-Signature=…`, see CREDENTIAL_PARAM): replayed access logs carry them by the thousand,
//      far too many to list, so they are recognised by shape. The requests sent keep the real values.

/** Replaces secrets in a text with `***`. Pure; cheap when there is nothing to mask. */
export type Redactor = (text: string) => string;

export const MASK = '***';

/**
 * Header names whose values are credentials whatever the scenario says. Matched case-insensitively
 * against a whole header name (x-api-key, X-Auth-Token, proxy-authorization, set-cookie, …).
 */
const SENSITIVE_HEADER = /^(?:proxy-)?authorization$|^(?:set-)?cookie$|^x-(?:[a-z0-9]+-)*(?:api-?key|token|secret|auth)$|^api-?key$/i;

/** True for a header (or object key) name whose value is a credential. */
export function isSensitiveHeaderName(name: string): boolean {
  return SENSITIVE_HEADER.test(name);
}

// `scheme://user:password@` — the password runs to the next '@' that precedes the host part; it may
// not contain '/', whitespace, quotes or '@' (an '@' in a password must be percent-encoded anyway).
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@"'<>]*:)([^\s/@"'<>]+)(@)/gi;

// `authorization: Bearer x`, `Cookie=a=b; c=d`, `"x-api-key":"k"`, `'X-Auth-Token': 'k'`. The value
// runs to the end of the line, or to the closing quote when it was quoted.
const HEADER_IN_TEXT =
  /((?:proxy-)?authorization|(?:set-)?cookie|x-(?:[a-z0-9]+-)*(?:api-?key|token|secret|auth)|api-?key)(["']?\s*[:=]\s*)(?:"((?:[^"\\\r\n]|\\.)*)"|'([^'\r\n]*)'|([^\r\n]+))/gi;

/**
 * Query parameter names whose values are credentials: a name ending in one of these words (any
 * case, any prefix: `access_token`, `apiKey`, `X-Amz-Signature`, `client_secret`, `oauth`), or
 * one of the short names. Masking a harmless value (`monkey=`) costs nothing; missing a token leaks it.
 */
const CREDENTIAL_PARAM_NAME = '[A-Za-z0-9_.\\-\\[\\]%]*?(?:token|key|secret|passw(?:or)?d|pwd|sig|signature|auth|authori[sz]ation|credentials?|jwt|session[_-]?id|sessid)';
/** `?name=value` / `&name=value` / `;name=value`: the value runs to the next `&`, `#`, quote, space or `<>`. */
const QUERY_CREDENTIAL = new RegExp(`([?&;](?:${CREDENTIAL_PARAM_NAME}|sid|pass|pw|code|otp)=)([^&#;\\s"'<>]+)`, 'gi');

/** True for a query parameter name whose value is a credential (token, api_key, sig, password, …). */
export function isCredentialParam(name: string): boolean {
  QUERY_CREDENTIAL.lastIndex = 0;
  return QUERY_CREDENTIAL.test(`?${name}=x`);
}

/** A request target with the values of credential-like query parameters masked (rule 5 alone). */
export function maskQueryCredentials(text: string): string {
  return text.includes('=') ? text.replace(QUERY_CREDENTIAL, (_m, head: string, v: string) => (v === MASK ? head + v : head + MASK)) : text;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Below this length a secret is masked only as a whole token (see createRedactor). */
const SHORT_SECRET = 4;

/**
 * Builds a redactor for these secrets. Empty strings are ignored; every other secret, however short,
 * is masked. A secret shorter than 4 characters (an `${ITEM_ID}` of `7` in a path) is masked only
 * where it stands as a whole token, not inside longer words and numbers: masking every `7` would
 * turn timestamps and figures into `***` soup while protecting nothing. Longer secrets are matched
 * first so a secret that contains another is masked whole.
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const variants = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length === 0) continue;
    variants.add(s);
    // In URLs and query strings a secret travels percent-encoded; JSON escapes quotes/backslashes.
    const encoded = encodeURIComponent(s);
    if (encoded !== s) variants.add(encoded);
    const jsonEscaped = JSON.stringify(s).slice(1, -1);
    if (jsonEscaped !== s) variants.add(jsonEscaped);
  }
  const sorted = [...variants].sort((a, b) => b.length - a.length);
  const pattern = (v: string): string =>
    v.length >= SHORT_SECRET ? escapeRegExp(v) : `(?<![A-Za-z0-9])${escapeRegExp(v)}(?![A-Za-z0-9])`;
  const listed = sorted.length > 0 ? new RegExp(sorted.map(pattern).join('|'), 'g') : null;

  return (text: string): string => {
    if (typeof text !== 'string' || text.length === 0) return text;
    let out = text;
    if (listed !== null) {
      listed.lastIndex = 0;
      out = out.replace(listed, MASK);
    }
    if (out.includes('://')) out = out.replace(URL_PASSWORD, `$1${MASK}$3`);
    out = maskQueryCredentials(out);
    out = out.replace(HEADER_IN_TEXT, (_m, name: string, sep: string, dq?: string, sq?: string) => {
      if (dq !== undefined) return `${name}${sep}"${MASK}"`;
      if (sq !== undefined) return `${name}${sep}'${MASK}'`;
      return `${name}${sep}${MASK}`;
    });
    return out;
  };
}

/** A redactor that masks only URL passwords and credential headers (no listed secrets). */
export const defaultRedactor: Redactor = createRedactor([]);

/**
 * A deep copy of a JSON-like value with every string (and object key) redacted, and the whole value
 * of credential-named keys (`authorization`, `cookie`, `x-api-key`, …) masked. Numbers, booleans and
 * null are kept; cycles are cut (a repeated object becomes '[Circular]'). Use on a report before
 * writing it.
 */
export function redactDeep<T>(value: T, redact: Redactor): T {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v);
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return '[Circular]';
    seen.add(v);
    let out: unknown;
    if (Array.isArray(v)) {
      out = v.map(walk);
    } else if (v instanceof Date) {
      out = v;
    } else {
      const o: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
        o[redact(k)] = typeof val === 'string' && isSensitiveHeaderName(k) && val.length > 0 ? MASK : walk(val);
      }
      out = o;
    }
    seen.delete(v);
    return out;
  };
  return walk(value) as T;
}

/** An error's message (and stack, when wanted) with secrets masked: for printing runtime failures. */
export function redactError(err: unknown, redact: Redactor, withStack = false): string {
  if (err instanceof Error) return redact(withStack ? (err.stack ?? err.message) : err.message);
  return redact(String(err));
}

/**
 * Wraps a write function so everything written through it is redacted first (terminal output,
 * JSONL lines). Keep writes whole lines: a secret split across two writes cannot be recognized.
 */
export function redactingWrite(write: (text: string) => unknown, redact: Redactor): (text: string) => void {
  return (text: string) => {
    write(redact(text));
  };
}
