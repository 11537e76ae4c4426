// `services:` → ServiceSpec[]: the dependencies judged at every step beside the targets. Each entry
// has a name, its own `metrics:` (read by the same reader as the top-level one, readMetrics, except
// that haproxy names its own socket and backend and a scrape has no control group) and its own
// `slo:` (the same rule reader and grammar as the top-level `slo`).
import { isMap, isScalar } from 'yaml';
import { capabilities, type SourceCapabilities } from '../slo/metric-catalog.js';
import { KEYS } from './fields.js';
import { readRules } from './read-slos.js';
import { readMetrics, readStatsSocket } from './read-shift.js';
import type { HaproxyStatsSpec, MetricsSourceSpec, ServiceSpec } from './scenario.js';
import { describeValue } from './values.js';
import type { MapView, Reader, YNode } from './yaml-reader.js';

/** What reports call the servers under test; a service cannot take the name. */
export const TARGETS_NAME = 'targets';

/** Service names appear in rule texts (`db-a: p99 < 20ms`) and tables: kept plain. */
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function readServices(r: Reader, root: MapView): ServiceSpec[] | undefined {
  if (!root.has('services')) return [];
  const n = root.get('services');
  // `services:` with every entry commented out reads as none.
  if (isScalar(n) && n.value === null) return [];
  const items = r.seq(n, 'services', 'a list of services, each { name, metrics, slo }');
  if (!items) return undefined;
  const out: ServiceSpec[] = [];
  const seen = new Map<string, number>();
  let ok = true;
  items.forEach((item, i) => {
    const path = `services[${i}]`;
    const m = r.map(item, path, KEYS.service, undefined);
    if (!m) {
      ok = false;
      return;
    }
    let name: string | undefined;
    if (m.require('name', 'what reports call this dependency, e.g. db-a')) {
      name = r.text(m.get('name'), m.p('name'), 'a service name', false);
      if (name !== undefined && !SERVICE_NAME.test(name)) {
        r.reportAt(m.get('name'), m.p('name'), `'${name}' cannot name a service: use letters, digits, '.', '_' and '-' (reports write its rules as '${name}: p99 < 20ms')`);
        name = undefined;
      } else if (name === TARGETS_NAME) {
        r.reportAt(m.get('name'), m.p('name'), `'${TARGETS_NAME}' is what reports call the servers under test; choose another name`);
        name = undefined;
      } else if (name !== undefined && seen.has(name)) {
        r.reportAt(m.get('name'), m.p('name'), `'${name}' is also the name of services[${seen.get(name)}]: each service needs its own name`);
        name = undefined;
      } else if (name !== undefined) seen.set(name, i);
    }
    const metrics = readMetrics(r, m, undefined, { haproxy: (node, p, anchor) => readServiceHaproxy(r, node, p, anchor) });
    let slo: ReturnType<typeof readRules>;
    if (!m.has('slo')) {
      m.require('slo', 'the rules this service must meet at every step, e.g. [error_rate < 1%]');
      slo = undefined;
    } else {
      slo = readRules(r, m, 'slo', metrics ? serviceCapabilities(metrics) : undefined, 'service');
      if (slo && slo.length === 0) {
        r.reportAt(m.get('slo'), m.p('slo'), 'expected at least one rule, e.g. error_rate < 1%');
        slo = undefined;
      }
    }
    if (name === undefined || !metrics || !slo) ok = false;
    else out.push({ name, metrics, slo });
  });
  return ok ? out : undefined;
}

/**
 * What a service's source measures: as for the targets, less what only a shifted backend has
 * (share) and with no control group; with Prometheus only the metrics it was given queries for
 * (the default queries select the targets' `server` label, which a dependency's series lack).
 */
export function serviceCapabilities(m: MetricsSourceSpec): SourceCapabilities {
  const caps = capabilities(m.type, { queries: m.type === 'prometheus' ? Object.keys(m.queries) : [] });
  const metrics = new Set([...caps.metrics].filter((x) => x !== 'share' && (m.type !== 'prometheus' || Object.hasOwn(m.queries, x))));
  return { ...caps, metrics, control: new Set() };
}

function readServiceHaproxy(r: Reader, node: YNode, path: string, anchor: number | undefined): HaproxyStatsSpec | undefined {
  if (!isMap(node)) {
    const v = r.value(node, path);
    if (!v.failed) r.reportAt(node, path, `a service's HAProxy stats need their own socket and backend, e.g. { socket: /run/haproxy/admin.sock, backend: db }, found ${describeValue(v.value)}`);
    return undefined;
  }
  const m = r.map(node, path, KEYS.serviceHaproxy, anchor);
  if (!m) return undefined;
  let ok = m.rejected === 0;
  const spec: HaproxyStatsSpec = { type: 'haproxy' };
  if (!readStatsSocket(r, m, spec)) ok = false;
  if (m.require('backend', "the HAProxy backend in front of this service (its servers' stats are summed)")) {
    const b = r.text(m.get('backend'), m.p('backend'), 'a backend name', false);
    if (b === undefined || b.trim() === '') {
      if (b !== undefined) r.reportAt(m.get('backend'), m.p('backend'), 'expected a backend name, found an empty string');
      ok = false;
    } else spec.backend = b;
  } else ok = false;
  if (m.has('servers')) {
    const items = r.seq(m.get('servers'), m.p('servers'), 'a list of server names');
    if (!items) ok = false;
    else {
      const servers: string[] = [];
      items.forEach((it, i) => {
        const v = r.text(it, `${m.p('servers')}[${i}]`, 'a server name', false);
        if (v === undefined || v.trim() === '') {
          if (v !== undefined) r.reportAt(it, `${m.p('servers')}[${i}]`, 'expected a server name, found an empty string');
          ok = false;
        } else if (servers.includes(v)) {
          r.reportAt(it, `${m.p('servers')}[${i}]`, `'${v}' is listed twice`);
          ok = false;
        } else servers.push(v);
      });
      if (ok && servers.length === 0) {
        r.reportAt(m.get('servers'), m.p('servers'), 'expected at least one server (leave servers out to sum the whole backend)');
        ok = false;
      }
      spec.servers = servers;
    }
  }
  return ok ? spec : undefined;
}
