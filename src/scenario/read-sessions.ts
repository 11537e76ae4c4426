// `traffic.sessions` → SessionSpec[]: each session a weighted list of steps, each step a request
// (as in `traffic.requests`, without weight, with `capture`) or a `think` time. Templates of a step
// may use what earlier steps of its session captured (`{{ item_id }}`): the scope grows step by
// step, and a variable used before any step captures it is an error at its hole, saying which
// step captures it. Captures are parsed here (src/workload/session/capture.ts), each problem at
// its key; every problem of every session is reported at once. A step with `continue_on_failure`
// lets its session go on past its failure (the engine: src/traffic/generator/engine.ts).
import { isMap } from 'yaml';
import { KEYS } from './fields.js';
import { readRequest } from './read-traffic.js';
import { readWeight } from './read-request-fields.js';
import { RESERVED_DATA_NAMES } from './read-data.js';
import type { RequestSpec, SessionSpec, SessionStepSpec } from './scenario.js';
import { parseDuration } from './values.js';
import type { MapView, Reader, YNode } from './yaml-reader.js';
import type { TemplateScope } from '../workload/template-scope.js';
import { parseCaptureRegex, parseCaptureSource, type CaptureSpec } from '../workload/session/capture.js';

/** What a captured variable's name must look like: it is written `{{ item_id }}`. */
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The sessions and, flattened in order, the requests their steps are (step.request indexes them).
 * `names` receives the step names that could be read (for `p99{read}` checks).
 */
export function readSessions(r: Reader, traffic: MapView, names: string[]): { sessions: SessionSpec[]; requests: RequestSpec[] } | undefined {
  const items = r.seq(traffic.get('sessions'), traffic.p('sessions'), 'a list of sessions');
  if (!items) return undefined;
  if (items.length === 0) {
    r.reportAt(traffic.get('sessions'), traffic.p('sessions'), 'expected at least one session, e.g. [{ name: buyer, steps: [{ path: / }] }]');
    return undefined;
  }
  const requests: RequestSpec[] = [];
  const sessions: SessionSpec[] = [];
  const seen = new Map<string, string>();
  let ok = true;
  items.forEach((node, i) => {
    const view: { m?: MapView; name?: string } = {};
    const s = readSession(r, node, `${traffic.p('sessions')}[${i}]`, names, requests, view);
    if (view.m && view.name !== undefined) {
      const prev = seen.get(view.name);
      if (prev !== undefined) {
        r.reportAt(view.m.get('name'), view.m.p('name'), `session name '${view.name}' is already used by ${prev}; names must be unique`);
        ok = false;
      } else seen.set(view.name, `${traffic.p('sessions')}[${i}]`);
    }
    if (!s) ok = false;
    else sessions.push(s);
  });
  return ok ? { sessions, requests } : undefined;
}

function readSession(r: Reader, node: YNode, path: string, names: string[], requests: RequestSpec[], view: { m?: MapView; name?: string }): SessionSpec | undefined {
  const m = r.map(node, path, KEYS.session);
  if (!m) return undefined;
  view.m = m;
  let ok = true;
  let name: string | undefined;
  if (m.require('name', 'a name for this session, used in reports')) {
    name = r.text(m.get('name'), m.p('name'), undefined, false);
    if (name !== undefined && (name.trim() === '' || /[{}]/.test(name))) {
      r.reportAt(m.get('name'), m.p('name'), `expected a non-empty name without '{' or '}', found '${name}'`);
      name = undefined;
    }
  }
  if (name === undefined) ok = false;
  else view.name = name;
  let weight = 1;
  const w = readWeight(r, m);
  if (w === undefined) ok = false;
  else weight = w;
  if (!m.require('steps', 'the requests of this session, in order, e.g. [{ path: / }]')) return undefined;
  const nodes = r.seq(m.get('steps'), m.p('steps'), 'a list of steps');
  if (!nodes) return undefined;

  // Where each variable is first captured, for "used before captured" (a later step, or this one).
  const capturedAt = new Map<string, number>();
  nodes.forEach((n, k) => {
    const d = isMap(n) ? n.get('capture', true) : undefined;
    if (isMap(d)) for (const it of d.items) if (typeof (it.key as { value?: unknown })?.value === 'string' && !capturedAt.has((it.key as { value: string }).value)) capturedAt.set((it.key as { value: string }).value, k);
  });

  const base = r.templateScope;
  const known = new Set<string>();
  const steps: SessionStepSpec[] = [];
  let think: { minMs: number; maxMs: number } | undefined;
  let thinkAt: { node: YNode; path: string } | undefined;
  nodes.forEach((n, k) => {
    const stepPath = `${m.p('steps')}[${k}]`;
    if (isMap(n) && n.has('think')) {
      const tm = r.map(n, stepPath, ['think']);
      if (!tm) {
        ok = false;
        return;
      }
      const t = readThink(r, tm.get('think'), tm.p('think'));
      if (!t) {
        ok = false;
        think ??= { minMs: 0, maxMs: 0 }; // stands in, so what follows is still judged
        thinkAt ??= { node: tm.get('think'), path: tm.p('think') };
      } else if (think) {
        r.reportAt(tm.get('think'), tm.p('think'), 'two think steps in a row: write one (their times add up)');
        ok = false;
      } else {
        think = t;
        thinkAt = { node: tm.get('think'), path: tm.p('think') };
      }
      return;
    }
    const before = think;
    think = undefined;
    thinkAt = undefined;
    r.templateScope = sessionScope(base, known, capturedAt, k);
    const view: { m?: MapView } = {};
    const q = readRequest(r, n, stepPath, names, KEYS.sessionStep, view);
    r.templateScope = base;
    // Captures are checked even when the request is wrong: all problems at once.
    const captures = view.m ? readCaptures(r, view.m, base) : [];
    if (!captures) ok = false;
    const goOn = view.m ? readContinueOnFailure(r, view.m) : false;
    if (goOn === undefined) ok = false;
    if (!q) {
      ok = false;
      return;
    }
    for (const c of captures ?? []) known.add(c.name);
    requests.push(q.spec);
    names.push(q.spec.name);
    steps.push({ request: requests.length - 1, captures: captures ?? [], ...(before ? { think: before } : {}), ...(goOn ? { continueOnFailure: true as const } : {}) });
  });
  if (thinkAt) {
    r.reportAt(thinkAt.node, thinkAt.path, 'a think time after the last step delays nothing: remove it (a think time comes before the step it delays)');
    ok = false;
  }
  if (ok && steps.length === 0) {
    r.reportAt(m.get('steps'), m.p('steps'), 'expected at least one request step');
    ok = false;
  }
  return ok && name !== undefined ? { name, weight, steps } : undefined;
}

