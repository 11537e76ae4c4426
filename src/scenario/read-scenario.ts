// The whole file: top-level keys → Scenario. Each section reader records its own problems; this
// function wires them together in dependency order (traffic decides the mode; the mode and the
// metrics source decide which SLO metrics are measurable).
import { capabilities, type SourceCapabilities } from '../slo/metric-catalog.js';
import { GENERATE_TRAFFIC_KEYS, HINTS, KEYS } from './fields.js';
import { readData } from './read-data.js';
import { dataScope } from '../workload/data/data-scope.js';
import { readLoad } from './read-load.js';
import { readRules } from './read-slos.js';
import { readMetrics, readShiftTraffic } from './read-shift.js';
import { readServices } from './read-services.js';
import { readGenerateTraffic } from './read-traffic.js';
import type { DataSpec, GateSpec, MetricsSourceSpec, ReportSpec, Scenario } from './scenario.js';
import { parsePercent } from './values.js';
import type { MapView, Reader } from './yaml-reader.js';

export function readScenario(r: Reader, root: MapView): Scenario | undefined {
  let name: string | undefined;
  if (root.require('name', 'a short name for this scenario, used in reports')) {
    name = r.text(root.get('name'), 'name', undefined, false);
    if (name !== undefined && name.trim() === '') {
      r.reportAt(root.get('name'), 'name', 'expected a non-empty name');
      name = undefined;
    }
  }

  const hasTraffic = root.require('traffic', 'what load to apply: requests to generate, or traffic.shift for live traffic');
  const traffic = hasTraffic ? root.child('traffic', KEYS.traffic, HINTS.traffic) : undefined;
  const mode: 'generate' | 'shift' = traffic?.has('shift') ? 'shift' : 'generate';

  // Read in generate mode only (in shift mode its presence is the problem, reported below), and
  // before the requests: their templates may use its columns (`{{ users.email }}`).
  const seen = { good: {} as Record<string, DataSpec>, broken: [] as string[] };
  const data: Record<string, DataSpec> | undefined = mode === 'generate' && root.has('data') ? readData(r, root, seen) : {};
  r.templateScope = dataScope(seen.good, seen.broken);

  let trafficSpec: Scenario['traffic'] | undefined;
  let metrics: MetricsSourceSpec | undefined;
  let caps: SourceCapabilities | undefined;
  let trafficOk = hasTraffic && traffic !== undefined;
  if (mode === 'shift' && traffic) {
    for (const k of GENERATE_TRAFFIC_KEYS) {
      if (traffic.has(k)) {
        r.report(traffic.p(k), 'not used with traffic.shift: live traffic is shifted, not generated', traffic.keyOffset(k));
        trafficOk = false;
      }
    }
    if (root.has('data')) {
      r.report('data', 'not used with traffic.shift: data feeds the requests loadtest generates', root.keyOffset('data'));
      trafficOk = false;
    }
    if (root.has('target')) {
      r.report('target', 'not used with traffic.shift: live traffic reaches the servers through the load balancer', root.keyOffset('target'));
      trafficOk = false;
    }
    const shift = traffic.child('shift', KEYS.shift);
    const shiftSpec = shift ? readShiftTraffic(r, shift) : undefined;
    const shifterType = shift?.has('command') && !shift.has('haproxy') ? 'command' : shift?.has('haproxy') ? 'haproxy' : undefined;
    metrics = readMetrics(r, root, shifterType);
    trafficSpec = shiftSpec;
    if (metrics) {
      caps = capabilities(metrics.type, {
        hasControl: metrics.type === 'scrape' && metrics.controlUrls.length > 0,
        queries: metrics.type === 'prometheus' ? Object.keys(metrics.queries) : [],
      });
    }
  } else {
    if (root.has('metrics')) {
      r.report('metrics', 'only used with traffic.shift (live traffic): generate mode measures its own requests', root.keyOffset('metrics'));
      trafficOk = false;
    }
    // Request names for `p99{name}` even when other traffic keys were wrong, so SLO checks stay useful.
    const names: string[] = [];
    trafficSpec = readGenerateTraffic(r, root, traffic, names);
    caps = capabilities('generate', { requests: names });
    if (root.has('guard')) {
      r.report('guard', 'only used with traffic.shift: guard rules judge the control group of live traffic', root.keyOffset('guard'));
      trafficOk = false;
    }
  }


  const load = readLoad(r, root, mode);

  let slo = readRules(r, root, 'slo', caps);
  if (!root.has('slo')) {
    if (!root.wasMisspelled('slo')) r.report('slo', "missing required key 'slo': the rules each step must meet, e.g. [p99 < 250ms, error_rate < 1%]", root.anchor);
    slo = undefined;
  } else if (slo && slo.length === 0) {
    r.reportAt(root.get('slo'), 'slo', 'expected at least one rule, e.g. p99 < 250ms');
    slo = undefined;
  }
  const abort = readRules(r, root, 'abort', caps);
  const guard = mode === 'shift' ? readRules(r, root, 'guard', caps) : [];
  // Dependencies are judged in both modes: a generated load on a front end judged on its database too.
  const services = readServices(r, root);

  const report = readReport(r, root);
  const gate = readGate(r, root);

  if (
    name === undefined || !trafficOk || !trafficSpec || !data || !load || !slo || !abort || !guard || !services || !report || !gate || r.problems.length > 0
  ) {
    return undefined;
  }
  const scenario: Scenario = { name, traffic: trafficSpec, load, slo, abort, guard, report, gate, secrets: [...r.secrets] };
  if (metrics && mode === 'shift') scenario.metrics = metrics;
  if (services.length > 0) scenario.services = services;
  if (Object.keys(data).length > 0) scenario.data = data;
  return scenario;
}

