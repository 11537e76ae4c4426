// JSON Schema (draft 2020-12) of scenario files, printed by `loadtest schema` for editor
// completion and hover docs. The loader remains the authority (cross-field rules, measurability of
// SLOs, "did you mean"); this schema mirrors its key lists (fields.ts; a test checks they match).
import { METRIC_ALIASES, METRIC_NAMES } from '../slo/metric-catalog.js';
import { EXTENSION_PREFIX, KEYS } from './fields.js';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });
/** Any scalar may be written as `${VAR}` / `${VAR:-default}`. */
const orEnv = (s: Schema): Schema => ({ anyOf: [s, ref('interpolated')] });
const described = (description: string, s: Schema, extra: Schema = {}): Schema => ({ description, ...s, ...extra });

function object(keys: readonly string[], props: Record<string, Schema>, required: string[] = [], description?: string): Schema {
  // Build in the order of the key list so editors show keys as documented.
  const properties: Record<string, Schema> = {};
  for (const k of keys) {
    const p = props[k];
    if (!p) throw new Error(`json-schema: no schema for key '${k}'`);
    properties[k] = p;
  }
  return { type: 'object', ...(description ? { description } : {}), properties, required, additionalProperties: false };
}

const metricAlt = [...METRIC_NAMES, ...Object.keys(METRIC_ALIASES)].sort((a, b) => b.length - a.length).join('|');
const SLO_PATTERN = `^\\s*(control\\.)?(${metricAlt})(\\{[^}]+\\})?\\s*(<=|>=|<|>)\\s*(\\d+(\\.\\d+)?|\\.\\d+)\\s*(ms|s|us|µs|%|rps|/s)?\\s*$`;

