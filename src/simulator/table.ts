// The simulator's results as Markdown tables (for the terminal and the README), each figure against
// issue #10's target, with ✗ where a target is missed.
import type { CaseStats, GateStats } from './run-case.js';

/** Issue #10's "done when". */
export const TARGETS = {
  /** Share of answers whose bracket contains the truth. */
  bracketContainsTruth: 0.95,
  /** Inconclusive runs with a healthy generator. */
  inconclusiveHealthy: 0.01,
  /** Gate: regressed on an unchanged service. */
  falseFail: 0.05,
  /** Gate: passed on a 15% slower service. */
  falsePass: 0.01,
} as const;

const pct = (x: number): string => `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)}%`;
const share = (k: number, n: number): number => (n > 0 ? k / n : 0);
const mark = (ok: boolean): string => (ok ? '' : ' ✗');

export interface CaseRow {
  stats: CaseStats;
  /** Starved generator: the right answer is inconclusive naming the generator. */
  starved: boolean;
}

export function caseTable(rows: readonly CaseRow[]): string {
  const out = [
    '| case | true capacity | runs | bracket contains truth | median error of the capacity | inconclusive (generator named) | mean steps (inconclusive) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { stats: s, starved } of rows) {
    const contains = share(s.correct, s.answers);
    const inc = share(s.inconclusive, s.runs);
    // A starved generator must never yield a capacity: every run inconclusive, the generator named.
    const incOk = starved ? s.generatorNamed === s.runs : inc <= TARGETS.inconclusiveHealthy;
    const containsOk = s.answers === 0 || contains >= TARGETS.bracketContainsTruth;
    const containsText = s.answers === 0 ? '– (no answer)' : `${pct(contains)} of ${s.answers}${mark(containsOk)}`;
    const err = s.medianRelError === null ? '–' : pct(s.medianRelError);
    out.push(
      `| ${s.name} | ${s.truth.toFixed(1)} | ${s.runs} | ${containsText} | ${err} | ${pct(inc)} (${s.generatorNamed})${mark(incOk)} | ${s.meanSteps.toFixed(1)} (${s.meanInconclusiveSteps.toFixed(1)}) |`,
    );
  }
  return out.join('\n');
}

export function gateTable(rows: readonly GateStats[]): string {
  const out = [
    '| gate (--max-regression 10%) | true capacity → 15% slower build | same service: pass / regressed / inconclusive | 15% slower: pass / regressed / inconclusive | mean steps |',
    '|---|---|---|---|---:|',
  ];
  for (const g of rows) {
    const ff = share(g.same.regressed, g.runs);
    const fp = share(g.slower.pass, g.runs);
    const same = `${pct(share(g.same.pass, g.runs))} / ${pct(ff)}${mark(ff <= TARGETS.falseFail)} / ${pct(share(g.same.inconclusive, g.runs))}`;
    const slower = `${pct(fp)}${mark(fp <= TARGETS.falsePass)} / ${pct(share(g.slower.regressed, g.runs))} / ${pct(share(g.slower.inconclusive, g.runs))}`;
    const drop = 1 - g.truthSlower / g.truth;
    out.push(`| ${g.name} (${g.runs} runs) | ${g.truth.toFixed(1)} → ${g.truthSlower.toFixed(1)} (−${pct(drop)}) | ${same} | ${slower} | ${g.meanSteps.toFixed(1)} |`);
  }
  return out.join('\n');
}

/** Misses to look at: seed and what the run said, per case. */
export function missList(rows: readonly CaseRow[]): string {
  const lines: string[] = [];
  for (const { stats: s } of rows) {
    for (const m of s.misses) lines.push(`- ${s.name} seed ${m.seed}: bracket [${m.low ?? '–'}, ${m.high ?? '∞'}) vs truth ${s.truth.toFixed(1)}: ${m.summary}`);
  }
  return lines.join('\n');
}
