// `target:` + `traffic:` → GenerateTrafficSpec (synthetic requests), or `traffic.shift:` →
// ShiftTrafficSpec (live traffic moved through a load balancer).
import { isMap, isScalar, isSeq } from 'yaml';
import { didYouMean } from './did-you-mean.js';
import { HINTS, KEYS } from './fields.js';
import { readReplay } from './read-replay.js';
import { readRequestName, readWeight } from './read-request-fields.js';
import type { GenerateTrafficSpec, ReplaySpec, RequestSpec, SessionSpec } from './scenario.js';
import { readSessions } from './read-sessions.js';
import { describeValue, parseDuration, parseStatusRange, parseTarget, type Parsed } from './values.js';
import type { MapView, Reader, YNode } from './yaml-reader.js';
import { literalText, readJsonBodyTemplate, readTemplate } from './read-template.js';
import type { RequestTemplate, TemplatePart } from '../workload/template.js';

export const GENERATE_DEFAULTS = {
  arrival: 'poisson',
  maxInFlight: 10_000,
  timeoutMs: 10_000,
  connections: 64,
  workers: 'auto',
  errorStatuses: [[500, 599]] as Array<[number, number]>,
  insecure: false,
  client: 'lean',
} as const;

/** HTTP method tokens (RFC 9110 token, upper-cased). */
const METHOD = /^[A-Z][A-Z0-9!#$%&'*+.^_`|~-]*$/;

/**
 * `names` receives the names of the requests that could be read, even when other parts of the
 * traffic are wrong, so `p99{name}` rules are still checked.
 */
export function readGenerateTraffic(r: Reader, root: MapView, traffic: MapView | undefined, names: string[] = []): GenerateTrafficSpec | undefined {
  let ok = true;
  let target: string | undefined;
  let auth: string | undefined;
  if (root.require('target', 'the origin to send requests to, e.g. http://127.0.0.1:8080')) {
    const raw = r.text(root.get('target'), 'target', 'an origin such as http://127.0.0.1:8080', false);
    if (raw !== undefined) {
      const t = r.parsed(root.get('target'), 'target', () => parseTarget(raw));
      if (t) {
        target = t.origin;
        if (t.username !== undefined || t.password !== undefined) {
          // URL credentials become a Basic authorization header, and every form of them a secret.
          const cred = `${t.username ?? ''}:${t.password ?? ''}`;
          auth = `Basic ${Buffer.from(cred).toString('base64')}`;
          for (const s of [t.password, cred, auth, raw]) if (s) r.secrets.add(s);
        }
      }
    }
  }
  if (target === undefined) ok = false;
  if (!traffic) return undefined;

  let replay: ReplaySpec | undefined;
  let requests: RequestSpec[] | undefined;
  let sessions: SessionSpec[] | undefined;
  if (traffic.has('sessions')) {
    let alone = true;
    for (const k of ['requests', 'request', 'replay']) {
      if (!traffic.has(k)) continue;
      r.report(traffic.p(k), `give either 'sessions' (each arrival runs a session's steps) or '${k}', not both`, traffic.keyOffset(k));
      alone = false;
    }
    const read = readSessions(r, traffic, names);
    if (read && alone) {
      sessions = read.sessions;
      requests = read.requests;
    }
  } else if (traffic.has('replay')) {
    for (const k of ['requests', 'request']) {
      if (traffic.has(k)) r.report(traffic.p(k), `give either 'replay' (requests from an access log) or '${k}', not both`, traffic.keyOffset(k));
    }
    // The name is known before the log is read, so `p99{replay}` is checked even when the log is wrong.
    const read = readReplay(r, traffic, readHeaders, names);
    if (read && !traffic.has('requests') && !traffic.has('request')) {
      replay = read.spec;
      requests = read.requests;
    }
  } else requests = readRequests(r, traffic, names);
  if (!requests) ok = false;
  if (requests && auth) for (const q of requests) if (!hasHeader(q.headers, 'authorization')) q.headers.authorization = auth;

  const spec: GenerateTrafficSpec = {
    kind: 'generate',
    target: target ?? '',
    requests: requests ?? [],
    arrival: GENERATE_DEFAULTS.arrival,
    maxInFlight: GENERATE_DEFAULTS.maxInFlight,
    timeoutMs: GENERATE_DEFAULTS.timeoutMs,
    connections: GENERATE_DEFAULTS.connections,
    workers: GENERATE_DEFAULTS.workers,
    errorStatuses: GENERATE_DEFAULTS.errorStatuses.map((x) => [x[0], x[1]] as [number, number]),
    insecure: GENERATE_DEFAULTS.insecure,
    client: GENERATE_DEFAULTS.client,
  };
  if (replay) spec.replay = replay;
  if (sessions) spec.sessions = sessions;
  const set = <T>(key: string, read: () => T | undefined, assign: (v: T) => void) => {
    if (!traffic.has(key)) return;
    const v = read();
    if (v === undefined) ok = false;
    else assign(v);
  };
  /** A key whose value is one of two words. */
  const either = <A extends string, B extends string>(key: string, a: A, b: B) => (): A | B | undefined => {
    const v = r.text(traffic.get(key), traffic.p(key), `${a} or ${b}`, false);
    if (v === undefined || v === a || v === b) return v as A | B | undefined;
    r.reportAt(traffic.get(key), traffic.p(key), `expected ${a} or ${b}, found '${v}'${didYouMean(v, [a, b])}`);
    return undefined;
  };
  set('arrival', either('arrival', 'poisson', 'uniform'), (v) => (spec.arrival = v));
  set('max_in_flight', () => r.integer(traffic.get('max_in_flight'), traffic.p('max_in_flight'), 1), (v) => (spec.maxInFlight = v));
  set('timeout', () => r.parsed(traffic.get('timeout'), traffic.p('timeout'), positiveDuration), (v) => (spec.timeoutMs = v));
  set('connections', () => r.integer(traffic.get('connections'), traffic.p('connections'), 1, 100_000), (v) => (spec.connections = v));
  set('workers', () => {
    const n = traffic.get('workers');
    const { value, failed } = r.value(n, traffic.p('workers'));
    if (failed) return undefined;
    if (value === 'auto') return 'auto' as const;
    if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+\s*$/.test(value))) return r.integer(n, traffic.p('workers'), 1, 256);
    r.reportAt(n, traffic.p('workers'), `expected a number of worker threads (1-256) or auto, found ${describeValue(value)}`);
    return undefined;
  }, (v) => (spec.workers = v));
  set('error_status', () => {
    const n = traffic.get('error_status');
    const items = isSeq(n) ? r.seq(n, traffic.p('error_status')) : [n];
    if (!items) return undefined;
    const ranges: Array<[number, number]> = [];
    let good = true;
    items.forEach((it, i) => {
      const range = r.parsed(it, isSeq(n) ? `${traffic.p('error_status')}[${i}]` : traffic.p('error_status'), parseStatusRange);
      if (range) ranges.push(range);
      else good = false;
    });
    return good ? ranges : undefined;
  }, (v) => (spec.errorStatuses = v));
  set('insecure', () => r.boolean(traffic.get('insecure'), traffic.p('insecure')), (v) => (spec.insecure = v));
  set('client', either('client', 'lean', 'undici'), (v) => (spec.client = v));
  return ok ? spec : undefined;
}

