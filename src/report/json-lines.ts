// `--json-lines`: one JSON object per run event on a stream, for machines following a run live
// (dashboards, CI log parsers). Every line is complete and self-describing (`type`, `time`).
// The scenario in `run-start` is cut down to what a reader needs (name, mode, target, SLO texts,
// load plan) and redacted: request headers and bodies never leave the process this way.
import type { RunEvent, RunListener } from '../controller/events.js';
import type { Scenario } from '../scenario/scenario.js';
import { nodesSuffix } from '../scenario/describe-target.js';
import { createRedactor, redactDeep, type Redactor } from './redact.js';

/** What `run-start` carries instead of the full Scenario. */
export interface MinimalScenario {
  name: string;
  mode: 'generate' | 'shift';
  target: string;
  slo: string[];
  abort: string[];
  guard: string[];
  load: Scenario['load'];
  /** `--set` overrides applied to the file, as given; absent when none. */
  overrides?: string[];
}

export function minimalScenario(s: Scenario): MinimalScenario {
  const t = s.traffic;
  const target =
    t.kind === 'generate'
      ? t.target
      : t.shifter.type === 'haproxy'
        ? `haproxy backend ${t.shifter.backend} servers ${t.shifter.servers.join(',')}${nodesSuffix(t.shifter)}`
        : `servers ${t.shifter.servers.join(',')}`;
  const out: MinimalScenario = {
    name: s.name,
    mode: t.kind,
    target,
    slo: s.slo.map((r) => r.text),
    abort: s.abort.map((r) => r.text),
    guard: s.guard.map((r) => r.text),
    load: s.load,
  };
  if (s.overrides?.length) out.overrides = [...s.overrides];
  return out;
}

/** The JSON value written for one event (without the trailing newline). */
export function eventToJson(event: RunEvent, redact: Redactor, now: () => Date = () => new Date()): string {
  const time = now().toISOString();
  let body: Record<string, unknown>;
  switch (event.type) {
    case 'run-start':
      body = { ...event, scenario: minimalScenario(event.scenario) };
      break;
    case 'step-end':
      // The base64 histogram is for merging, not for line readers; it is in the final report.
      body = { type: event.type, step: { ...event.step, histogram: undefined } };
      break;
    default:
      body = { ...event };
  }
  return JSON.stringify(redactDeep({ time, ...body }, redact));
}

/**
 * A listener that writes each event as one line. The redactor is built from the scenario's secrets
 * when `run-start` arrives; until then URL passwords and credential headers are still masked.
 */
export function jsonLinesListener(write: (line: string) => void): RunListener {
  let redact: Redactor = createRedactor([]);
  return (event) => {
    if (event.type === 'run-start') redact = createRedactor(event.scenario.secrets);
    write(eventToJson(event, redact) + '\n');
  };
}
