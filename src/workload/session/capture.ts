// What a session step takes from its response for later steps: `capture: { item_id: json.id }`.
// Parsed once at load time (every problem quoted), applied per response by a pure function.
//
// Grammar of a capture source (a string, or a mapping for a regex):
//
//   source   = "status"                          the response's status code ("201")
//            / "header." header-name             a response header's value (first one; name any case)
//            / "json" 1*( "." key / "[" index "]" )   a value in a JSON body
//            / { regex: pattern }                 group 1 of the first match in the body (the whole
//                                                 match when the pattern has no group)
//   key      = 1*( ALPHA / DIGIT / "_" / "-" / "$" )
//   index    = 1*DIGIT
//
// e.g. json.id, json.items[0].id, json[2], header.location, status, { regex: 'token=(\w+)' }.
// A JSON value is captured as text: a string as is, a number or boolean as JSON writes it, an
// object or list as its JSON; null or a missing key is a failed capture (the step fails).
// Only json and regex need the body: a step without them never reads one (bodies are capped at
// MAX_CAPTURE_BODY; a longer one fails the capture).

/** Most body bytes a capture reads (1 MiB); past it the capture fails. */
export const MAX_CAPTURE_BODY = 1 << 20;

export type CaptureSource =
  | { kind: 'status' }
  | { kind: 'header'; name: string }
  | { kind: 'json'; path: Array<string | number> }
  | { kind: 'regex'; pattern: string };

export interface CaptureSpec {
  /** The variable templates of later steps name: `{{ item_id }}`. */
  name: string;
  from: CaptureSource;
  /** As written (`json.items[0].id`), for messages. */
  source: string;
}

export type ParsedCapture = { ok: true; from: CaptureSource } | { ok: false; error: string };

const KINDS = ['json.<path>', 'header.<name>', 'status', '{ regex: <pattern> }'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A capture source written as a string (`json.id`, `header.location`, `status`). */
export function parseCaptureSource(text: string): ParsedCapture {
  const s = text.trim();
  if (s === 'status') return { ok: true, from: { kind: 'status' } };
  if (s.startsWith('header.')) {
    const name = s.slice('header.'.length);
    if (!HEADER_NAME.test(name)) return { ok: false, error: `'${s}': expected header.<name> with a header name such as header.location` };
    return { ok: true, from: { kind: 'header', name: name.toLowerCase() } };
  }
  if (s === 'json' || s.startsWith('json.') || s.startsWith('json[')) return parseJsonPath(s);
  if (s === 'regex' || s.startsWith('regex')) return { ok: false, error: `'${s}': write a regex capture as { regex: '<pattern>' }` };
  const head = /^[A-Za-z_]+/.exec(s)?.[0] ?? s;
  const guess = closestKind(head);
  return { ok: false, error: `unknown capture '${s}': expected ${KINDS.join(', ')}${guess ? `; did you mean '${guess}'?` : ''}` };
}

/** A regex capture: the pattern must compile and have at most one group. */
export function parseCaptureRegex(pattern: string): ParsedCapture {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (e) {
    return { ok: false, error: `regex '${pattern}' does not compile: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}` };
  }
  const groups = new RegExp(`${re.source}|`).exec('')!.length - 1;
  if (groups > 1) return { ok: false, error: `regex '${pattern}' has ${groups} groups: give at most one (its match is the value), or use (?:…) for the others` };
  return { ok: true, from: { kind: 'regex', pattern } };
}

function parseJsonPath(s: string): ParsedCapture {
  const path: Array<string | number> = [];
  let i = 'json'.length;
  const bad = (why: string): ParsedCapture => ({ ok: false, error: `'${s}': ${why} at character ${i + 1} (a JSON path is like json.id or json.items[0].id)` });
  while (i < s.length) {
    if (s[i] === '.') {
      const m = /^[A-Za-z0-9_$-]+/.exec(s.slice(i + 1));
      if (!m) return bad('expected a key after "."');
      path.push(m[0]);
      i += 1 + m[0].length;
    } else if (s[i] === '[') {
      const m = /^\[(\d+)\]/.exec(s.slice(i));
      if (!m) return bad('expected [<index>]');
      path.push(Number(m[1]));
      i += m[0].length;
    } else return bad(`unexpected '${s[i]}'`);
  }
  if (path.length === 0) return { ok: false, error: `'${s}': name a value in the body, such as json.id` };
  return { ok: true, from: { kind: 'json', path } };
}

function closestKind(head: string): string | undefined {
  const h = head.toLowerCase();
  if (['jsn', 'jason', 'josn', 'body', 'js'].includes(h)) return 'json.<path>';
  if (['headers', 'hdr', 'heder', 'header'].includes(h)) return 'header.<name>';
  if (['code', 'status_code', 'statuscode', 'stat'].includes(h)) return 'status';
  if (['re', 'regexp', 'pattern'].includes(h)) return '{ regex: <pattern> }';
  return undefined;
}

/** Whether any capture needs the response body. */
export const needsBody = (captures: readonly CaptureSpec[]): boolean => captures.some((c) => c.from.kind === 'json' || c.from.kind === 'regex');

/** A finished response, as a capture sees it. `body`: null when not read (or past MAX_CAPTURE_BODY). */
export interface CapturedResponse {
  status: number;
  /** A header's value by lower-case name, or undefined. */
  header(name: string): string | undefined;
  body: Buffer | null;
}

export type CaptureResult = { ok: true; values: Array<[string, string]> } | { ok: false; error: string };

/** Applies a step's captures to its response: every value, or the first that failed and why. */
export function applyCaptures(captures: readonly CaptureSpec[], res: CapturedResponse): CaptureResult {
  const values: Array<[string, string]> = [];
  let json: { value: unknown } | null | undefined;
  for (const c of captures) {
    const f = c.from;
    let v: string | undefined;
    let why = 'not found';
    if (f.kind === 'status') v = String(res.status);
    else if (f.kind === 'header') v = res.header(f.name);
    else if (res.body === null) why = `no body read (a body over ${MAX_CAPTURE_BODY} bytes is not captured from)`;
    else if (f.kind === 'regex') {
      const m = new RegExp(f.pattern).exec(res.body.toString('utf8'));
      if (m) v = m[1] ?? m[0];
    } else {
      if (json === undefined) {
        try {
          json = { value: JSON.parse(res.body.toString('utf8')) };
        } catch {
          json = null;
        }
      }
      if (json === null) why = 'the body is not JSON';
      else v = jsonText(walk(json.value, f.path));
    }
    if (v === undefined) return { ok: false, error: `capture ${c.name} (${c.source}): ${why}` };
    values.push([c.name, v]);
  }
  return { ok: true, values };
}

function walk(v: unknown, path: ReadonlyArray<string | number>): unknown {
  let x = v;
  for (const k of path) {
    if (x === null || typeof x !== 'object') return undefined;
    if (typeof k === 'number') {
      if (!Array.isArray(x)) return undefined;
      x = x[k];
    } else {
      if (Array.isArray(x) || !Object.hasOwn(x, k)) return undefined;
      x = (x as Record<string, unknown>)[k];
    }
  }
  return x;
}

function jsonText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
