// Invalid scenario files: each produces exactly the expected problem lines (file:line:col: path:
// message), every problem at once, and a ScenarioError (exit 2) — never anything else.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load-scenario.js';
import { ScenarioError } from '../../src/errors.js';
import { ExitCode } from '../../src/exit-codes.js';

const dir = join(import.meta.dirname, '../fixtures/invalid');

function problems(name: string): string[] {
  try {
    parseScenario(readFileSync(join(dir, name), 'utf8'), name, {});
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    expect(e.exitCode).toBe(ExitCode.USAGE);
    return [...e.details];
  }
  throw new Error(`${name} loaded without error`);
}

describe('invalid fixtures', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('%s is rejected with positioned problems', (f) => {
    const lines = problems(f);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(new RegExp(`^${f.replace('.', '\\.')}:\\d+:\\d+: |^… and \\d+ more`));
  });

  it('yaml-syntax', () => {
    expect(problems('yaml-syntax.yaml')).toMatchInlineSnapshot(`
      [
        "yaml-syntax.yaml:1:7: YAML syntax: this double-quoted string is never closed",
      ]
    `);
  });
  it('yaml-duplicate-key', () => {
    expect(problems('yaml-duplicate-key.yaml')).toMatchInlineSnapshot(`
      [
        "yaml-duplicate-key.yaml:2:1: YAML: duplicate key (map keys must be unique)",
      ]
    `);
  });
  it('yaml-bad-indent', () => {
    expect(problems('yaml-bad-indent.yaml')).toMatchInlineSnapshot(`
      [
        "yaml-bad-indent.yaml:4:1: YAML syntax: All mapping items must start at the same column",
      ]
    `);
  });
  it('unknown-key (with suggestions)', () => {
    expect(problems('unknown-key.yaml')).toMatchInlineSnapshot(`
      [
        "unknown-key.yaml:4:23: traffic.request.wieght: unknown key 'wieght', did you mean 'weight'?",
        "unknown-key.yaml:5:3: traffic.timout: unknown key 'timout', did you mean 'timeout'?",
        "unknown-key.yaml:8:3: load.stpe: unknown key 'stpe', did you mean 'step'?",
        "unknown-key.yaml:10:3: load.stepDuration: unknown key 'stepDuration', did you mean 'step_duration'?",
        "unknown-key.yaml:11:3: load.warmpu: unknown key 'warmpu', did you mean 'warmup'?",
        "unknown-key.yaml:12:1: slos: unknown key 'slos', did you mean 'slo'?",
      ]
    `);
  });
  it('wrong-type', () => {
    expect(problems('wrong-type.yaml')).toMatchInlineSnapshot(`
      [
        "wrong-type.yaml:1:7: name: expected a string, found a list",
        "wrong-type.yaml:2:9: target: expected an origin such as http://127.0.0.1:8080, found '8080'",
        "wrong-type.yaml:4:13: traffic.requests: expected a list of requests, found a mapping",
        "wrong-type.yaml:5:18: traffic.max_in_flight: expected a whole number ≥ 1, found the string 'many'",
        "wrong-type.yaml:6:13: traffic.insecure: expected true or false, found the string 'yes'",
        "wrong-type.yaml:7:12: traffic.workers: expected a number of worker threads (1-256) or auto, found the string 'lots'",
        "wrong-type.yaml:10:9: load.step: expected requests/s such as 100 (or 100rps), found true",
        "wrong-type.yaml:11:8: load.max: expected requests/s such as 100 (or 100rps), found a mapping",
        "wrong-type.yaml:12:6: slo: expected a list of rules such as "p99 < 250ms", found the string 'p99 < 1s'",
        "wrong-type.yaml:13:9: report: expected a mapping (key: value), found the string 'results.json'",
      ]
    `);
  });
  it('missing-required', () => {
    expect(problems('missing-required.yaml')).toMatchInlineSnapshot(`
      [
        "missing-required.yaml:1:1: name: missing required key 'name': a short name for this scenario, used in reports",
        "missing-required.yaml:1:1: target: missing required key 'target': the origin to send requests to, e.g. http://127.0.0.1:8080",
        "missing-required.yaml:1:1: slo: missing required key 'slo': the rules each step must meet, e.g. [p99 < 250ms, error_rate < 1%]",
        "missing-required.yaml:3:7: traffic.requests[0].path: missing required key 'path': the path and query to request, beginning with /",
        "missing-required.yaml:4:1: load.start: missing required key 'start': the first load level, e.g. 100",
        "missing-required.yaml:4:1: load.max: missing required key 'max': the highest load level to try, e.g. 5000",
      ]
    `);
  });
  it('bad-duration', () => {
    expect(problems('bad-duration.yaml')).toMatchInlineSnapshot(`
      [
        "bad-duration.yaml:5:12: traffic.timeout: expected a duration such as 500ms, 20s, 1.5s, 1m or 1m30s, found '1m30'",
        "bad-duration.yaml:10:18: load.step_duration: expected a duration such as 500ms, 20s, 1.5s, 1m or 1m30s, found the bare number 20 (add a unit: 20s?)",
        "bad-duration.yaml:11:11: load.warmup: expected a duration such as 500ms, 20s, 1.5s, 1m or 1m30s, found '5 secs'",
      ]
    `);
  });
  it('bad-percentage', () => {
    expect(problems('bad-percentage.yaml')).toMatchInlineSnapshot(`
      [
        "bad-percentage.yaml:9:11: load.refine: expected a percentage more than 0 and at most 100%, found 150%",
        "bad-percentage.yaml:12:19: gate.max_regression: a bare number is a fraction (0.05 = 5%), and 5 > 1; did you mean 5%?",
        "bad-percentage.yaml:13:27: gate.max_latency_regression: expected a percentage more than 0 and at most 1000%, found '-5%'",
      ]
    `);
  });
  it('zero-negative-rate', () => {
    expect(problems('zero-negative-rate.yaml')).toMatchInlineSnapshot(`
      [
        "zero-negative-rate.yaml:5:27: traffic.requests[0].weight: expected a weight > 0, found 0",
        "zero-negative-rate.yaml:6:27: traffic.requests[1].weight: expected a weight > 0, found -1",
        "zero-negative-rate.yaml:8:10: load.start: must be more than 0, found 0",
        "zero-negative-rate.yaml:9:9: load.step: must be more than 0, found -10",
      ]
    `);
  });
  it('warmup-too-long', () => {
    expect(problems('warmup-too-long.yaml')).toMatchInlineSnapshot(`
      [
        "warmup-too-long.yaml:10:11: load.warmup: warmup (10s) must be shorter than step_duration (10s): nothing would be judged",
      ]
    `);
  });
  it('max-below-start', () => {
    expect(problems('max-below-start.yaml')).toMatchInlineSnapshot(`
      [
        "max-below-start.yaml:8:8: load.max: max (100 rps) is below start (500 rps)",
      ]
    `);
  });
  it('step-and-factor', () => {
    expect(problems('step-and-factor.yaml')).toMatchInlineSnapshot(`
      [
        "step-and-factor.yaml:8:11: load.factor: give either step (additive) or factor (geometric), not both",
      ]
    `);
  });
  it('factor-not-above-one', () => {
    expect(problems('factor-not-above-one.yaml')).toMatchInlineSnapshot(`
      [
        "factor-not-above-one.yaml:7:11: load.factor: must be more than 1 (each step multiplies the load), found 1",
      ]
    `);
  });
  it('bad-slo-syntax', () => {
    expect(problems('bad-slo-syntax.yaml')).toMatchInlineSnapshot(`
      [
        "bad-slo-syntax.yaml:7:14: slo[0]: "p99 < 250mss": unknown unit 'mss'; p99 takes ms, s, us or µs",
        "bad-slo-syntax.yaml:8:9: slo[1]: "p99 = 250ms": expected a comparison (<, <=, > or >=) after 'p99', found '='",
        "bad-slo-syntax.yaml:9:19: slo[2]: "error_rate < 5": a bare number for error_rate is a fraction (0.01 = 1%), and 5 > 1; did you mean 5%?",
        "bad-slo-syntax.yaml:10:10: slo[3]: "p99 <": expected a number after '<', found the end",
        "bad-slo-syntax.yaml:11:5: slo[4]: "42": unknown metric '42' (known: p50, p90, p95, p99, p999, max, mean_latency, error_rate, throughput, rps, offered_rps, queue, share)",
      ]
    `);
  });
  it('unknown-slo-metric', () => {
    expect(problems('unknown-slo-metric.yaml')).toMatchInlineSnapshot(`
      [
        "unknown-slo-metric.yaml:8:5: slo[0]: "p98 < 250ms": unknown metric 'p98', did you mean 'p90'?",
        "unknown-slo-metric.yaml:9:5: slo[1]: "latency < 1s": unknown metric 'latency' (known: p50, p90, p95, p99, p999, max, mean_latency, error_rate, throughput, rps, offered_rps, queue, share)",
        "unknown-slo-metric.yaml:10:5: slo[2]: 'p99{byu}': no request named 'byu', did you mean 'buy'? (requests: 'buy')",
      ]
    `);
  });
  it('unmeasurable-slo-haproxy', () => {
    expect(problems('unmeasurable-slo-haproxy.yaml')).toMatchInlineSnapshot(`
      [
        "unmeasurable-slo-haproxy.yaml:7:5: slo[0]: 'p99' cannot be measured by HAProxy stats (HAProxy reports averages only: use mean_latency); measurable: mean_latency, error_rate, rps, queue, share",
        "unmeasurable-slo-haproxy.yaml:8:5: slo[1]: 'throughput' cannot be measured by HAProxy stats; measurable: mean_latency, error_rate, rps, queue, share",
        "unmeasurable-slo-haproxy.yaml:9:5: slo[2]: 'p99{buy}': per-request metrics exist only in generate mode",
        "unmeasurable-slo-haproxy.yaml:11:5: guard[0]: guard rules judge the control group: write 'control.error_rate' (rules on the servers under test go under slo or abort)",
      ]
    `);
  });
  it('unmeasurable-slo-generate', () => {
    expect(problems('unmeasurable-slo-generate.yaml')).toMatchInlineSnapshot(`
      [
        "unmeasurable-slo-generate.yaml:7:5: slo[0]: 'control.p99': control.* metrics exist only in shift mode (live traffic)",
        "unmeasurable-slo-generate.yaml:8:5: slo[1]: 'queue' cannot be measured by generated traffic; measurable: p50, p90, p95, p99, p999, max, mean_latency, error_rate, throughput, rps, offered_rps",
      ]
    `);
  });
  it('unmeasurable-slo-sources', () => {
    expect(problems('unmeasurable-slo-sources.yaml')).toMatchInlineSnapshot(`
      [
        "unmeasurable-slo-sources.yaml:9:5: slo[0]: 'p95' cannot be measured by Prometheus (or add metrics.prometheus.queries.p95); measurable: p50, p90, p99, error_rate, rps",
        "unmeasurable-slo-sources.yaml:10:5: slo[1]: 'mean_latency' cannot be measured by Prometheus (or add metrics.prometheus.queries.mean_latency); measurable: p50, p90, p99, error_rate, rps",
      ]
    `);
  });
  it('unset-env', () => {
    expect(problems('unset-env.yaml')).toMatchInlineSnapshot(`
      [
        "unset-env.yaml:2:9: target: environment variable TARGET is not set (give a default with \${TARGET:-value})",
        "unset-env.yaml:6:39: traffic.request.headers.authorization: environment variable TOKEN is not set (give a default with \${TOKEN:-value})",
        "unset-env.yaml:10:8: load.max: environment variable MAX_RPS is not set (give a default with \${MAX_RPS:-value})",
      ]
    `);
  });
  it('multiple-problems', () => {
    expect(problems('multiple-problems.yaml')).toMatchInlineSnapshot(`
      [
        "multiple-problems.yaml:3:9: target: the target is an origin without a path; put '/api/v1' in traffic.requests[].path instead",
        "multiple-problems.yaml:7:27: traffic.requests[1].path: expected a path beginning with /, found 'items'",
        "multiple-problems.yaml:8:12: traffic.arrival: expected poisson or uniform, found 'poison', did you mean 'poisson'?",
        "multiple-problems.yaml:10:10: load.start: '1x' is a multiple of the fair share, which is for shift mode; generate mode takes requests/s such as 100 (or 100rps)",
        "multiple-problems.yaml:14:11: load.warmup: warmup (30s) must be shorter than step_duration (20s): nothing would be judged",
        "multiple-problems.yaml:19:5: abort[0]: abort rules name the condition that stops the run, e.g. 'error_rate > 20%'; 'error_rate < 20%' would stop a healthy run at once",
      ]
    `);
  });
  it('shift-mixed-with-generate', () => {
    expect(problems('shift-mixed-with-generate.yaml')).toMatchInlineSnapshot(`
      [
        "shift-mixed-with-generate.yaml:2:1: target: not used with traffic.shift: live traffic reaches the servers through the load balancer",
        "shift-mixed-with-generate.yaml:4:3: traffic.requests: not used with traffic.shift: live traffic is shifted, not generated",
        "shift-mixed-with-generate.yaml:6:28: traffic.shift.haproxy.address: give either 'socket' (a unix socket path) or 'address' (host:port), not both",
        "shift-mixed-with-generate.yaml:6:73: traffic.shift.haproxy.servers: expected at least one server",
        "shift-mixed-with-generate.yaml:7:26: traffic.shift.limits.max_share: expected a percentage more than 0 and at most 100%, found 0%",
        "shift-mixed-with-generate.yaml:7:47: traffic.shift.limits.max_weight_step: expected a whole number from 1 to 256, found 1000",
        "shift-mixed-with-generate.yaml:8:1: metrics: give exactly one metrics source, found prometheus and scrape",
        "shift-mixed-with-generate.yaml:9:16: load.start: 100 is requests/s, but shift mode takes a multiple of the fair share such as 1x or 1.5x",
        "shift-mixed-with-generate.yaml:9:52: load.window: 2 windows of 60s do not fit in the judged 48s of a step (step_duration − warmup): a breach could never persist",
      ]
    `);
  });
  it('command-shifter', () => {
    expect(problems('command-shifter.yaml')).toMatchInlineSnapshot(`
      [
        "command-shifter.yaml:6:13: traffic.shift.command.pool: the pool must include the servers under test; missing: c",
        "command-shifter.yaml:7:19: traffic.shift.command.get_weight: the command must contain {server}",
        "command-shifter.yaml:8:19: traffic.shift.command.set_weight: the command must contain {weight}",
        "command-shifter.yaml:9:10: metrics: haproxy metrics need the HAProxy shifter (traffic.shift.haproxy); with a command shifter use prometheus or scrape",
      ]
    `);
  });
  it('generate-misc', () => {
    expect(problems('generate-misc.yaml')).toMatchInlineSnapshot(`
      [
        "generate-misc.yaml:2:9: target: expected an http:// or https:// origin, found 'ftp:' in 'ftp://127.0.0.1'",
        "generate-misc.yaml:3:1: metrics: only used with traffic.shift (live traffic): generate mode measures its own requests",
        "generate-misc.yaml:5:31: traffic.request.method: expected an HTTP method such as GET or POST, found 'GE T'",
        "generate-misc.yaml:5:50: traffic.request.headers.bad header: 'bad header' is not a valid header name",
        "generate-misc.yaml:5:71: traffic.request.headers.ok.value: missing required key 'value': the header value",
        "generate-misc.yaml:5:98: traffic.request.headers.x-split: a header value cannot contain a line break or NUL character",
        "generate-misc.yaml:6:18: traffic.error_status[0]: '600' is not a range of HTTP statuses within 100-599",
        "generate-misc.yaml:6:30: traffic.error_status[2]: '>=700' is not a range of HTTP statuses within 100-599",
        "generate-misc.yaml:6:39: traffic.error_status[3]: '404-400' is not a range of HTTP statuses within 100-599",
        "generate-misc.yaml:7:12: traffic.timeout: must be longer than 0",
        "generate-misc.yaml:8:11: traffic.client: expected lean or undici, found 'undic', did you mean 'undici'?",
        "generate-misc.yaml:9:40: load.window: only used in shift mode (traffic.shift): generate mode judges each step as a whole",
        "generate-misc.yaml:11:1: guard: only used with traffic.shift: guard rules judge the control group of live traffic",
        "generate-misc.yaml:12:55: report.html: 'out/r.json' is also report.json: each report needs its own file",
      ]
    `);
  });
  it('bad-templates (each hole at its {{, quoted; the literal parts checked as a plain path)', () => {
    expect(problems('bad-templates.yaml')).toMatchInlineSnapshot(`
      [
        "bad-templates.yaml:5:17: traffic.requests[0].path: unknown name 'sq' in '{{ sq }}', did you mean 'seq'?",
        "bad-templates.yaml:5:28: traffic.requests[0].path: random.int(5, 1): the lower bound 5 is above the upper bound 1 in '{{ random.int(5, 1) }}'",
        "bad-templates.yaml:6:16: traffic.requests[1].path: unknown function 'random.foo' in '{{ random.foo(1) }}', did you mean 'random.int'?",
        "bad-templates.yaml:7:28: traffic.requests[1].headers.x-id: random.string(n) takes one length, found 0 arguments in '{{ random.string() }}'",
        "bad-templates.yaml:7:58: traffic.requests[1].headers.x-b: unclosed '{{' (expected '}}') in '{{ uuid'",
        "bad-templates.yaml:11:37: traffic.requests[2].body: random.pick(a, b, …) takes at least one value, found none in '{{ json(random.pick()) }}'",
        "bad-templates.yaml:14:7: traffic.requests[3].headers: 'content-length' cannot be set for a templated body: its content-length is computed for each request",
        "bad-templates.yaml:18:13: traffic.requests[4].body: random.int(a, b) takes two whole numbers, found 1 argument in '{{ random.int(1) }}'",
        "bad-templates.yaml:19:13: traffic.requests[5].path: a path cannot contain spaces (encode them as %20), found '/sp ace/{{ seq }}'",
      ]
    `);
  });
  it('duplicate-request-names', () => {
    expect(problems('duplicate-request-names.yaml')).toMatchInlineSnapshot(`
      [
        "duplicate-request-names.yaml:6:15: traffic.requests[1].name: request name 'list' is already used by traffic.requests[0]; names must be unique",
        "duplicate-request-names.yaml:8:7: traffic.requests[3].name: request name 'GET /c' (the default, "METHOD path") is already used by traffic.requests[2]; give each request a distinct 'name'",
      ]
    `);
  });
  it('metrics-spelling', () => {
    expect(problems('metrics-spelling.yaml')).toMatchInlineSnapshot(`
      [
        "metrics-spelling.yaml:5:10: metrics: expected haproxy, { prometheus: {…} } or { scrape: {…} }, found 'haproxi', did you mean 'haproxy'?",
      ]
    `);
  });
  it('empty', () => {
    expect(problems('empty.yaml')).toMatchInlineSnapshot(`
      [
        "empty.yaml:1:1: the file is empty; expected a mapping with name, target, traffic, load and slo",
      ]
    `);
  });
  it('not-a-mapping', () => {
    expect(problems('not-a-mapping.yaml')).toMatchInlineSnapshot(`
      [
        "not-a-mapping.yaml:1:1: expected a mapping (key: value), found a list",
      ]
    `);
  });
});