function positiveDuration(v: unknown): Parsed<number> {
  const d = parseDuration(v);
  return d.ok && !(d.value > 0) ? { ok: false, error: 'must be longer than 0' } : d;
}

function hasHeader(h: Record<string, string>, name: string): boolean {
  return Object.keys(h).some((k) => k.toLowerCase() === name);
}

function readRequests(r: Reader, traffic: MapView, names: string[]): RequestSpec[] | undefined {
  const hasList = traffic.has('requests');
  const hasOne = traffic.has('request');
  if (hasList && hasOne) {
    r.report(traffic.p('request'), "give either 'requests' (a weighted mix) or 'request' (a single request), not both", traffic.keyOffset('request'));
    return undefined;
  }
  if (!hasList && !hasOne) {
    if (!traffic.wasMisspelled('requests') && !traffic.wasMisspelled('request') && !traffic.wasMisspelled('replay') && !traffic.wasMisspelled('sessions')) {
      r.report(traffic.p('requests'), "missing required key 'requests': the requests to send, e.g. [{ path: / }] (or 'replay' to replay an access log)", traffic.anchor);
    }
    return undefined;
  }
  let nodes: Array<{ node: YNode; path: string }>;
  if (hasOne) nodes = [{ node: traffic.get('request'), path: traffic.p('request') }];
  else {
    const items = r.seq(traffic.get('requests'), traffic.p('requests'), 'a list of requests');
    if (!items) return undefined;
    if (items.length === 0) {
      r.reportAt(traffic.get('requests'), traffic.p('requests'), 'expected at least one request');
      return undefined;
    }
    nodes = items.map((node, i) => ({ node, path: `${traffic.p('requests')}[${i}]` }));
  }
  const out: RequestSpec[] = [];
  let ok = true;
  const seen = new Map<string, string>();
  for (const { node, path } of nodes) {
    const q = readRequest(r, node, path, names);
    if (!q) {
      ok = false;
      continue;
    }
    const prev = seen.get(q.spec.name);
    if (prev !== undefined) {
      const msg = q.m.has('name')
        ? `request name '${q.spec.name}' is already used by ${prev}; names must be unique`
        : `request name '${q.spec.name}' (the default, "METHOD path") is already used by ${prev}; give each request a distinct 'name'`;
      r.report(q.m.p('name'), msg, q.m.get('name')?.range?.[0] ?? q.m.anchor);
      ok = false;
    } else seen.set(q.spec.name, path);
    out.push(q.spec);
    names.push(q.spec.name);
  }
  return ok ? out : undefined;
}

