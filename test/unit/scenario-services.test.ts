// `services:` in scenario files: what loads, and every mistake as one located line (file:line:col,
// key path) — the same readers as the top-level `metrics:` and `slo:`.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load-scenario.js';
import { ScenarioError } from '../../src/errors.js';

const SHIFT = `name: s
traffic:
  shift:
    haproxy: { socket: /tmp/x.sock, backend: web, servers: [web1] }
load: { start: 1x, step: 0.5x, max: 2x }
slo: [error_rate < 1%]
`;
const GENERATE = `name: s
target: http://127.0.0.1:8080
traffic:
  requests: [{ path: / }]
load: { start: 10, step: 10, max: 30 }
slo: [error_rate < 1%]
`;

function problems(text: string): string[] {
  try {
    parseScenario(text, 'f.yaml', {});
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return [...e.details];
  }
  return [];
}

describe('services: what loads', () => {
  it('reads each kind of source, in both modes', () => {
    for (const head of [SHIFT, GENERATE]) {
      const s = parseScenario(
        head +
          `services:
  - name: db-a
    metrics: { haproxy: { socket: /run/haproxy/internal.sock, backend: db-a } }
    slo: [error_rate < 1%, mean_latency < 20ms]
  - name: cache-a
    metrics: { prometheus: { url: http://127.0.0.1:9090, queries: { error_rate: 'e', p99: 'q' } } }
    slo: [p99 < 20ms]
  - name: search
    metrics: { scrape: { url: http://127.0.0.1:9100/metrics, interval: 500ms } }
    slo: [p999 < 1s]
`,
        'f.yaml',
        {},
      );
      expect(s.services!.map((x) => [x.name, x.metrics, x.slo.map((r) => r.text)])).toEqual([
        ['db-a', { type: 'haproxy', socket: '/run/haproxy/internal.sock', backend: 'db-a' }, ['error_rate < 1%', 'mean_latency < 20ms']],
        ['cache-a', { type: 'prometheus', url: 'http://127.0.0.1:9090', queries: { error_rate: 'e', p99: 'q' }, intervalMs: 5000 }, ['p99 < 20ms']],
        ['search', { type: 'scrape', url: 'http://127.0.0.1:9100/metrics', controlUrls: [], histogram: 'http_request_duration_seconds', intervalMs: 500 }, ['p999 < 1s']],
      ]);
    }
  });
  it('no services key, or an empty one, is no services', () => {
    expect(parseScenario(SHIFT, 'f.yaml', {}).services).toBeUndefined();
    expect(parseScenario(SHIFT + 'services:\n', 'f.yaml', {}).services).toBeUndefined();
  });
});

describe('services: mistakes, one located line each', () => {
  it.each([
    ['not a list', 'services: db-a\n', ["f.yaml:7:11: services: expected a list of services, each { name, metrics, slo }, found the string 'db-a'"]],
    [
      'misspelled key',
      `services:
  - name: db-a
    metrcs: { haproxy: { socket: /s, backend: b } }
    slo: [error_rate < 1%]
`,
      ["f.yaml:9:5: services[0].metrcs: unknown key 'metrcs', did you mean 'metrics'?"],
    ],
    [
      'duplicate names',
      `services:
  - { name: db-a, metrics: { haproxy: { socket: /s, backend: b } }, slo: [error_rate < 1%] }
  - { name: db-a, metrics: { haproxy: { socket: /s, backend: c } }, slo: [error_rate < 1%] }
`,
      ["f.yaml:9:13: services[1].name: 'db-a' is also the name of services[0]: each service needs its own name"],
    ],
    [
      "the name 'targets'",
      `services:
  - { name: targets, metrics: { haproxy: { socket: /s, backend: b } }, slo: [error_rate < 1%] }
`,
      ["f.yaml:8:13: services[0].name: 'targets' is what reports call the servers under test; choose another name"],
    ],
    [
      'a bad rule, located in the rule',
      `services:
  - { name: db-a, metrics: { haproxy: { socket: /s, backend: b } }, slo: [error_rate < 1%, p99 <> 2ms] }
`,
      ["f.yaml:8:97: services[0].slo[1]: \"p99 <> 2ms\": expected a number after '<', found '> 2ms'"],
    ],
    [
      'a rule the source cannot measure',
      `services:
  - { name: db-a, metrics: { haproxy: { socket: /s, backend: b } }, slo: [p99 < 20ms] }
`,
      ["f.yaml:8:75: services[0].slo[0]: 'p99' cannot be measured by HAProxy stats (HAProxy reports averages only: use mean_latency); measurable: mean_latency, error_rate, rps, queue"],
    ],
    [
      'a control rule',
      `services:
  - { name: db-a, metrics: { haproxy: { socket: /s, backend: b } }, slo: [control.error_rate < 1%] }
`,
      ["f.yaml:8:75: services[0].slo[0]: 'control.error_rate': a service has no control group; its rules judge the whole service, e.g. 'error_rate < 1%'"],
    ],
    [
      'prometheus without a query for the rule',
      `services:
  - { name: c, metrics: { prometheus: { url: http://127.0.0.1:9090, queries: { error_rate: e } } }, slo: [p99 < 20ms] }
`,
      ["f.yaml:8:107: services[0].slo[0]: 'p99' cannot be measured by Prometheus (or add metrics.prometheus.queries.p99); measurable: error_rate"],
    ],
    [
      'haproxy without its socket or backend',
      `services:
  - { name: db-a, metrics: { haproxy: { servers: [db1] } }, slo: [error_rate < 1%] }
`,
      [
        "f.yaml:8:30: services[0].metrics.haproxy.socket: missing the stats socket: 'socket: /run/haproxy/admin.sock' or 'address: 127.0.0.1:9999'",
        "f.yaml:8:30: services[0].metrics.haproxy.backend: missing required key 'backend': the HAProxy backend in front of this service (its servers' stats are summed)",
      ],
    ],
    [
      'metrics: haproxy with no settings',
      `services:
  - { name: db-a, metrics: haproxy, slo: [error_rate < 1%] }
`,
      ["f.yaml:8:28: services[0].metrics.haproxy: a service's HAProxy stats need their own socket and backend, e.g. { socket: /run/haproxy/admin.sock, backend: db }, found the string 'haproxy'"],
    ],
    [
      'a scrape with a control group',
      `services:
  - { name: s, metrics: { scrape: { url: http://a/metrics, control: [http://b/metrics] } }, slo: [p99 < 1s] }
`,
      ['f.yaml:8:60: services[0].metrics.scrape.control: a service has no control group: its /metrics is judged as a whole'],
    ],
    [
      'no metrics, no slo',
      `services:
  - { name: s }
`,
      [
        "f.yaml:8:5: services[0].metrics: missing required key 'metrics': where its live metrics come from: { haproxy: {…} }, { prometheus: {…} } or { scrape: {…} }",
        "f.yaml:8:5: services[0].slo: missing required key 'slo': the rules this service must meet at every step, e.g. [error_rate < 1%]",
      ],
    ],
  ])('%s', (_name, services, expected) => {
    expect(problems(SHIFT + services)).toEqual(expected);
  });
});