function readReport(r: Reader, root: MapView): ReportSpec | undefined {
  const m = root.child('report', KEYS.report);
  if (!m) return undefined;
  const spec: ReportSpec = {};
  let ok = true;
  for (const k of KEYS.report) {
    if (!m.has(k)) continue;
    // Nothing (`html:`, `--set report.html=`) or an empty string (`"${HTML_OUT:-}"`) means no such
    // report: how an override or a CI template turns off an output the file asks for.
    const raw = r.value(m.get(k), m.p(k));
    if (raw.failed) {
      ok = false;
      continue;
    }
    if (raw.value === null || (typeof raw.value === 'string' && raw.value.trim() === '')) continue;
    const v = r.text(m.get(k), m.p(k), 'a file path', false);
    if (v === undefined) ok = false;
    else spec[k] = v;
  }
  // Two reports into one file would overwrite each other.
  const seen = new Map<string, string>();
  for (const k of KEYS.report) {
    const f = spec[k];
    if (f === undefined) continue;
    const prev = seen.get(f);
    if (prev !== undefined) {
      r.reportAt(m.get(k), m.p(k), `'${f}' is also report.${prev}: each report needs its own file`);
      ok = false;
    } else seen.set(f, k);
  }
  return ok ? spec : undefined;
}

function readGate(r: Reader, root: MapView): GateSpec | undefined {
  const m = root.child('gate', KEYS.gate);
  if (!m) return undefined;
  const spec: GateSpec = {};
  let ok = true;
  if (m.has('expect_min')) {
    const n = m.get('expect_min');
    const v = r.number(n, m.p('expect_min'), 'the minimum servable load in requests/s (sessions/s with traffic.sessions)');
    if (v !== undefined && !(v > 0)) r.reportAt(n, m.p('expect_min'), `expected more than 0, found ${v}`);
    if (v === undefined || !(v > 0)) ok = false;
    else spec.expectMin = v;
  }
  if (m.has('baseline')) {
    const v = r.text(m.get('baseline'), m.p('baseline'), 'the path of a baseline JSON report', false);
    if (v === undefined) ok = false;
    else spec.baseline = v;
  }
  if (m.has('max_regression')) {
    const v = r.parsed(m.get('max_regression'), m.p('max_regression'), (x) => parsePercent(x));
    if (v === undefined) ok = false;
    else spec.maxRegression = v;
  }
  if (m.has('max_latency_regression')) {
    // A latency may legitimately be allowed to grow by more than 100%.
    const v = r.parsed(m.get('max_latency_regression'), m.p('max_latency_regression'), (x) => parsePercent(x, { max: 1000 }));
    if (v === undefined) ok = false;
    else spec.maxLatencyRegression = v;
  }
  return ok ? spec : undefined;
}
