// Valid scenario files load into the normalized Scenario: units converted once (ms, fractions,
// rps or share), defaults filled in, secrets collected. Also: every bundled example scenario loads.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '../../src/scenario/load-scenario.js';
import { LoadtestError } from '../../src/errors.js';
import { ExitCode } from '../../src/exit-codes.js';
import { validSummary } from '../../src/cli/commands/validate.js';

const dir = join(import.meta.dirname, '../fixtures/valid');
const load = (name: string) => parseScenario(readFileSync(join(dir, name), 'utf8'), name, {});

describe('valid fixtures', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('%s loads', (f) => {
    expect(() => load(f)).not.toThrow();
  });

  it('minimal: defaults filled in', () => {
    expect(load('minimal.yaml')).toEqual({
      name: 'minimal',
      traffic: {
        kind: 'generate',
        target: 'http://127.0.0.1:8080',
        requests: [{ name: 'GET /', method: 'GET', path: '/', headers: {}, weight: 1 }],
        arrival: 'poisson',
        maxInFlight: 10000,
        timeoutMs: 10000,
        connections: 64,
        workers: 'auto',
        errorStatuses: [[500, 599]],
        insecure: false,
        client: 'lean',
      },
      load: { unit: 'rps', start: 10, step: 10, max: 100, stepDurationMs: 30000, warmupMs: 5000 },
      slo: [{ text: 'p99 < 100ms', metric: 'p99', op: '<', threshold: 100 }],
      abort: [],
      guard: [],
      report: {},
      gate: {},
      secrets: [],
    });
  });

  it('full-generate: every key normalized', () => {
    const s = load('full-generate.yaml');
    expect(s.traffic).toEqual({
      kind: 'generate',
      target: 'https://localhost:8443',
      requests: [
        { name: 'home', method: 'GET', path: '/?q=1', headers: { authorization: 'Basic dXNlcjpwQHNz' }, weight: 3 },
        {
          name: 'buy',
          method: 'POST',
          path: '/checkout',
          headers: { 'x-api-key': 'key-123', 'x-count': '5', 'content-type': 'application/json', authorization: 'Basic dXNlcjpwQHNz' },
          body: '{"item":1,"qty":[1,2]}',
          weight: 0.5,
        },
        { name: 'GET /health', method: 'GET', path: '/health', headers: { authorization: 'Basic dXNlcjpwQHNz' }, weight: 1 },
      ],
      arrival: 'uniform',
      maxInFlight: 2000,
      timeoutMs: 1500,
      connections: 16,
      workers: 2,
      errorStatuses: [[500, 599], [429, 429], [400, 404], [300, 399]],
      insecure: true,
      client: 'undici',
    });
    expect(s.load).toEqual({ unit: 'rps', start: 50, factor: 1.5, max: 1000, stepDurationMs: 90000, warmupMs: 500, refine: 0.025 });
    expect(s.slo.map((r) => [r.metric, r.op, r.threshold])).toEqual([
      ['p99', '<', 250],
      ['p99{buy}', '<=', 400],
      ['error_rate{home}', '<', 0.01],
      ['mean_latency', '<', 20],
      ['throughput', '>=', 0.98],
    ]);
    // Abort rules are stored as what must hold: `error_rate > 50%` → breach when not `<= 0.5`.
    expect(s.abort).toEqual([
      { text: 'error_rate > 50%', metric: 'error_rate', op: '<=', threshold: 0.5 },
      { text: 'p999 > 5s', metric: 'p999', op: '<=', threshold: 5000 },
    ]);
    expect(s.report).toEqual({
      json: 'out/full.json',
      junit: 'out/full.xml',
      markdown: 'out/full.md',
      html: 'out/full.html',
      log: 'out/full.steps.jsonl',
      history: 'out/history.jsonl',
    });
    expect(s.gate).toEqual({ expectMin: 200, baseline: 'out/baseline.json', maxRegression: 0.1, maxLatencyRegression: 1.5 });
    // URL credentials (every form of them) and secret headers are masked in outputs.
    expect(s.secrets.sort()).toEqual(['Basic dXNlcjpwQHNz', 'https://user:p%40ss@localhost:8443/', 'key-123', 'p@ss', 'user:p@ss'].sort());
  });

  it('shift-haproxy-address: shift defaults', () => {
    const s = load('shift-haproxy-address.yaml');
    expect(s.traffic).toEqual({
      kind: 'shift',
      shifter: { type: 'haproxy', address: '127.0.0.1:9999', backend: 'app', servers: ['s1', 's2'] },
      limits: {},
      journalFile: '.loadtest/journal-app.json',
      stopFile: '.loadtest/journal-app.json.stop',
    });
    expect(s.metrics).toEqual({ type: 'haproxy' });
    // Default window: 10s, shortened so that `persist` (2) windows fit in the judged 24s.
    expect(s.load).toEqual({ unit: 'share', start: 1, step: 0.5, max: 3, stepDurationMs: 30000, warmupMs: 6000, windowMs: 10000, persist: 2, minSamples: 100 });
    expect(s.guard.map((r) => r.metric)).toEqual(['control.error_rate', 'control.mean_latency']);
  });

  it('shift-command-prometheus: command shifter and custom queries', () => {
    const s = load('shift-command-prometheus.yaml');
    expect(s.traffic).toMatchObject({
      shifter: { type: 'command', servers: ['api-1'], pool: ['api-1', 'api-2', 'api-3'], getWeight: 'lbctl get-weight {server}', setWeight: 'lbctl set-weight {server} {weight}' },
      limits: { maxShare: 0.5 },
      journalFile: '.loadtest/journal-api-1.json',
    });
    expect(s.metrics).toMatchObject({ type: 'prometheus', url: 'http://127.0.0.1:9090', intervalMs: 10000 });
    expect(Object.keys((s.metrics as { queries: object }).queries)).toEqual(['p95']);
    expect(s.load).toMatchObject({ stepDurationMs: 60000, warmupMs: 12000, windowMs: 15000, persist: 3, minSamples: 50 });
  });

  it('credentials in a metrics URL are secrets', () => {
    const text = readFileSync(join(dir, 'shift-command-prometheus.yaml'), 'utf8').replace('http://127.0.0.1:9090', 'http://prom:s%3Dcret@127.0.0.1:9090');
    expect(parseScenario(text, 'p.yaml', {}).secrets.sort()).toEqual(['http://prom:s%3Dcret@127.0.0.1:9090', 's%3Dcret', 's=cret'].sort());
  });

  it('shift-scrape: histogram name normalized, control URLs', () => {
    expect(load('shift-scrape.yaml').metrics).toEqual({
      type: 'scrape',
      url: 'http://127.0.0.1:9101/metrics',
      controlUrls: ['http://127.0.0.1:9102/metrics'],
      histogram: 'http_request_duration_seconds',
      intervalMs: 2000,
    });
  });

  it('anchors: aliases resolve', () => {
    const s = load('anchors.yaml');
    expect(s.traffic.kind === 'generate' && s.traffic.requests.map((q) => q.headers)).toEqual([{ accept: 'application/json' }, { accept: 'application/json' }, {}]);
    expect(s.abort).toEqual([]);
    expect(s.load.stepDurationMs).toBe(2000);
    expect(s.traffic.kind === 'generate' && s.traffic.target).toBe('http://[::1]:8080');
  });
});