/** One request (`keys`: what its mapping may hold: a session step adds `capture`). */
export function readRequest(
  r: Reader,
  node: YNode,
  path: string,
  names: string[],
  keys: readonly string[] = KEYS.request,
  /** Receives the request's mapping even when the request is wrong (a session step reads its captures from it). */
  view: { m?: MapView } = {},
): { spec: RequestSpec; m: MapView } | undefined {
  const m = r.map(node, path, keys, undefined, HINTS.request);
  if (m) view.m = m;
  if (!m) return undefined;
  let ok = true;
  let method = 'GET';
  if (m.has('method')) {
    const v = r.text(m.get('method'), m.p('method'), 'an HTTP method such as GET or POST', false);
    if (v !== undefined && METHOD.test(v.toUpperCase())) method = v.toUpperCase();
    else {
      if (v !== undefined) r.reportAt(m.get('method'), m.p('method'), `expected an HTTP method such as GET or POST, found '${v}'`);
      ok = false;
    }
  }
  let reqPath: string | undefined;
  const template: RequestTemplate = {};
  if (m.require('path', 'the path and query to request, beginning with /')) {
    reqPath = r.text(m.get('path'), m.p('path'), 'a path beginning with /');
    // `{{ … }}` holes: checked here; the literal characters around them are checked as a plain path's.
    const parts = reqPath === undefined ? null : readTemplate(r, m.get('path'), m.p('path'), reqPath);
    if (parts) template.path = parts;
    const literal = parts ? literalText(parts) : reqPath;
    if (parts === undefined) reqPath = undefined;
    else if (reqPath !== undefined && !reqPath.startsWith('/')) {
      const hint = /^https?:\/\//.test(reqPath) ? " (the origin goes in 'target'; give only the path here)" : '';
      r.reportAt(m.get('path'), m.p('path'), `expected a path beginning with /, found '${reqPath}'${hint}`);
      reqPath = undefined;
    } else if (reqPath !== undefined && /\s/.test(literal!)) {
      r.reportAt(m.get('path'), m.p('path'), `a path cannot contain spaces (encode them as %20), found '${reqPath}'`);
      reqPath = undefined;
    } else if (reqPath !== undefined && /[\0-\x1f\x7f]/.test(literal!)) {
      r.reportAt(m.get('path'), m.p('path'), `a path cannot contain control characters, found ${JSON.stringify(reqPath)}`);
      reqPath = undefined;
    }
  }
  if (reqPath === undefined) ok = false;
  let name = `${method} ${reqPath ?? ''}`;
  // Non-ASCII characters go on the wire percent-encoded as UTF-8 (as browsers send them); the
  // default name keeps them readable. (A templated path's literal parts are encoded when laid out.)
  if (reqPath !== undefined && !template.path) reqPath = reqPath.replace(/[^\x00-\x7f]+/gu, (s) => encodeURIComponent(s));
  let named = false;
  if (m.has('name')) {
    const v = readRequestName(r, m);
    if (v === undefined) ok = false;
    else {
      name = v;
      named = true;
    }
  }
  let weight = 1;
  const w = readWeight(r, m);
  if (w === undefined) ok = false;
  else weight = w;
  const headers: Record<string, string> = {};
  const hn = m.get('headers');
  if (m.has('headers') && !(isScalar(hn) && hn.value === null)) {
    const hm = r.map(m.get('headers'), m.p('headers'), 'any', m.keyOffset('headers'));
    const headerTemplates: Record<string, TemplatePart[]> = {};
    if (!hm || !readHeaders(r, hm, headers, headerTemplates)) ok = false;
    if (Object.keys(headerTemplates).length > 0) template.headers = headerTemplates;
  }
  let body: string | undefined;
  if (m.has('body')) {
    const b = m.get('body');
    if (isMap(b) || isSeq(b)) {
      // A structured body is sent as JSON (aliases and merge keys in it resolved).
      const data = r.plain(b, m.p('body'));
      if (data === undefined) ok = false;
      else {
        if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
        // Holes in its strings land inside JSON strings: JSON-escaped, always.
        const t = readJsonBodyTemplate(r, b, m.p('body'), data);
        if (t === undefined) ok = false;
        else {
          body = t.text;
          if (t.parts) template.body = t.parts;
        }
      }
    } else {
      body = r.text(b, m.p('body'), 'a string (or a mapping/list, sent as JSON)');
      const parts = body === undefined ? undefined : readTemplate(r, b, m.p('body'), body);
      if (parts === undefined) ok = false;
      else if (parts) template.body = parts;
    }
    // A templated body's length varies: ours is computed per request.
    const framing = Object.keys(headers).find((k) => /^(content-length|transfer-encoding)$/i.test(k));
    if (template.body && framing !== undefined) {
      r.report(m.p('headers'), `'${framing}' cannot be set for a templated body: its content-length is computed for each request`, m.keyOffset('headers'));
      ok = false;
    }
  }
  if (!ok) {
    if (named) names.push(name);
    return undefined;
  }
  const spec: RequestSpec = { name, method, path: reqPath!, headers, weight };
  if (body !== undefined) spec.body = body;
  if (template.path || template.headers || template.body) spec.template = template;
  return { spec, m };
}

