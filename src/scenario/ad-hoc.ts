// Ad-hoc mode: `loadtest run --url http://127.0.0.1:8080/items --slo 'p99 < 100ms' --max 5000`
// finds a capacity without a YAML file, as wrk, vegeta and hey users expect. The flags do not build
// a Scenario themselves: each becomes an override of a skeleton document (an Override whose `flag`
// names it), and the document is read by the same reader as a file. So every value gets the same
// checks and messages, each problem is located at its flag (`--start: expected requests/s …`),
// `--set` applies on top as it does to a file, and `--print-scenario` writes the document out as the
// YAML file that runs the same test. Pure: strings in, overrides or error lines out.
import type { Document } from 'yaml';
import { LoadtestError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { parseScenarioDocument } from './load-scenario.js';
import type { Override, PathSegment } from './overrides.js';
import type { Scenario } from './scenario.js';

/** The ad-hoc flags as given (strings, unparsed): `url` is required, every other one has a default. */
export interface AdHocFlags {
  url: string;
  slo?: string[];
  start?: string;
  max?: string;
  step?: string;
  factor?: string;
  stepDuration?: string;
  refine?: string;
  method?: string;
  header?: string[];
  body?: string;
}

/**
 * What an ad-hoc run uses for a flag it was not given. Shorter steps and refinement on, unlike a
 * file's defaults (30s steps, no refinement): a one-line run should answer within minutes, to 5%.
 * A geometric ramp from a low start finds a capacity of unknown order in few steps; the bisection
 * then narrows the last ×1.5 interval down to 5% in at most 4 more.
 */
export const AD_HOC_DEFAULTS = {
  slo: ['p99 < 500ms', 'error_rate < 1%'],
  start: 10,
  max: 10_000,
  factor: 1.5,
  stepDuration: '10s',
  refine: '5%',
  method: 'GET',
  /** With --body and no --method, as curl -d does. */
  methodWithBody: 'POST',
} as const;

/** The file an ad-hoc scenario stands for, in problem positions (never shown while every value has a flag). */
export const AD_HOC_SOURCE = '(command line)';

/** The keys in the order a scenario file writes them; every value comes from an override. */
const SKELETON = 'name: null\ntarget: null\ntraffic:\n  request: {}\nload: {}\nslo: []\n';

/** `--start 100` → 100; `100rps`, `5%`, `lots` stay strings for the reader to parse or refuse. */
function scalar(v: string): string | number {
  return /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
}

/** `http://u:p@host:8080/items?q=1#frag` → origin with its credentials, and path with its query. */
export function splitUrl(url: string): { origin: string; path: string } | undefined {
  const m = /^\s*(https?:\/\/[^/?#\s]*)([^#]*)/i.exec(url);
  if (!m) return undefined;
  const rest = m[2]!.trim();
  return { origin: m[1]!, path: rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest };
}

/** The scenario's name when none is set: host and path, as it appears in reports and results/<name>.json. */
function defaultName(origin: string, path: string): string {
  const host = origin.replace(/^https?:\/\//i, '').replace(/^[^@]*@/, '');
  return `${host}${path.split('?')[0] === '/' ? '' : path.split('?')[0]}`;
}

/** Flags → overrides of the skeleton, in the order a file writes its keys; or one line per malformed flag. */
export function adHocOverrides(f: AdHocFlags): { overrides: Override[]; errors: string[] } {
  const overrides: Override[] = [];
  const errors: string[] = [];
  const add = (flag: string, text: string, path: PathSegment[], value: unknown) =>
    overrides.push({ flag, text, pathText: path.join('.'), path, value });
  const given = (flag: string, v: string) => `${flag} ${v}`;
  const orDefault = (flag: string, v: string | undefined, d: string | number) =>
    v !== undefined ? { flag, text: given(flag, v), value: scalar(v) } : { flag: `${flag} (default ${d})`, text: `${flag} (default ${d})`, value: d };

  const url = splitUrl(f.url);
  if (!url) errors.push(`--url ${f.url}: expected an http:// or https:// URL such as http://127.0.0.1:8080/items`);
  const origin = url?.origin ?? f.url;
  const path = url?.path ?? '/';
  add('--url', given('--url', f.url), ['name'], defaultName(origin, path));
  add('--url', given('--url', f.url), ['target'], origin);

  const method = f.method ?? (f.body !== undefined ? AD_HOC_DEFAULTS.methodWithBody : AD_HOC_DEFAULTS.method);
  add(f.method !== undefined ? '--method' : '--method (default)', given('--method', method), ['traffic', 'request', 'method'], method);
  add('--url', given('--url', f.url), ['traffic', 'request', 'path'], path);
  for (const h of f.header ?? []) {
    const colon = h.indexOf(':');
    const name = colon > 0 ? h.slice(0, colon).trim() : '';
    if (name === '') {
      errors.push(`--header ${h}: expected 'Name: value', e.g. 'content-type: application/json'`);
      continue;
    }
    add(`--header ${name}`, given('--header', h), ['traffic', 'request', 'headers', name], h.slice(colon + 1).trim());
  }
  if (f.body !== undefined) add('--body', given('--body', f.body), ['traffic', 'request', 'body'], f.body);

  for (const [key, flag, v, d] of [
    ['start', '--start', f.start, AD_HOC_DEFAULTS.start],
    ['max', '--max', f.max, AD_HOC_DEFAULTS.max],
  ] as const) {
    const o = orDefault(flag, v, d);
    add(o.flag, o.text, ['load', key], o.value);
  }
  if (f.step !== undefined) add('--step', given('--step', f.step), ['load', 'step'], scalar(f.step));
  if (f.factor !== undefined || f.step === undefined) {
    const o = orDefault('--factor', f.factor, AD_HOC_DEFAULTS.factor);
    add(o.flag, o.text, ['load', 'factor'], o.value);
  }
  for (const [key, flag, v, d] of [
    ['step_duration', '--step-duration', f.stepDuration, AD_HOC_DEFAULTS.stepDuration],
    ['refine', '--refine', f.refine, AD_HOC_DEFAULTS.refine],
  ] as const) {
    const o = orDefault(flag, v, d);
    add(o.flag, o.text, ['load', key], o.value);
  }

  const slo = f.slo !== undefined && f.slo.length > 0 ? f.slo : undefined;
  (slo ?? AD_HOC_DEFAULTS.slo).forEach((rule, i) => add(slo ? '--slo' : '--slo (default)', given('--slo', rule), ['slo', i], rule));
  return { overrides, errors };
}

/**
 * The scenario the flags describe, read and checked like a file (`sets`: `--set` flags, applied
 * after the ad-hoc ones). Throws a UsageError (exit 2) for malformed flags, one line each, and a
 * ScenarioError listing every value the scenario rejects, each at its flag.
 */
export function adHocScenario(
  flags: AdHocFlags,
  sets: readonly string[] = [],
  env: Record<string, string | undefined> = process.env,
): { scenario: Scenario; document: Document } {
  const { overrides, errors } = adHocOverrides(flags);
  if (errors.length === 1) throw new UsageError(errors[0]!);
  if (errors.length > 1) throw new LoadtestError(`${errors.length} flags cannot be used`, ExitCode.USAGE, errors);
  return parseScenarioDocument(SKELETON, AD_HOC_SOURCE, env, [...overrides, ...sets]);
}