describe('merge keys (<<) and x- keys', () => {
  it('merge-not-a-mapping: a << of anything but mappings, at the value as written', () => {
    expect(problems('merge-not-a-mapping.yaml')).toMatchInlineSnapshot(`
      [
        "merge-not-a-mapping.yaml:7:11: traffic.requests[0].<<: '<<' merges a mapping or a list of mappings (such as *base or [*a, *b]), found the string '/orders'",
        "merge-not-a-mapping.yaml:9:30: traffic.requests[1].<<[1]: '<<' merges a mapping or a list of mappings (such as *base or [*a, *b]), found the number 3",
        "merge-not-a-mapping.yaml:11:13: load.<<: '<<' merges a mapping or a list of mappings (such as *base or [*a, *b]), found the string 'fast'",
      ]
    `);
  });
  it('merge-unknown-key: merged keys are checked where used, reported where written; x- only at the top', () => {
    expect(problems('merge-unknown-key.yaml')).toMatchInlineSnapshot(`
      [
        "merge-unknown-key.yaml:6:3: traffic.requests[0].wieght: unknown key 'wieght', did you mean 'weight'?",
        "merge-unknown-key.yaml:6:3: traffic.requests[1].wieght: unknown key 'wieght', did you mean 'weight'?",
        "merge-unknown-key.yaml:6:3: traffic.requests[2].wieght: unknown key 'wieght', did you mean 'weight'?",
        "merge-unknown-key.yaml:7:5: traffic.requests[0]: keys must be plain names, found a list",
        "merge-unknown-key.yaml:7:5: traffic.requests[1]: keys must be plain names, found a list",
        "merge-unknown-key.yaml:7:5: traffic.requests[2]: keys must be plain names, found a list",
        "merge-unknown-key.yaml:9:63: load.step_duration: expected a duration such as 500ms, 20s, 1.5s, 1m or 1m30s, found '5 minutes'",
        "merge-unknown-key.yaml:18:3: traffic.x-note: unknown key 'x-note' (expected one of: requests, request, replay, sessions, arrival, max_in_flight, timeout, connections, workers, error_status, insecure, client, shift)",
        "merge-unknown-key.yaml:19:3: traffic.<<: unknown key '<<': a quoted '<<' is an ordinary key; write <<: *name unquoted to merge",
      ]
    `);
  });
  it('body-contains-itself', () => {
    expect(problems('body-contains-itself.yaml')).toMatchInlineSnapshot(`
      [
        "body-contains-itself.yaml:7:25: traffic.request.body: contains itself (an alias inside its own anchor)",
      ]
    `);
  });
});
