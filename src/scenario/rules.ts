// Named rules across fields, run after each section is read and normalized: each is a pure
// function of the normalized values that returns a message when broken. Tested by table.
import { MAX_RAMP_STEPS, rampLevels } from './ramp.js';
import type { LoadSpec } from './scenario.js';

/** A draft LoadSpec: fields that failed to read are undefined, and rules needing them are skipped. */
export type LoadDraft = Partial<LoadSpec> & { unit: LoadSpec['unit'] };

export interface Rule<T> {
  name: string;
  /** The key the problem is reported at (YAML spelling, within the section). */
  key: string;
  check(x: T): string | undefined;
}

const fmtMs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
const fmtLoad = (v: number, unit: LoadSpec['unit']) => (unit === 'share' ? `${v}x` : `${v} rps`);

export const LOAD_RULES: Rule<LoadDraft>[] = [
  {
    name: 'step-and-factor-exclusive',
    key: 'factor',
    check: (l) => (l.step !== undefined && l.factor !== undefined ? 'give either step (additive) or factor (geometric), not both' : undefined),
  },
  {
    name: 'max-at-least-start',
    key: 'max',
    check: (l) =>
      l.start !== undefined && l.max !== undefined && l.max < l.start
        ? `max (${fmtLoad(l.max, l.unit)}) is below start (${fmtLoad(l.start, l.unit)})`
        : undefined,
  },
  {
    name: 'warmup-shorter-than-step',
    key: 'warmup',
    check: (l) =>
      l.warmupMs !== undefined && l.stepDurationMs !== undefined && l.warmupMs >= l.stepDurationMs
        ? `warmup (${fmtMs(l.warmupMs)}) must be shorter than step_duration (${fmtMs(l.stepDurationMs)}): nothing would be judged`
        : undefined,
  },
  {
    name: 'window-fits-judged-time',
    key: 'window',
    check: (l) => {
      if (l.windowMs === undefined || l.stepDurationMs === undefined || l.warmupMs === undefined) return undefined;
      const judged = l.stepDurationMs - l.warmupMs;
      if (judged <= 0) return undefined;
      const persist = l.persist ?? 1;
      return l.windowMs * persist > judged
        ? `${persist} window${persist === 1 ? '' : 's'} of ${fmtMs(l.windowMs)} do not fit in the judged ${fmtMs(judged)} of a step (step_duration − warmup): a breach could never persist`
        : undefined;
    },
  },
  {
    // The step plan rounds levels (whole requests/s; hundredths of the fair share): finer levels would round to 0.
    name: 'levels-above-resolution',
    key: 'start',
    check: (l) => {
      const min = l.unit === 'rps' ? 1 : 0.01;
      const bad = l.start !== undefined && l.start < min ? `start (${fmtLoad(l.start, l.unit)})` : l.step !== undefined && l.step < min ? `step (${fmtLoad(l.step, l.unit)})` : undefined;
      return bad ? `${bad} is below the finest level the ramp uses, ${fmtLoad(min, l.unit)} (levels are ${l.unit === 'rps' ? 'whole requests/s' : 'hundredths of the fair share'})` : undefined;
    },
  },
  {
    name: 'ramp-not-too-long',
    key: 'max',
    check: (l) => {
      if (l.start === undefined || l.max === undefined || l.max < l.start) return undefined;
      if (l.step === undefined && l.factor === undefined) return undefined;
      if (l.step !== undefined && l.factor !== undefined) return undefined;
      const n = rampLevels({ start: l.start, step: l.step, factor: l.factor, max: l.max }).length;
      return n > MAX_RAMP_STEPS ? `the ramp from ${fmtLoad(l.start, l.unit)} to ${fmtLoad(l.max, l.unit)} has more than ${MAX_RAMP_STEPS} steps; use a larger step or factor` : undefined;
    },
  },
];

/** Runs rules; returns [rule key, message] for each broken one. */
export function applyRules<T>(rules: readonly Rule<T>[], x: T): Array<{ rule: string; key: string; message: string }> {
  const out: Array<{ rule: string; key: string; message: string }> = [];
  for (const r of rules) {
    const m = r.check(x);
    if (m !== undefined) out.push({ rule: r.name, key: r.key, message: m });
  }
  return out;
}
