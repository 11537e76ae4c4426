// How a load level is written: the one place that decides the unit of a level and its label, from a
// scenario (plan, validate, the terminal) or from a report (Markdown, HTML, JUnit, compare, history).
// `load.unit` says how levels are parsed ('rps' or 'share'); with `traffic.sessions` the same numbers
// count sessions started per second, and every output must say so (the requests they send are
// still counted in requests/s: offered, achieved).
import type { RunResult } from '../result.js';
import type { Scenario } from './scenario.js';

export type LevelUnit = 'rps' | 'sessions' | 'share';

export function levelUnitOf(load: { unit: 'rps' | 'share' }, sessions: boolean): LevelUnit {
  return load.unit === 'share' ? 'share' : sessions ? 'sessions' : 'rps';
}

export function scenarioLevelUnit(s: Scenario): LevelUnit {
  return levelUnitOf(s.load, s.traffic.kind === 'generate' && s.traffic.sessions !== undefined);
}

/**
 * From a report: `scenario.load.sessions`, or (reports written before it) steps carrying session
 * counts. Tolerant of hand-made or partial results (no load: requests/s), as reporters read files.
 */
export function reportLevelUnit(r: Pick<RunResult, 'scenario' | 'steps'>): LevelUnit {
  const load = r.scenario?.load as RunResult['scenario']['load'] | undefined;
  const sessions = load?.sessions === true || (r.steps ?? []).some((s) => s.sessions !== undefined);
  return levelUnitOf({ unit: load?.unit ?? 'rps' }, sessions);
}

/** The label of a plan level: "rps", "sessions/s", "x fair share". */
export function levelLabel(u: LevelUnit): string {
  return u === 'share' ? 'x fair share' : loadLabel(u);
}

/** The label of a step's load and of the capacity: sessions/s, else requests/s (shift mode: the served rate). */
export function loadLabel(u: LevelUnit): 'rps' | 'sessions/s' {
  return u === 'sessions' ? 'sessions/s' : 'rps';
}

/** A generate-mode level as the terminal shows it: "400 rps", "12.5 sessions/s". */
export function describeGenerateLevel(level: number, sessions: boolean): string {
  return `${Number.isInteger(level) ? level : level.toFixed(1)} ${loadLabel(sessions ? 'sessions' : 'rps')}`;
}
