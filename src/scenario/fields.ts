// The keys a scenario file may use, per section, in YAML spelling. One list drives the "unknown
// key" check in the loader and the property list of the JSON Schema (json-schema.ts checks it
// covers exactly these).

export const KEYS = {
  root: ['name', 'target', 'data', 'traffic', 'metrics', 'load', 'slo', 'abort', 'guard', 'services', 'report', 'gate'],
  traffic: ['requests', 'request', 'replay', 'sessions', 'arrival', 'max_in_flight', 'timeout', 'connections', 'workers', 'error_status', 'insecure', 'client', 'shift'],
  /** One feeder under `data:` (its name is the key). */
  data: ['csv', 'jsonl', 'order'],
  request: ['name', 'method', 'path', 'headers', 'body', 'weight'],
  /** One entry of `traffic.sessions`. */
  session: ['name', 'weight', 'steps'],
  /** A request step of a session (a request without weight, plus its captures and whether a failure ends the session). */
  sessionStep: ['name', 'method', 'path', 'headers', 'body', 'capture', 'continue_on_failure'],
  header: ['value', 'secret'],
  replay: ['file', 'format', 'methods', 'mode', 'name', 'headers'],
  shift: ['haproxy', 'command', 'limits', 'journal', 'stop_file'],
  haproxy: ['socket', 'address', 'backend', 'servers'],
  command: ['servers', 'pool', 'get_weight', 'set_weight'],
  limits: ['max_share', 'max_weight_step'],
  metrics: ['haproxy', 'prometheus', 'scrape'],
  /** One entry of `services:` (a dependency judged at every step). */
  service: ['name', 'metrics', 'slo'],
  /** `services[i].metrics.haproxy`: its own stats socket and backend (servers optional: default the whole backend). */
  serviceHaproxy: ['socket', 'address', 'backend', 'servers'],
  prometheus: ['url', 'interval', 'queries'],
  scrape: ['url', 'control', 'histogram', 'interval'],
  load: ['start', 'step', 'factor', 'max', 'step_duration', 'warmup', 'refine', 'window', 'persist', 'min_samples'],
  report: ['json', 'junit', 'markdown', 'html', 'log', 'history'],
  gate: ['expect_min', 'baseline', 'max_regression', 'max_latency_regression'],
} as const satisfies Record<string, readonly string[]>;

/**
 * Top-level keys with this prefix are not read (docker-compose's extension keys): they hold
 * anchors for `<<: *name` merges. Only at the top level; elsewhere an unknown key is a typo.
 */
export const EXTENSION_PREFIX = 'x-';

/** Generate-mode keys of `traffic`, rejected next to `traffic.shift`. */
export const GENERATE_TRAFFIC_KEYS = KEYS.traffic.filter((k) => k !== 'shift');

/** Shift-mode keys of `load`, rejected in generate mode. */
export const SHIFT_LOAD_KEYS = ['window', 'persist', 'min_samples'] as const;

/** Explanations for keys people guess but that live elsewhere. */
export const HINTS = {
  root: {
    requests: 'requests go under traffic: (traffic.requests)',
    url: "the origin is 'target'; paths go under traffic.requests",
    rps: 'the load is set under load: (start, step or factor, max)',
    thresholds: "SLO rules go under 'slo'",
    duration: "step length is load.step_duration",
    payload: 'data files go under data:, one per name, e.g. data: { users: { csv: data/users.csv } }',
    feeders: 'data files go under data:, one per name, e.g. data: { users: { csv: data/users.csv } }',
  },
  data: {
    file: 'give the file as csv: <path> or jsonl: <path>',
    path: 'give the file as csv: <path> or jsonl: <path>',
    format: 'the format is the key: csv: <path> or jsonl: <path>',
    type: 'the format is the key: csv: <path> or jsonl: <path>',
  },
  traffic: {
    url: "the origin is the top-level 'target'; each request has a 'path'",
    target: "'target' is a top-level key",
    rate: 'the load is set under load: (start, step or factor, max)',
    rps: 'the load is set under load: (start, step or factor, max)',
    haproxy: "live traffic goes under traffic.shift.haproxy",
  },
  request: {
    url: "requests take a 'path' (beginning with /); the origin is the top-level 'target'",
    uri: "requests take a 'path' (beginning with /)",
  },
  load: {
    duration: "did you mean 'step_duration'?",
    rate: "the load levels are start, step (or factor) and max",
  },
} satisfies Record<string, Record<string, string>>;