/** Header values: a string, or `{ value, secret: true }` to mask it in every output. */
export function readHeaders(r: Reader, hm: MapView, out: Record<string, string>, templates: Record<string, TemplatePart[]> = {}): boolean {
  let ok = true;
  for (const name of hm.keys()) {
    const path = hm.p(name);
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      r.report(path, `'${name}' is not a valid header name`, hm.keyOffset(name));
      ok = false;
      continue;
    }
    const n = hm.get(name);
    if (isMap(n)) {
      const v = r.map(n, path, KEYS.header);
      if (!v || !v.require('value', 'the header value')) {
        ok = false;
        continue;
      }
      const value = r.text(v.get('value'), v.p('value'));
      const secret = v.has('secret') ? r.boolean(v.get('secret'), v.p('secret')) : false;
      if (value !== undefined && !safeHeaderValue(r, v.get('value'), v.p('value'), value)) ok = false;
      else if (value === undefined || secret === undefined) ok = false;
      else if (!headerTemplate(r, v.get('value'), v.p('value'), name, value, templates)) ok = false;
      else {
        out[name] = value;
        if (secret && value !== '') r.secrets.add(value);
      }
      continue;
    }
    const value = r.text(n, path, "a string or { value: '...', secret: true }");
    if (value === undefined || !safeHeaderValue(r, n, path, value)) ok = false;
    else if (!headerTemplate(r, n, path, name, value, templates)) ok = false;
    else out[name] = value;
  }
  return ok;
}

/**
 * A header value's holes. Its whole text (literal parts and the holes' quoted options) has passed
 * safeHeaderValue, so a random.pick option cannot hold CR, LF or NUL either; the other values the
 * sender makes are digits, hex and [A-Za-z0-9].
 */
function headerTemplate(r: Reader, node: YNode, path: string, name: string, value: string, templates: Record<string, TemplatePart[]>): boolean {
  const parts = readTemplate(r, node, path, value);
  if (parts) {
    // A data column's values were checked in the file at load time: one that a header cannot carry is refused now, not mid-run.
    for (const p of parts) {
      if (typeof p === 'string' || p.value.kind !== 'var') continue;
      const why = r.templateScope.headerProblem?.(p.value.name);
      if (why !== undefined) {
        r.reportAt(node, path, `${why} in '${p.source}'`);
        return false;
      }
    }
    templates[name] = parts;
  }
  return parts !== undefined;
}

/** A line break or NUL would end the header early and let the value forge others (the value is not quoted: it may be a secret). */
function safeHeaderValue(r: Reader, node: YNode, path: string, value: string): boolean {
  if (/[\r\n\0]/.test(value)) {
    r.reportAt(node, path, 'a header value cannot contain a line break or NUL character');
    return false;
  }
  // Header bytes are Latin-1 on the wire (as in undici and node:http): anything beyond would be mangled.
  if (/[^\x00-\xff]/.test(value)) {
    r.reportAt(node, path, 'a header value must be Latin-1 text (characters up to U+00FF); percent- or base64-encode the rest');
    return false;
  }
  return true;
}
