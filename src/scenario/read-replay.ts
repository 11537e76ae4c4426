// `traffic.replay: { file, format, methods, mode, name, headers }` → the request mix of an access
// log (workload/replay/), and with `mode: ordered` its timed sequence, read while the scenario loads
// so a missing file, a malformed JSON line (file:line:col in the log) or a log with no usable line
// is reported with every other problem.
import { isAbsolute, join, dirname } from 'node:path';
import { isScalar, isSeq } from 'yaml';
import { didYouMean } from './did-you-mean.js';
import { KEYS } from './fields.js';
import { readRequestName } from './read-request-fields.js';
import type { ReplaySpec, RequestSpec } from './scenario.js';
import type { MapView, Reader } from './yaml-reader.js';
import { LOG_FORMATS, type LogFormat } from '../workload/replay/log-formats.js';
import { readReplayLog } from '../workload/replay/read-log.js';

/**
 * Replaying a POST without its body (logs do not keep bodies) sends a request the service never
 * saw; so only methods without a body are replayed unless the scenario asks for more.
 */
export const DEFAULT_REPLAY_METHODS = ['GET', 'HEAD'] as const;
export const DEFAULT_REPLAY_NAME = 'replay';

const METHOD = /^[A-Z][A-Z0-9!#$%&'*+.^_`|~-]*$/;

export interface ReadHeaders {
  (r: Reader, hm: MapView, out: Record<string, string>): boolean;
}

/** The replay's spec and its requests (all named `spec.name`), or undefined with the problems recorded. */
export function readReplay(r: Reader, traffic: MapView, readHeaders: ReadHeaders, names: string[] = []): { spec: ReplaySpec; requests: RequestSpec[] } | undefined {
  const m = r.map(traffic.get('replay'), traffic.p('replay'), KEYS.replay, traffic.keyOffset('replay'));
  if (!m) return undefined;
  let ok = true;

  let file: string | undefined;
  if (m.require('file', 'the access log to replay, relative to this scenario file')) {
    file = r.text(m.get('file'), m.p('file'), 'a file path', false);
    if (file !== undefined && file.trim() === '') {
      r.reportAt(m.get('file'), m.p('file'), 'expected a file path, found an empty string');
      file = undefined;
    }
  }
  if (file === undefined) ok = false;

  let format: LogFormat | undefined;
  if (m.require('format', `the log's format: ${LOG_FORMATS.join(', ')}`)) {
    const v = r.text(m.get('format'), m.p('format'), LOG_FORMATS.join(', '), false);
    if (v !== undefined && (LOG_FORMATS as readonly string[]).includes(v)) format = v as LogFormat;
    else if (v !== undefined) r.reportAt(m.get('format'), m.p('format'), `expected ${LOG_FORMATS.join(', ')}, found '${v}'${didYouMean(v, LOG_FORMATS)}`);
  }
  if (format === undefined) ok = false;

  let mode: ReplaySpec['mode'] = 'mix';
  if (m.has('mode')) {
    const v = r.text(m.get('mode'), m.p('mode'), 'mix or ordered', false);
    if (v === 'mix' || v === 'ordered') mode = v;
    else {
      if (v !== undefined) r.reportAt(m.get('mode'), m.p('mode'), `expected mix or ordered, found '${v}'${didYouMean(v, ['mix', 'ordered'])}`);
      ok = false;
    }
  }
  if (mode === 'ordered' && traffic.has('arrival')) {
    // The log's own times are the schedule: a Poisson or uniform process would replace them.
    r.report(traffic.p('arrival'), "not used with traffic.replay.mode: ordered: the log's own times (scaled to each step's rate) are the schedule", traffic.keyOffset('arrival'));
    ok = false;
  }

  let methods: string[] = [...DEFAULT_REPLAY_METHODS];
  if (m.has('methods')) {
    const n = m.get('methods');
    const items = isSeq(n) ? r.seq(n, m.p('methods')) : [n];
    const got: string[] = [];
    items?.forEach((it, i) => {
      const path = isSeq(n) ? `${m.p('methods')}[${i}]` : m.p('methods');
      const v = r.text(it, path, 'an HTTP method such as GET', false);
      if (v !== undefined && METHOD.test(v.toUpperCase())) got.push(v.toUpperCase());
      else {
        if (v !== undefined) r.reportAt(it, path, `expected an HTTP method such as GET, found '${v}'`);
        ok = false;
      }
    });
    if (!items) ok = false;
    else if (items.length === 0) {
      r.reportAt(n, m.p('methods'), 'expected at least one method, e.g. [GET, HEAD]');
      ok = false;
    } else methods = [...new Set(got)];
  }

  let name: string = DEFAULT_REPLAY_NAME;
  if (m.has('name')) {
    const v = readRequestName(r, m);
    if (v === undefined) ok = false;
    else name = v;
  }
  names.push(name);

  const headers: Record<string, string> = {};
  const hn = m.get('headers');
  if (m.has('headers') && !(isScalar(hn) && hn.value === null)) {
    const hm = r.map(hn, m.p('headers'), 'any', m.keyOffset('headers'));
    if (!hm || !readHeaders(r, hm, headers)) ok = false;
  }

  // The log is read only when the keys that say how to read it are right.
  if (!ok || file === undefined || format === undefined) return undefined;
  // Relative to the scenario file: the scenario and its log travel together.
  const shown = isAbsolute(file) ? file : join(dirname(r.file), file);
  const res = readReplayLog(shown, format, new Set(methods), mode === 'ordered');
  if (!res.ok) {
    for (const p of res.problems) {
      if (p.line === undefined) r.reportAt(m.get('file'), m.p('file'), p.message);
      else r.problems.push({ path: '', message: p.message, pos: { file: shown, line: p.line, col: p.col ?? 1 } });
    }
    return undefined;
  }
  const log = res.log;
  const spec: ReplaySpec = {
    file: shown,
    format,
    mode,
    methods,
    name,
    lines: log.lines,
    skipped: log.skipped,
    excluded: log.excluded,
    requests: log.requests,
    distinct: log.entries.length,
  };
  if (log.firstSkipped) spec.firstSkipped = log.firstSkipped;
  if (log.trace) spec.trace = log.trace;
  // One headers object for all: thousands of requests, one set of headers.
  const requests: RequestSpec[] = log.entries.map((e) => ({ name, method: e.method, path: e.target, headers, weight: e.count }));
  return { spec, requests };
}