describe('bundled example scenarios (scenarios/*.yaml)', () => {
  const sdir = join(import.meta.dirname, '../../scenarios');
  const files = readdirSync(sdir).filter((f) => f.endsWith('.yaml'));
  it('includes the documented examples', () => {
    expect(files).toEqual(expect.arrayContaining(['checkout.yaml', 'geometric-ramp.yaml', 'live-haproxy.yaml', 'live-prometheus.yaml']));
  });
  it.each(files)('%s validates', async (f) => {
    const s = await loadScenario(join(sdir, f), { env: {} });
    expect(s.file).toBe(join(sdir, f));
    expect(validSummary(f, s)).toMatch(/^ok: /);
  });
  it('checkout.yaml summary', async () => {
    const s = await loadScenario(join(sdir, 'checkout.yaml'), { env: {} });
    expect(validSummary('scenarios/checkout.yaml', s)).toBe('ok: scenarios/checkout.yaml: "checkout capacity", generate, 50 ramp steps up to 5000 rps');
  });
});

describe('README scenario reference', () => {
  it('its YAML example loads, and its validate line is what validate prints', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('<!-- section:scenario -->'), readme.indexOf('<!-- /section:scenario -->'));
    const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    const s = parseScenario(blocks[0]!, 'README.md', {});
    expect(section).toContain(`# ${validSummary('scenarios/checkout.yaml', s)}`);
  });
});

describe('loadScenario file errors', () => {
  it('a missing file is one clear usage error', async () => {
    const err = await loadScenario('/nonexistent/x.yaml').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadtestError);
    expect((err as LoadtestError).exitCode).toBe(ExitCode.USAGE);
    expect((err as LoadtestError).message).toBe('cannot read scenario /nonexistent/x.yaml: no such file');
  });
  it('a directory is one clear usage error', async () => {
    const err = await loadScenario(dir).catch((e: unknown) => e);
    expect((err as LoadtestError).message).toBe(`cannot read scenario ${dir}: is a directory`);
  });
});