const defs: Record<string, Schema> = {
  interpolated: { type: 'string', pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}', description: 'a value from the environment: ${VAR} or ${VAR:-default}' },
  duration: { type: 'string', pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h))+$', description: 'a duration: 500ms, 20s, 1.5s, 1m, 1m30s, 2h', examples: ['20s', '500ms', '1m30s'] },
  percent: {
    anyOf: [
      { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*%\\s*$' },
      { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    ],
    description: 'a percentage (5%, 0.5%) or a fraction (0.05)',
  },
  rps: {
    anyOf: [
      { type: 'number', minimum: 1 },
      { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(rps|/s)\\s*$' },
    ],
    description: 'requests per second (generate mode)',
  },
  share: { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*x\\s*$', description: 'a multiple of the fair share (shift mode): 1x, 1.5x' },
  level: { anyOf: [ref('rps'), ref('share'), ref('interpolated')], description: 'a load level: requests/s (generate; sessions/s with traffic.sessions) or a multiple of the fair share such as 1.5x (shift)' },
  slo: {
    type: 'string',
    pattern: SLO_PATTERN,
    description: '[control.]metric[{request}] op value[unit], e.g. "p99 < 250ms", "error_rate < 1%", "p99{buy} < 400ms"',
    examples: ['p99 < 250ms', 'error_rate < 1%', 'throughput > 98%'],
  },
  rules: { type: 'array', items: orEnv(ref('slo')) },
  status: {
    anyOf: [
      { type: 'integer', minimum: 100, maximum: 599 },
      { type: 'string', pattern: '^\\s*((\\d{3})|(\\d{3}\\s*-\\s*\\d{3})|([1-5]xx)|((>=|>|<=|<)\\s*\\d{3}))\\s*$' },
    ],
    description: 'a status (429), a range ("400-404"), a bound (">=500") or a class ("5xx")',
  },
  url: { type: 'string', pattern: '^(https?://|\\$\\{)', description: 'an http(s) URL' },
  names: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
  request: object(
    KEYS.request,
    {
      name: described('unique name, used in reports and per-request SLOs such as p99{name}; default "METHOD path"', { type: 'string', pattern: '^[^{}]+$' }),
      method: described('HTTP method', { type: 'string' }, { default: 'GET', examples: ['GET', 'POST', 'PUT', 'DELETE'] }),
      path: described("path and query, beginning with /; may hold templates such as {{ seq }} or {{ random.int(1, 100) }}", { type: 'string', pattern: '^(/|\\$\\{)' }),
      headers: described('request headers; a value may be { value, secret: true } to mask it in every output', {
        type: ['object', 'null'],
        additionalProperties: {
          anyOf: [
            { type: ['string', 'number'] },
            object(KEYS.header, { value: { type: ['string', 'number'] }, secret: orEnv({ type: 'boolean' }) }, ['value']),
          ],
        },
      }),
      body: described('request body; a mapping or list is sent as JSON (with content-type: application/json); may hold templates ({{ json(…) }} escapes for a JSON string)', { type: ['string', 'object', 'array'] }),
      weight: described('relative weight in the mix', orEnv({ type: 'number', exclusiveMinimum: 0 }), { default: 1 }),
    },
    ['path'],
  ),
};

export function scenarioJsonSchema(): Schema {
  const haproxyNode = object(KEYS.haproxy, {
    socket: described('unix stats socket (level admin)', { type: 'string' }),
    address: described('TCP stats socket host:port', { type: 'string' }),
    backend: described('backend whose servers are weighted', { type: 'string' }),
    servers: described('servers under test; the rest of the backend is the control group', ref('names')),
  }, ['backend', 'servers']);
  const traffic = object(
    KEYS.traffic,
    {
      requests: described('weighted mix of requests (generate mode)', { type: 'array', items: ref('request'), minItems: 1 }),
      request: described('a single request (shortcut for a one-entry requests list)', ref('request')),
      replay: described(
        'the request mix of an access log: its GET/HEAD requests (by default) with their real frequencies, as a weighted mix at each step\'s rate',
        object(KEYS.replay, {
          file: described('the access log, relative to the scenario file', { type: 'string', minLength: 1 }),
          format: described('combined (nginx/Apache), haproxy (option httplog) or jsonl (one JSON object per line)', { enum: ['combined', 'haproxy', 'jsonl'] }),
          methods: described('methods replayed; others are left out (a log has no bodies)', { type: 'array', items: { type: 'string' }, minItems: 1 }, { default: ['GET', 'HEAD'] }),
          mode: described('mix: a weighted mix at the step\'s rate; ordered: the log\'s own order and times, scaled to the step\'s rate', { enum: ['mix', 'ordered'] }, { default: 'mix' }),
          name: described('the request name replayed requests are recorded under, as in p99{replay}', { type: 'string', pattern: '^[^{}]+$' }, { default: 'replay' }),
          headers: described('headers added to every replayed request; a value may be { value, secret: true }', {
            type: ['object', 'null'],
            additionalProperties: {
              anyOf: [
                { type: ['string', 'number'] },
                object(KEYS.header, { value: { type: ['string', 'number'] }, secret: orEnv({ type: 'boolean' }) }, ['value']),
              ],
            },
          }),
        }, ['file', 'format']),
      ),
      sessions: described(
        'user sessions: each arrival starts one (picked by weight) and runs its steps in order; a step may capture values from its response for later steps ({{ item_id }})',
        {
          type: 'array',
          minItems: 1,
          items: object(
            KEYS.session,
            {
              name: described('the session name, used in reports', { type: 'string', pattern: '^[^{}]+$' }),
              weight: described('relative weight among sessions', orEnv({ type: 'number', exclusiveMinimum: 0 }), { default: 1 }),
              steps: described('requests in order, and think times between them', {
                type: 'array',
                minItems: 1,
                items: {
                  anyOf: [
                    object(['think'], { think: described('a pause before the next step: 20ms, or a range 10ms-50ms', { type: ['string', 'number'] }) }, ['think']),
                    object(
                      KEYS.sessionStep,
                      {
                        ...Object.fromEntries(Object.entries((defs.request as { properties: Record<string, Schema> }).properties).filter(([k]) => k !== 'weight')),
                        capture: described('values for later steps: json.<path> (json.items[0].id), header.<name>, status, or { regex: <pattern> }', {
                          type: 'object',
                          additionalProperties: { anyOf: [{ type: 'string' }, object(['regex'], { regex: { type: 'string' } }, ['regex'])] },
                        }),
                        continue_on_failure: described('true: the session goes on to its next step when this one fails (it is then counted as failed when it ends); default false: a failed step ends its session', { type: 'boolean' }),
                      },
                      ['path'],
                    ),
                  ],
                },
              }),
            },
            ['name', 'steps'],
          ),
        },
      ),
      arrival: described('send schedule: poisson (random gaps) or uniform (even gaps)', { enum: ['poisson', 'uniform'] }, { default: 'poisson' }),
      max_in_flight: described('past this many requests in flight a send is dropped and counted as an error', orEnv({ type: 'integer', minimum: 1 }), { default: 10000 }),
      timeout: described('request timeout', orEnv(ref('duration')), { default: '10s' }),
      connections: described('keep-alive connections per worker', orEnv({ type: 'integer', minimum: 1 }), { default: 64 }),
      workers: described('generator worker threads, or auto', { anyOf: [{ type: 'integer', minimum: 1, maximum: 256 }, { const: 'auto' }] }, { default: 'auto' }),
      error_status: described('HTTP statuses counted as errors', { anyOf: [ref('status'), { type: 'array', items: ref('status') }] }, { default: '>=500' }),
      insecure: described('accept untrusted TLS certificates', orEnv({ type: 'boolean' }), { default: false }),
      client: described('HTTP client: lean (our HTTP/1.1 client, least CPU per request) or undici', { enum: ['lean', 'undici'] }, { default: 'lean' }),
      shift: described(
        'shift live traffic through a load balancer instead of generating it',
        object(KEYS.shift, {
          haproxy: described('HAProxy runtime API: one node, or a list of nodes that all get the same weights', {
            anyOf: [haproxyNode, { type: 'array', minItems: 1, items: haproxyNode }],
          }),
          command: described(
            'your own commands to read and set weights',
            object(KEYS.command, {
              servers: described('servers under test', ref('names')),
              pool: described('every server of the pool (targets and control group)', ref('names')),
              get_weight: described('shell command printing the weight of {server}', { type: 'string', pattern: '\\{server\\}' }),
              set_weight: described('shell command setting {server} to {weight}', { type: 'string', pattern: '\\{server\\}' }),
            }, ['servers', 'pool', 'get_weight', 'set_weight']),
          ),
          limits: object(KEYS.limits, {
            max_share: described("highest share of the backend's traffic the targets may get", ref('percent')),
            max_weight_step: described("largest change of one server's weight in one step", orEnv({ type: 'integer', minimum: 1, maximum: 256 })),
          }),
          journal: described('where original weights are journaled; default .loadtest/journal-<backend>.json', { type: 'string' }),
          stop_file: described('kill switch: the run stops and restores the weights when this file appears (`loadtest stop`); default <journal>.stop', { type: 'string' }),
        }),
      ),
    },
    [],
    'what load to apply: generated requests, or traffic.shift for live traffic',
  );

  const metrics = described('live metrics source (shift mode); default haproxy with the HAProxy shifter', {
    anyOf: [
      { const: 'haproxy' },
      object(KEYS.metrics, {
        haproxy: { type: ['null', 'object'], maxProperties: 0 },
        prometheus: object(KEYS.prometheus, {
          url: described('Prometheus server', ref('url')),
          interval: described('query interval', orEnv(ref('duration')), { default: '5s' }),
          queries: described('PromQL per metric; {server}, {servers} and {window} are filled in', {
            type: 'object',
            propertyNames: { enum: METRIC_NAMES.filter((m) => !['throughput', 'offered_rps', 'share'].includes(m)) },
            additionalProperties: { type: 'string' },
          }),
        }, ['url']),
        scrape: object(KEYS.scrape, {
          url: described("the target's /metrics URL", ref('url')),
          control: described("the control group's /metrics URLs", { type: 'array', items: ref('url') }),
          histogram: described('latency histogram metric name', { type: 'string' }, { default: 'http_request_duration_seconds' }),
          interval: described('scrape interval', orEnv(ref('duration')), { default: '2s' }),
        }, ['url']),
      }),
    ],
  });

  const serviceMetrics = described("a service's own live metrics source", object(KEYS.metrics, {
    haproxy: object(KEYS.serviceHaproxy, {
      socket: described('HAProxy stats socket (unix path)', { type: 'string', minLength: 1 }),
      address: described('HAProxy stats socket (host:port)', { type: 'string', minLength: 1 }),
      backend: described("the backend in front of the service; its servers' stats are summed", { type: 'string', minLength: 1 }),
      servers: described('only these servers of the backend (default: all)', { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true }),
    }, ['backend']),
    prometheus: object(KEYS.prometheus, {
      url: described('Prometheus server', ref('url')),
      interval: described('query interval', orEnv(ref('duration')), { default: '5s' }),
      queries: described("PromQL per metric the service's rules use; {server} is the service's name, {window} is filled in", {
        type: 'object',
        propertyNames: { enum: METRIC_NAMES.filter((m) => !['throughput', 'offered_rps', 'share'].includes(m)) },
        additionalProperties: { type: 'string' },
      }),
    }, ['url']),
    scrape: object(KEYS.scrape.filter((k) => k !== 'control'), {
      url: described("the service's /metrics URL", ref('url')),
      histogram: described('latency histogram metric name', { type: 'string' }, { default: 'http_request_duration_seconds' }),
      interval: described('scrape interval', orEnv(ref('duration')), { default: '2s' }),
    }, ['url']),
  }));
  const services = described('dependencies judged at every step too: each with its own metrics and SLOs', {
    anyOf: [
      { type: 'null' },
      {
        type: 'array',
        items: object(KEYS.service, {
          name: described('what reports call it, e.g. db-a', { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
          metrics: { ...serviceMetrics, minProperties: 1, maxProperties: 1 },
          slo: described('rules this service must meet at every step', { ...ref('rules'), minItems: 1 }),
        }, ['name', 'metrics', 'slo']),
      },
    ],
  });

  const load = object(
    KEYS.load,
    {
      start: described('first load level', ref('level')),
      step: described('additive step (exactly one of step/factor)', ref('level')),
      factor: described('geometric factor > 1 (exactly one of step/factor)', orEnv({ type: 'number', exclusiveMinimum: 1 })),
      max: described('highest load level to try (≥ start)', ref('level')),
      step_duration: described('length of each step; default 30s (60s in shift mode)', orEnv(ref('duration')), { default: '30s' }),
      warmup: described('start of each step left out of the judgement; < step_duration; default 5s (15s in shift mode), at most a fifth of step_duration', orEnv(ref('duration')), { default: '5s' }),
      refine: described('bisect between last pass and first fail until within this fraction', orEnv(ref('percent'))),
      window: described('shift mode: judge each step in windows of this length', orEnv(ref('duration')), { default: '10s' }),
      persist: described('shift mode: a breach must last this many consecutive windows', orEnv({ type: 'integer', minimum: 1, maximum: 100 }), { default: 2 }),
      min_samples: described('shift mode: fewer requests per window → inconclusive', orEnv({ type: 'integer', minimum: 0 }), { default: 100 }),
    },
    ['start', 'max'],
    'the ramp: start, step or factor, max',
  );

  const path = (d: string) => described(d, { type: 'string', minLength: 1 });
  const feeder = object(KEYS.data, {
    csv: path('CSV file (RFC 4180) whose first row names the columns, e.g. id,email; relative to the scenario file'),
    jsonl: path('JSON Lines file, one object per line (columns: every key seen); relative to the scenario file'),
    order: described(
      'how rows are handed out: sequential (in file order, wrapping around), random (with replacement), unique (each row at most once; the run stops when none is left)',
      { enum: ['sequential', 'random', 'unique'] },
      { default: 'sequential' },
    ),
  });
  const data = described('data feeders by name; a template reads a column as {{ name.column }}', {
    type: ['object', 'null'],
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    additionalProperties: { ...feeder, anyOf: [{ required: ['csv'] }, { required: ['jsonl'] }] },
  });
  const report = object(KEYS.report, {
    json: path('JSON report'),
    junit: path('JUnit XML report'),
    markdown: path('Markdown report'),
    html: path('HTML report'),
    log: path('JSONL step log (default: next to the JSON report)'),
    history: path('history file that runs are appended to'),
  });
  const gate = object(KEYS.gate, {
    expect_min: described('fail (exit 3) when the maximum servable load is below this (requests/s; sessions/s with traffic.sessions)', orEnv({ type: 'number', exclusiveMinimum: 0 })),
    baseline: path('baseline JSON report to compare against'),
    max_regression: described('allowed capacity drop against the baseline', orEnv(ref('percent'))),
    max_latency_regression: described('allowed latency increase at a shared load', orEnv({ anyOf: [{ type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*%\\s*$' }, { type: 'number', exclusiveMinimum: 0, maximum: 1 }] })),
  });

  const root = object(
    KEYS.root,
    {
      name: described('scenario name, used in reports', { type: 'string', minLength: 1 }),
      target: described('generate mode: origin to send requests to, http(s)://host[:port] without a path', { type: 'string', pattern: '^(https?://[^/?#]+/?|\\$\\{.*)$' }),
      data,
      traffic,
      metrics,
      load,
      slo: described('rules every step must meet (judged after warm-up)', { ...ref('rules'), minItems: 1 }),
      abort: described('conditions that stop the run at once, e.g. "error_rate > 20%"; checked continuously', { anyOf: [ref('rules'), { type: 'null' }] }),
      guard: described('shift mode: what must hold for the control group (control.*); a breach aborts and restores', { anyOf: [ref('rules'), { type: 'null' }] }),
      services,
      report,
      gate,
    },
    ['name', 'traffic', 'load', 'slo'],
    'a loadtest scenario: how to load a service, how far, and which SLOs it must meet',
  );
  // The mode decides which keys apply and the unit of load levels: `traffic.shift` → live traffic.
  const levels = (unit: string): Schema => ({
    properties: { start: orEnv(ref(unit)), step: orEnv(ref(unit)), max: orEnv(ref(unit)) },
  });
  const modes: Schema = {
    if: { required: ['traffic'], properties: { traffic: { required: ['shift'] } } },
    then: { properties: { target: false, data: false, load: levels('share') } },
    else: {
      required: ['target'],
      properties: {
        metrics: false,
        guard: false,
        load: { ...levels('rps'), properties: { ...levels('rps').properties as object, window: false, persist: false, min_samples: false } },
      },
    },
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'loadtest scenario',
    ...root,
    // docker-compose's extension keys: ignored by the loader, they hold anchors (&name) that
    // mappings merge with `<<: *name`. Editors resolve merges before validating, so `<<` needs no entry.
    patternProperties: { [`^${EXTENSION_PREFIX}`]: { description: 'extension key, not read by loadtest: a place for anchors (&name) to merge with <<: *name' } },
    allOf: [modes],
    $defs: defs,
  };
}
