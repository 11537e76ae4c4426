// `traffic.shift:` → ShiftTrafficSpec and `metrics:` → MetricsSourceSpec (live traffic mode).
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import { METRICS } from '../slo/metric-catalog.js';
import { didYouMean } from './did-you-mean.js';
import { KEYS } from './fields.js';
import type { CommandShifterSpec, HaproxyNodeSpec, HaproxyShifterSpec, MetricsSourceSpec, ShiftLimits, ShiftTrafficSpec } from './scenario.js';
import { describeValue, parseDuration, parsePercent } from './values.js';
import type { MapView, Reader, YNode } from './yaml-reader.js';

export const SHIFT_DEFAULTS = {
  prometheusIntervalMs: 5_000,
  scrapeIntervalMs: 2_000,
  histogram: 'http_request_duration_seconds',
} as const;

/** Default journal path: `.loadtest/journal-<backend or first server>.json`. */
export function defaultJournal(name: string): string {
  return `.loadtest/journal-${name.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

export function readShiftTraffic(r: Reader, shift: MapView): ShiftTrafficSpec | undefined {
  const hasH = shift.has('haproxy');
  const hasC = shift.has('command');
  let shifter: HaproxyShifterSpec | CommandShifterSpec | undefined;
  if (hasH && hasC) {
    r.report(shift.p('command'), "give either 'haproxy' or 'command', not both", shift.keyOffset('command'));
  } else if (!hasH && !hasC) {
    if (!shift.wasMisspelled('haproxy') && !shift.wasMisspelled('command')) r.report(shift.p('haproxy'), "missing how to shift traffic: 'haproxy' (runtime API) or 'command' (your own get/set weight commands)", shift.anchor);
  } else if (hasH) {
    shifter = isSeq(shift.get('haproxy')) ? readHaproxyNodes(r, shift) : readHaproxy(r, shift.child('haproxy', KEYS.haproxy));
  } else {
    shifter = readCommand(r, shift.child('command', KEYS.command));
  }

  let limits: ShiftLimits | undefined = {};
  const lm = shift.child('limits', KEYS.limits);
  if (!lm) limits = undefined;
  else {
    if (lm.has('max_share')) {
      const v = r.parsed(lm.get('max_share'), lm.p('max_share'), (x) => parsePercent(x));
      if (v === undefined) limits = undefined;
      else if (limits) limits.maxShare = v;
    }
    if (lm.has('max_weight_step')) {
      // HAProxy weights are 0-256, so a larger step is meaningless.
      const v = r.integer(lm.get('max_weight_step'), lm.p('max_weight_step'), 1, 256);
      if (v === undefined) limits = undefined;
      else if (limits) limits.maxWeightStep = v;
    }
  }

  let journalFile: string | undefined;
  if (shift.has('journal')) {
    journalFile = r.text(shift.get('journal'), shift.p('journal'), 'a file path', false);
    if (journalFile === '') {
      r.reportAt(shift.get('journal'), shift.p('journal'), 'expected a file path, found an empty string');
      journalFile = undefined;
    }
  } else if (shifter) {
    journalFile = defaultJournal(shifter.type === 'haproxy' ? shifter.backend : (shifter.servers[0] ?? 'command'));
  }
  let stopFile: string | undefined;
  if (shift.has('stop_file')) {
    stopFile = r.text(shift.get('stop_file'), shift.p('stop_file'), 'a file path', false);
    if (stopFile === '') {
      r.reportAt(shift.get('stop_file'), shift.p('stop_file'), 'expected a file path, found an empty string');
      return undefined;
    }
    if (stopFile === undefined) return undefined;
    if (journalFile !== undefined && resolve(stopFile) === resolve(journalFile)) {
      r.reportAt(shift.get('stop_file'), shift.p('stop_file'), 'the stop file must not be the journal: creating it would end the run at once and the journal would be lost');
      return undefined;
    }
  }
  if (!shifter || !limits || journalFile === undefined) return undefined;
  return { kind: 'shift', shifter, limits, journalFile, stopFile: stopFile ?? defaultStopFile(journalFile) };
}

/** Default stop file (the kill switch `loadtest stop` creates): next to the journal. */
export function defaultStopFile(journalFile: string): string {
  return `${journalFile}.stop`;
}

/** A node's identity: its runtime API (absolute socket path, or host:port) and backend. */
function nodeKey(n: HaproxyNodeSpec): string {
  return `${n.socket !== undefined ? `socket ${resolve(n.socket)}` : `address ${n.address}`} backend ${n.backend}`;
}

/**
 * The list form: one entry per load-balancer node, each the single-map form. One set of weights goes
 * to every node, so every node must name the same servers under test; the same node twice is refused
 * (its "original" weights would be journaled twice and restored in a race).
 */
function readHaproxyNodes(r: Reader, shift: MapView): HaproxyShifterSpec | undefined {
  const path = shift.p('haproxy');
  const items = r.seq(shift.get('haproxy'), path, 'a list of HAProxy nodes');
  if (!items) return undefined;
  if (items.length === 0) {
    r.reportAt(shift.get('haproxy'), path, 'expected at least one HAProxy node: { socket: …, backend: …, servers: […] }');
    return undefined;
  }
  const nodes: HaproxyNodeSpec[] = [];
  const seen = new Map<string, number>();
  let ok = true;
  items.forEach((it, i) => {
    const at = `${path}[${i}]`;
    const spec = readHaproxy(r, r.map(it, at, KEYS.haproxy));
    if (!spec) {
      ok = false;
      return;
    }
    const { type: _t, ...node } = spec;
    const key = nodeKey(node);
    const first = nodes[0];
    if (seen.has(key)) {
      r.reportAt(it, at, `the same node as ${path}[${seen.get(key)}] (${key}): list each node once`);
      ok = false;
    } else if (first && (first.servers.length !== node.servers.length || first.servers.some((s) => !node.servers.includes(s)))) {
      const m = r.map(it, at, 'any')!;
      r.reportAt(m.get('servers'), `${at}.servers`, `every node must list the same servers under test (one set of weights goes to all nodes): ${path}[0] lists ${first.servers.join(', ')}, this one ${node.servers.join(', ')}`);
      ok = false;
    }
    seen.set(key, i);
    nodes.push(node);
  });
  if (!ok) return undefined;
  return { type: 'haproxy', ...nodes[0]!, nodes };
}

/** Every node of an HAProxy shifter: the list form's nodes, or the single map as one node. */
export function haproxyNodes(spec: HaproxyShifterSpec): HaproxyNodeSpec[] {
  return spec.nodes ?? [{ ...(spec.socket !== undefined ? { socket: spec.socket } : {}), ...(spec.address !== undefined ? { address: spec.address } : {}), backend: spec.backend, servers: spec.servers }];
}

function names(r: Reader, node: YNode, path: string, what: string): string[] | undefined {
  const items = r.seq(node, path, `a list of ${what}`);
  if (!items) return undefined;
  const out: string[] = [];
  let ok = true;
  items.forEach((it, i) => {
    const v = r.text(it, `${path}[${i}]`, `a ${what.replace(/s$/, '')} name`, false);
    if (v === undefined || v.trim() === '') {
      if (v !== undefined) r.reportAt(it, `${path}[${i}]`, 'expected a name, found an empty string');
      ok = false;
    } else if (out.includes(v)) {
      r.reportAt(it, `${path}[${i}]`, `'${v}' is listed twice`);
      ok = false;
    } else out.push(v);
  });
  if (ok && out.length === 0) {
    r.reportAt(node, path, `expected at least one ${what.replace(/s$/, '')}`);
    return undefined;
  }
  return ok ? out : undefined;
}

/**
 * A runtime API endpoint: exactly one of `socket` (a unix socket path) or `address` (host:port),
 * written into `spec`. false when it is missing or wrong (the problem is reported).
 */
export function readStatsSocket(r: Reader, m: MapView, spec: { socket?: string; address?: string }): boolean {
  let ok = true;
  const hasS = m.has('socket');
  const hasA = m.has('address');
  if (hasS && hasA) {
    r.report(m.p('address'), "give either 'socket' (a unix socket path) or 'address' (host:port), not both", m.keyOffset('address'));
    ok = false;
  } else if (!hasS && !hasA) {
    if (!m.wasMisspelled('socket') && !m.wasMisspelled('address')) r.report(m.p('socket'), "missing the stats socket: 'socket: /run/haproxy/admin.sock' or 'address: 127.0.0.1:9999'", m.anchor);
    ok = false;
  } else if (hasS) {
    const v = r.text(m.get('socket'), m.p('socket'), 'a unix socket path', false);
    if (v === undefined) ok = false;
    else spec.socket = v;
  } else {
    const v = r.text(m.get('address'), m.p('address'), 'host:port', false);
    if (v !== undefined && /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(v) && Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535) spec.address = v;
    else {
      if (v !== undefined) r.reportAt(m.get('address'), m.p('address'), `expected host:port such as 127.0.0.1:9999, found '${v}'`);
      ok = false;
    }
  }
  return ok;
}

function readHaproxy(r: Reader, m: MapView | undefined): HaproxyShifterSpec | undefined {
  if (!m) return undefined;
  let ok = true;
  const spec: Partial<HaproxyShifterSpec> = { type: 'haproxy' };
  if (!readStatsSocket(r, m, spec)) ok = false;
  if (m.require('backend', 'the HAProxy backend whose servers are weighted')) {
    spec.backend = r.text(m.get('backend'), m.p('backend'), undefined, false);
    if (spec.backend === undefined) ok = false;
  } else ok = false;
  if (m.require('servers', 'the servers under test, e.g. [web1]')) {
    spec.servers = names(r, m.get('servers'), m.p('servers'), 'servers');
    if (!spec.servers) ok = false;
  } else ok = false;
  return ok ? (spec as HaproxyShifterSpec) : undefined;
}

function readCommand(r: Reader, m: MapView | undefined): CommandShifterSpec | undefined {
  if (!m) return undefined;
  let ok = true;
  const servers = m.require('servers', 'the servers under test') ? names(r, m.get('servers'), m.p('servers'), 'servers') : undefined;
  const pool = m.require('pool', 'every server of the pool (targets and control group)') ? names(r, m.get('pool'), m.p('pool'), 'servers') : undefined;
  if (!servers || !pool) ok = false;
  if (servers && pool) {
    const missing = servers.filter((s) => !pool.includes(s));
    if (missing.length > 0) {
      r.reportAt(m.get('pool'), m.p('pool'), `the pool must include the servers under test; missing: ${missing.join(', ')}`);
      ok = false;
    } else if (pool.length === servers.length) {
      r.reportAt(m.get('pool'), m.p('pool'), 'the pool needs servers besides the ones under test: they carry the rest of the traffic');
      ok = false;
    }
  }
  const template = (key: string, placeholders: string[]) => {
    if (!m.require(key, `a shell command with ${placeholders.join(' and ')}`)) return undefined;
    const v = r.text(m.get(key), m.p(key), 'a shell command');
    if (v === undefined) return undefined;
    const lacking = placeholders.filter((p) => !v.includes(p));
    if (lacking.length > 0) {
      r.reportAt(m.get(key), m.p(key), `the command must contain ${lacking.join(' and ')}`);
      return undefined;
    }
    return v;
  };
  const getWeight = template('get_weight', ['{server}']);
  const setWeight = template('set_weight', ['{server}', '{weight}']);
  if (getWeight === undefined || setWeight === undefined || !ok) return undefined;
  return { type: 'command', servers: servers!, pool: pool!, getWeight, setWeight };
}

/**
 * How a service's `metrics:` differs from the top-level one (read-services.ts): haproxy takes its
 * own settings (read by `haproxy`), and a scrape has no control group.
 */
export interface OwnMetricsOptions {
  haproxy: (node: YNode, path: string, anchor: number | undefined) => MetricsSourceSpec | undefined;
}

/** `metrics: haproxy` or `metrics: { prometheus: {…} }` / `{ scrape: {…} }`. Absent → haproxy when shifting through HAProxy. */
export function readMetrics(r: Reader, root: MapView, shifter: 'haproxy' | 'command' | undefined, own?: OwnMetricsOptions): MetricsSourceSpec | undefined {
  const path = root.p('metrics');
  if (!root.has('metrics')) {
    if (own) {
      root.require('metrics', 'where its live metrics come from: { haproxy: {…} }, { prometheus: {…} } or { scrape: {…} }');
      return undefined;
    }
    if (shifter === 'command') {
      if (!root.wasMisspelled('metrics')) r.report('metrics', "missing required key 'metrics': the command shifter has no HAProxy stats; use { prometheus: {…} } or { scrape: {…} }", root.anchor);
      return undefined;
    }
    return { type: 'haproxy' };
  }
  const n = root.get('metrics');
  if (own && isScalar(n) && n.value === 'haproxy') return own.haproxy(n, `${path}.haproxy`, root.keyOffset('metrics'));
  if (isScalar(n) && typeof n.value === 'string' && !isMap(n)) {
    const v = n.value;
    if (v === 'haproxy') return haproxyOnly(r, n, shifter, path);
    const hint = v === 'prometheus' || v === 'scrape' ? ` (${v} needs settings: { ${v}: { url: … } })` : didYouMean(v, ['haproxy']);
    r.reportAt(n, path, `expected haproxy, { prometheus: {…} } or { scrape: {…} }, found '${v}'${hint}`);
    return undefined;
  }
  const m = r.map(n, path, KEYS.metrics, root.keyOffset('metrics'));
  if (!m) return undefined;
  const keys = m.keys();
  if (keys.length !== 1) {
    if (keys.length > 1) r.report(path, `give exactly one metrics source, found ${keys.join(' and ')}`, root.keyOffset('metrics'));
    else if (m.rejected === 0) r.reportAt(n, path, 'expected one of haproxy, prometheus or scrape');
    return undefined;
  }
  const kind = keys[0]!;
  if (kind === 'haproxy') {
    const hv = m.get('haproxy');
    if (own) return own.haproxy(hv, m.p('haproxy'), m.keyOffset('haproxy'));
    if (!(isScalar(hv) && hv.value === null) && !(isMap(hv) && hv.items.length === 0)) {
      r.reportAt(hv, m.p('haproxy'), `takes no settings (it reads the shifter's stats socket), found ${describeValue(r.value(hv, m.p('haproxy')).value)}`);
      return undefined;
    }
    return haproxyOnly(r, hv, shifter, path);
  }
  const sm = m.child(kind, kind === 'prometheus' ? KEYS.prometheus : KEYS.scrape);
  if (!sm) return undefined;
  const url = sm.require('url', kind === 'prometheus' ? 'the Prometheus server, e.g. http://127.0.0.1:9090' : "the target's /metrics URL") ? httpUrl(r, sm.get('url'), sm.p('url')) : undefined;
  const interval = sm.has('interval')
    ? r.parsed(sm.get('interval'), sm.p('interval'), (v) => {
        const d = parseDuration(v);
        return d.ok && !(d.value > 0) ? { ok: false as const, error: 'must be longer than 0' } : d;
      })
    : kind === 'prometheus'
      ? SHIFT_DEFAULTS.prometheusIntervalMs
      : SHIFT_DEFAULTS.scrapeIntervalMs;
  if (kind === 'prometheus') {
    const queries: Record<string, string> = {};
    let ok = url !== undefined && interval !== undefined;
    if (sm.has('queries')) {
      const qm = r.map(sm.get('queries'), sm.p('queries'), [...METRICS.keys()].filter((k) => k !== 'throughput' && k !== 'offered_rps' && k !== 'share'), sm.keyOffset('queries'));
      if (!qm) ok = false;
      else
        for (const k of qm.keys()) {
          const q = r.text(qm.get(k), qm.p(k), 'a PromQL query');
          if (q === undefined) ok = false;
          else queries[k] = q;
        }
      if (qm && qm.rejected > 0) ok = false;
    }
    return ok ? { type: 'prometheus', url: url!, queries, intervalMs: interval! } : undefined;
  }
  let ok = url !== undefined && interval !== undefined;
  const controlUrls: string[] = [];
  if (sm.has('control') && own) {
    r.report(sm.p('control'), 'a service has no control group: its /metrics is judged as a whole', sm.keyOffset('control'));
    ok = false;
  } else if (sm.has('control')) {
    const items = r.seq(sm.get('control'), sm.p('control'), "a list of the control group's /metrics URLs");
    if (!items) ok = false;
    else
      items.forEach((it, i) => {
        const u = httpUrl(r, it, `${sm.p('control')}[${i}]`);
        if (u === undefined) ok = false;
        else controlUrls.push(u);
      });
  }
  let histogram: string = SHIFT_DEFAULTS.histogram;
  if (sm.has('histogram')) {
    const h = r.text(sm.get('histogram'), sm.p('histogram'), 'a histogram metric name', false);
    if (h !== undefined && /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(h)) histogram = h.replace(/_bucket$/, '');
    else {
      if (h !== undefined) r.reportAt(sm.get('histogram'), sm.p('histogram'), `expected a Prometheus metric name such as http_request_duration_seconds, found '${h}'`);
      ok = false;
    }
  }
  return ok ? { type: 'scrape', url: url!, controlUrls, histogram, intervalMs: interval! } : undefined;
}

function haproxyOnly(r: Reader, n: YNode, shifter: 'haproxy' | 'command' | undefined, path: string): MetricsSourceSpec | undefined {
  if (shifter === 'command') {
    r.reportAt(n, path, 'haproxy metrics need the HAProxy shifter (traffic.shift.haproxy); with a command shifter use prometheus or scrape');
    return undefined;
  }
  return { type: 'haproxy' };
}

function httpUrl(r: Reader, n: YNode, path: string): string | undefined {
  const v = r.text(n, path, 'an http(s) URL');
  if (v === undefined) return undefined;
  try {
    const u = new URL(v);
    if (u.protocol === 'http:' || u.protocol === 'https:') {
      // Credentials in a metrics URL (basic auth to Prometheus) are masked in every output.
      if (u.password) {
        r.secrets.add(u.password);
        r.secrets.add(v);
        try {
          r.secrets.add(decodeURIComponent(u.password));
        } catch {
          /* kept encoded */
        }
      }
      return v;
    }
  } catch {
    /* reported below */
  }
  r.reportAt(n, path, `expected an http(s) URL such as http://127.0.0.1:9090, found '${v}'`);
  return undefined;
}