describe('request bytes that would not survive the wire as written', () => {
  const scenario = (request: string) =>
    `name: t\ntarget: http://127.0.0.1:8080\ntraffic:\n  request: ${request}\nload: { start: 10, step: 10, max: 100 }\nslo: [p99 < 100ms]\n`;
  const problems = (text: string): string[] => {
    try {
      parseScenario(text, 't.yaml', {});
      return [];
    } catch (e) {
      const ps = (e as { problems?: Array<{ path: string; message: string; pos?: { file: string; line: number; col: number } }> }).problems ?? [];
      return ps.map((p) => `${p.pos?.file}:${p.pos?.line}:${p.pos?.col}: ${p.path}: ${p.message}`);
    }
  };

  it('a non-ASCII path is sent percent-encoded (UTF-8); its default name stays readable', () => {
    const s = parseScenario(scenario('{ path: "/café?q=€" }'), 't.yaml', {});
    const r = s.traffic.kind === 'generate' ? s.traffic.requests[0]! : undefined;
    expect(r?.path).toBe('/caf%C3%A9?q=%E2%82%AC');
    expect(r?.name).toBe('GET /café?q=€');
  });

  it.each([
    ['{ path: "/a\\u0001b" }', 't.yaml:4:20: traffic.request.path: a path cannot contain control characters, found "/a\\u0001b"'],
    ['{ path: /, headers: { x-price: "10 €" } }', 't.yaml:4:43: traffic.request.headers.x-price: a header value must be Latin-1 text (characters up to U+00FF); percent- or base64-encode the rest'],
    ['{ path: /, headers: { x-a: { value: "a\\nb" } } }', 't.yaml:4:48: traffic.request.headers.x-a.value: a header value cannot contain a line break or NUL character'],
  ])('%s is refused with its position', (request, line) => {
    expect(problems(scenario(request))).toContain(line);
  });
});

describe('merge keys (<<) and top-level x- keys', () => {
  it('merge-keys: merged keys read as if written there; keys written there and earlier sources win', () => {
    const s = load('merge-keys.yaml');
    expect(s.traffic).toMatchObject({
      kind: 'generate',
      requests: [
        {
          name: 'create',
          method: 'POST',
          path: '/orders',
          headers: { accept: 'application/json', 'x-tenant': 'acme', 'content-type': 'application/json' },
          // Merge keys and aliases inside a structured body are resolved too.
          body: '{"item":1,"tags":["new","gift"],"qty":2,"labels":["new","gift"]}',
          weight: 2,
        },
        { name: 'list', method: 'GET', path: '/orders', headers: { accept: 'text/csv', 'x-tenant': 'acme', 'x-page': '2' }, weight: 2 },
        { name: 'slow', method: 'POST', path: '/slow', headers: { accept: 'application/json', 'x-tenant': 'acme' }, weight: 0.5 },
      ],
    });
    expect(s.load).toEqual({ unit: 'rps', start: 10, step: 10, max: 200, stepDurationMs: 20000, warmupMs: 0 });
  });

  it('a mapping merged into itself adds nothing', () => {
    const text = 'name: t\ntarget: http://127.0.0.1:8080\ntraffic:\n  request: &r { path: /, <<: *r }\nload: { start: 10, step: 10, max: 100 }\nslo: [p99 < 100ms]\n';
    const s = parseScenario(text, 't.yaml', {});
    expect(s.traffic.kind === 'generate' && s.traffic.requests).toEqual([{ name: 'GET /', method: 'GET', path: '/', headers: {}, weight: 1 }]);
  });

  it('the README example loads, with the merged and overridden values it describes', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('<<: *post'));
    expect(block).toBeDefined();
    const s = parseScenario(`name: t\ntarget: http://127.0.0.1:8080\n${block}load: { start: 10, step: 10, max: 100 }\nslo: [p99 < 100ms]\n`, 'README.md', {});
    expect(s.traffic.kind === 'generate' && s.traffic.requests).toEqual([
      { name: 'create', method: 'POST', path: '/orders', headers: { accept: 'application/json', 'x-tenant': 'acme' }, weight: 2 },
      { name: 'bulk', method: 'POST', path: '/orders/bulk', headers: { accept: 'application/json', 'x-tenant': 'acme', 'x-bulk': '1' }, weight: 1 },
    ]);
  });
});
