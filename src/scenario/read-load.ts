// `load:` → LoadSpec. Levels are requests/s in generate mode and multiples of the fair share
// (`1.5x`) in shift mode; durations are normalized to milliseconds and percentages to fractions.
import { HINTS, KEYS, SHIFT_LOAD_KEYS } from './fields.js';
import { applyRules, LOAD_RULES, type LoadDraft } from './rules.js';
import type { LoadSpec } from './scenario.js';
import { parseDuration, parseLoad, parsePercent } from './values.js';
import type { MapView, Reader } from './yaml-reader.js';

/** Defaults: step_duration 30s (60s shift); warm-up 5s (15s shift) but at most a fifth of the step. */
export const LOAD_DEFAULTS = {
  generate: { stepDurationMs: 30_000, warmupMs: 5_000 },
  shift: { stepDurationMs: 60_000, warmupMs: 15_000, windowMs: 10_000, persist: 2, minSamples: 100 },
} as const;

export function readLoad(r: Reader, root: MapView, mode: 'generate' | 'shift'): LoadSpec | undefined {
  if (!root.require('load', mode === 'generate' ? 'the ramp, e.g. { start: 100, step: 100, max: 5000 }' : 'the ramp, e.g. { start: 1x, factor: 1.25, max: 4x }')) return undefined;
  const m = root.child('load', KEYS.load, HINTS.load);
  if (!m) return undefined;
  const unit: LoadSpec['unit'] = mode === 'generate' ? 'rps' : 'share';
  const level = (key: string) => (m.has(key) ? r.parsed(m.get(key), m.p(key), (v) => parseLoad(v, unit)) : undefined);
  const example = unit === 'rps' ? '100' : '1x';
  const d: LoadDraft = { unit };
  let ok = true;

  if (m.require('start', `the first load level, e.g. ${example}`)) ok = (d.start = level('start')) !== undefined && ok;
  else ok = false;
  if (m.require('max', `the highest load level to try, e.g. ${unit === 'rps' ? '5000' : '4x'}`)) ok = (d.max = level('max')) !== undefined && ok;
  else ok = false;
  if (m.has('step')) ok = (d.step = level('step')) !== undefined && ok;
  if (m.has('factor')) {
    const f = r.number(m.get('factor'), m.p('factor'), 'a factor > 1 such as 1.25');
    if (f !== undefined && !(f > 1)) r.reportAt(m.get('factor'), m.p('factor'), `must be more than 1 (each step multiplies the load), found ${f}`);
    else d.factor = f;
    ok = d.factor !== undefined && ok;
  }
  if (!m.has('step') && !m.has('factor')) {
    if (!m.wasMisspelled('step') && !m.wasMisspelled('factor')) {
      r.report(m.p('step'), `missing 'step' (additive, e.g. step: ${example === '1x' ? '0.5x' : '100'}) or 'factor' (geometric, e.g. factor: 1.25)`, m.anchor);
    }
    ok = false;
  }

  const dur = (key: string) => (m.has(key) ? r.parsed(m.get(key), m.p(key), parseDuration) : undefined);
  const positive = (key: string, v: number | undefined) => {
    if (v !== undefined && !(v > 0)) {
      r.reportAt(m.get(key), m.p(key), 'must be longer than 0');
      return undefined;
    }
    return v;
  };
  const defaults = LOAD_DEFAULTS[mode];
  const stepDuration = m.has('step_duration') ? positive('step_duration', dur('step_duration')) : defaults.stepDurationMs;
  if (stepDuration === undefined) ok = false;
  d.stepDurationMs = stepDuration;
  if (m.has('warmup')) {
    d.warmupMs = dur('warmup');
    if (d.warmupMs === undefined) ok = false;
  } else if (stepDuration !== undefined) {
    d.warmupMs = Math.min(defaults.warmupMs, Math.floor(stepDuration / 5));
  }
  if (m.has('refine')) {
    d.refine = r.parsed(m.get('refine'), m.p('refine'), (v) => parsePercent(v));
    if (d.refine === undefined) ok = false;
  }

  if (mode === 'generate') {
    for (const k of SHIFT_LOAD_KEYS) {
      if (m.has(k)) {
        r.report(m.p(k), `only used in shift mode (traffic.shift): generate mode judges each step as a whole`, m.keyOffset(k));
        ok = false;
      }
    }
  } else {
    const s = LOAD_DEFAULTS.shift;
    d.persist = m.has('persist') ? r.integer(m.get('persist'), m.p('persist'), 1, 100) : s.persist;
    d.minSamples = m.has('min_samples') ? r.integer(m.get('min_samples'), m.p('min_samples'), 0) : s.minSamples;
    if (m.has('window')) d.windowMs = positive('window', dur('window'));
    else if (d.stepDurationMs !== undefined && d.warmupMs !== undefined && d.persist !== undefined) {
      // Default: 10s windows, shortened so that `persist` of them fit in the judged part of a step.
      d.windowMs = Math.max(1, Math.min(s.windowMs, Math.floor((d.stepDurationMs - d.warmupMs) / d.persist)));
    }
    if (d.persist === undefined || d.minSamples === undefined || d.windowMs === undefined) ok = false;
  }

  for (const b of applyRules(LOAD_RULES, d)) {
    r.report(m.p(b.key), b.message, m.keyOffset(b.key) !== undefined ? offsetOfValue(m, b.key) : m.anchor);
    ok = false;
  }
  if (!ok) return undefined;
  const spec: LoadSpec = {
    unit,
    start: d.start!,
    max: d.max!,
    stepDurationMs: d.stepDurationMs!,
    warmupMs: d.warmupMs!,
  };
  if (d.step !== undefined) spec.step = d.step;
  if (d.factor !== undefined) spec.factor = d.factor;
  if (d.refine !== undefined) spec.refine = d.refine;
  if (mode === 'shift') {
    spec.windowMs = d.windowMs!;
    spec.persist = d.persist!;
    spec.minSamples = d.minSamples!;
  }
  return spec;
}

/** Rule problems point at the offending value (e.g. the `warmup` value), falling back to its key. */
function offsetOfValue(m: MapView, key: string): number | undefined {
  return m.get(key)?.range?.[0] ?? m.keyOffset(key);
}