/**
 * `continue_on_failure: true | false`. Not with `capture`: a failed step captures nothing, so the
 * steps after it would be sent without the values they were written for.
 */
function readContinueOnFailure(r: Reader, m: MapView): boolean | undefined {
  if (!m.has('continue_on_failure')) return false;
  const v = r.boolean(m.get('continue_on_failure'), m.p('continue_on_failure'));
  if (v === true && m.has('capture')) {
    r.reportAt(m.get('continue_on_failure'), m.p('continue_on_failure'), 'a step that captures values cannot continue on failure: a failed step captures nothing, and the steps after it would miss its values');
    return undefined;
  }
  return v;
}

/** A step's templates see the data columns and what earlier steps captured. */
function sessionScope(base: TemplateScope, known: ReadonlySet<string>, capturedAt: ReadonlyMap<string, number>, step: number): TemplateScope {
  // A name an earlier step captures is known even when that capture was written wrong (reported there).
  const earlier = (n: string) => (capturedAt.get(n) ?? Infinity) < step;
  const mine = [...capturedAt.keys()].filter(earlier);
  return {
    has: (n) => known.has(n) || earlier(n) || base.has(n),
    names: () => [...base.names(), ...mine],
    explain: (n) => {
      const at = capturedAt.get(n);
      if (at !== undefined && at >= step) {
        const who = at === step ? 'this step captures it, from its own response' : `step ${at + 1} captures it`;
        return { error: `'${n}' is used before any step captures it (${who}; a step can use only what earlier steps of its session captured)` };
      }
      return base.explain?.(n);
    },
    headerProblem: (n) => base.headerProblem?.(n),
  };
}

function readCaptures(r: Reader, m: MapView, base: TemplateScope): CaptureSpec[] | undefined {
  if (!m.has('capture')) return [];
  const cm = r.map(m.get('capture'), m.p('capture'), 'any', m.keyOffset('capture'));
  if (!cm) return undefined;
  const out: CaptureSpec[] = [];
  let ok = true;
  for (const name of cm.keys()) {
    const path = cm.p(name);
    const node = cm.get(name);
    if (!VAR_NAME.test(name)) {
      r.report(path, `'${name}' cannot name a captured value: templates write it as {{ ${name} }}, so use letters, digits and _ (not first a digit)`, cm.keyOffset(name));
      ok = false;
      continue;
    }
    if (Object.hasOwn(RESERVED_DATA_NAMES, name) || name === 'json' || base.names().some((x) => x.startsWith(`${name}.`))) {
      r.report(path, `'${name}' is already a template name (a built-in or a data feeder); capture into another name`, cm.keyOffset(name));
      ok = false;
      continue;
    }
    let source: string | undefined;
    let parsed;
    if (isMap(node)) {
      const rm = r.map(node, path, ['regex']);
      if (!rm || !rm.require('regex', 'the pattern whose first group is the value')) {
        ok = false;
        continue;
      }
      const pattern = r.text(rm.get('regex'), rm.p('regex'), 'a regular expression', false);
      if (pattern === undefined) {
        ok = false;
        continue;
      }
      source = `{ regex: ${pattern} }`;
      parsed = parseCaptureRegex(pattern);
    } else {
      source = r.text(node, path, 'json.<path>, header.<name>, status or { regex: <pattern> }', false);
      if (source === undefined) {
        ok = false;
        continue;
      }
      parsed = parseCaptureSource(source);
    }
    if (!parsed.ok) {
      r.reportAt(node, path, parsed.error);
      ok = false;
      continue;
    }
    out.push({ name, from: parsed.from, source });
  }
  return ok ? out : undefined;
}

/** `think: 20ms` or a range `10ms-50ms` (uniform). */
function readThink(r: Reader, node: YNode, path: string): { minMs: number; maxMs: number } | undefined {
  const { value, failed } = r.value(node, path);
  if (failed) return undefined;
  const text = typeof value === 'number' ? `${value}` : typeof value === 'string' ? value : undefined;
  const range = text === undefined ? null : /^\s*([^-\s]+)\s*-\s*([^-\s]+)\s*$/.exec(text);
  const parts = range ? [range[1], range[2]] : [value];
  const ms: number[] = [];
  for (const p of parts) {
    const d = parseDuration(p);
    if (!d.ok) {
      r.reportAt(node, path, `expected a think time such as 20ms or a range such as 10ms-50ms, found ${JSON.stringify(value)}: ${d.error}`);
      return undefined;
    }
    ms.push(d.value);
  }
  const [minMs, maxMs] = [ms[0]!, ms[ms.length - 1]!];
  if (minMs > maxMs) {
    r.reportAt(node, path, `think ${text}: the shortest time is longer than the longest`);
    return undefined;
  }
  return { minMs, maxMs };
}
