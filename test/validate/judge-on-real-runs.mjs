#!/usr/bin/env node
// Dev tool (not part of the suite): how the error-rate verdicts of real runs stand against what the
// same service did at the same level over every kept run. Reads the JSON reports that
// `node test/validate/real-servers.mjs --keep` leaves (or any reports of one service, run many times
// with one step length), and for each service (the file name without its `-N` run number:
// `gate-400-2.json` → `gate-400`) and each level tried in at least --min-runs runs, prints:
//   - the pooled error rate over those runs (the best estimate of that level's truth);
//   - the across-run dispersion φ: how much more the runs' error counts varied than independent
//     requests would (χ²/(runs − 1)) — what a step's own interval must allow for, measured without
//     the step's own estimate (proportion.ts windowDispersion, which the judge uses, is also shown
//     as the median of the runs' own);
//   - the verdicts the runs gave there (p pass, f fail, u undecided, s spoilt), and WRONG where a
//     pass stands at a level whose pooled error rate is above the limit by more than the tolerance,
//     or a fail (on the error rate) at one below it.
// Steps are grouped by their judged length too: burstiness grows with the window.
//
//   node test/validate/judge-on-real-runs.mjs DIR_OR_REPORT... [--min-runs 3] [--tolerance 0.15]
// (--tolerance: the share of the limit around it where the pooled rate is too close to the limit to
// call any verdict wrong; default 0.15, i.e. 0.85–1.15% for `error_rate < 1%`). Needs `npm run build`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { windowDispersion } from '../../dist/analysis/proportion.js';
import { finished, judgeStep, nearbyDispersions } from '../../dist/analysis/step-verdict.js';
import { latencyDistribution } from '../../dist/metrics/histogram.js';
import { poolSteps } from '../../dist/metrics/pool-steps.js';
import { loadScenario } from '../../dist/scenario/load-scenario.js';
import { parseSlo } from '../../dist/slo/parse.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
};
const MIN_RUNS = opt('--min-runs', 3);
const TOLERANCE = opt('--tolerance', 0.15);
if (args.length === 0) {
  process.stderr.write('usage: node test/validate/judge-on-real-runs.mjs DIR_OR_REPORT... [--min-runs 3] [--tolerance 0.15]\n');
  process.exit(2);
}

/**
 * The verdicts this build's judge gives the run's steps, on the same evidence and in the same order
 * as the controller's findCapacity: a re-run pooled with the undecided steps at its level just before
 * it, neighbours within NEARBY lending their burstiness, the previous (replayed) verdict a fail or not.
 */
async function replay(report) {
  const scenario = await verdictScenario(report);
  const out = [];
  report.steps.forEach((s, i) => {
    const earlier = [];
    for (let j = i - 1; j >= 0 && report.steps[j].level === s.level && out[j].kind === 'undecided'; j--) earlier.unshift(report.steps[j]);
    const before = report.steps.slice(0, i).map((x, j) => ({ ...x, verdict: out[j].verdict, inconclusiveKind: out[j].kind }));
    const nearbyDispersion = nearbyDispersions(scenario.slo, before, s.level);
    const pool = earlier.length > 0 && !s.partial && s.generator?.limited !== true;
    const evidence = pool ? poolSteps(earlier, s) : s;
    const latency = evidence.histogram ? latencyDistribution(evidence.histogram) : undefined;
    const j = judgeStep(evidence, scenario, { nearbyDispersion, afterFailedStep: out[i - 1]?.verdict === 'fail', ...(latency ? { latency } : {}) });
    out.push({ verdict: j.verdict, kind: j.inconclusiveKind, errorFail: j.breaches.some((b) => b.metric === 'error_rate') });
  });
  return out;
}
/** The run's scenario as the loader reads it (its file is named in the report), else what the report says with the loader's defaults. */
async function verdictScenario(report) {
  try {
    if (report.scenario.file) return await loadScenario(report.scenario.file, { env: { DEMO_TARGET: 'http://127.0.0.1:1', ...process.env } });
  } catch {
    // moved, or it needs what is not set: fall back
  }
  return { slo: report.scenario.slo.map(parseSlo), load: {}, traffic: { kind: report.scenario.mode ?? 'generate', timeoutMs: 10_000 } };
}
const letter = (verdict, kind, errorFail) => (verdict === 'pass' ? 'p' : verdict === 'fail' ? (errorFail ? 'f' : 'F') : kind === 'undecided' ? 'u' : 's');

const files = args.flatMap((a) => (statSync(a).isDirectory() ? readdirSync(a).filter((f) => f.endsWith('.json')).map((f) => join(a, f)) : [a]));
/** service → `level@seconds` → observations */
const groups = new Map();
const limits = new Map();
for (const file of files) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    continue;
  }
  if (report.schema !== 'loadtest.report' || !Array.isArray(report.steps)) continue;
  const rule = (report.scenario?.slo ?? []).map((t) => /^error_rate\s*<=?\s*([\d.]+)%$/.exec(t)).find(Boolean);
  if (!rule) continue;
  const service = basename(file, '.json').replace(/-\d+$/, '');
  limits.set(service, Number(rule[1]) / 100);
  const replayed = await replay(report);
  for (const [i, s] of report.steps.entries()) {
    // A re-run's counts are its own, but its verdict was given on the pooled requests.
    // Bad requests and the requests they are a share of, as the judge counts them.
    const k = s.errorCount;
    const n = finished(s);
    if (!(n > 0) || s.pooledWith) continue;
    const key = `${s.level}@${Math.round(s.durationMs / 1000)}`;
    const byLevel = groups.get(service) ?? new Map();
    groups.set(service, byLevel);
    const obs = byLevel.get(key) ?? [];
    byLevel.set(key, obs);
    const verdict = letter(s.verdict, s.inconclusiveKind, s.breaches.some((b) => b.metric === 'error_rate'));
    const r = replayed[i];
    const own = s.batches ? windowDispersion(s.batches.errors, s.batches.finished) : undefined;
    obs.push({ k, n, verdict, now: letter(r.verdict, r.kind, r.errorFail), own });
  }
}

const median = (xs) => {
  const b = [...xs].sort((x, y) => x - y);
  return b.length === 0 ? NaN : b.length % 2 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
};
const pct = (x) => `${(x * 100).toFixed(2)}%`;
const tally = () => ({ steps: 0, p: 0, f: 0, F: 0, u: 0, s: 0, wrong: 0 });
const totals = { then: tally(), now: tally() };
for (const [service, byLevel] of [...groups].sort()) {
  const limit = limits.get(service);
  console.log(`\n${service} (error_rate < ${pct(limit)}): level@step s | runs | pooled error rate | across-run φ | runs' own φ (median) | verdicts given | this build's judge`);
  const keys = [...byLevel.keys()].sort((a, b) => parseFloat(a) - parseFloat(b) || a.localeCompare(b));
  for (const key of keys) {
    const obs = byLevel.get(key);
    if (obs.length < MIN_RUNS) continue;
    const K = obs.reduce((a, o) => a + o.k, 0);
    const N = obs.reduce((a, o) => a + o.n, 0);
    const p = K / N;
    let chi2 = 0;
    if (p > 0 && p < 1) for (const o of obs) chi2 += (o.k - o.n * p) ** 2 / (o.n * p * (1 - p));
    const across = p > 0 && p < 1 ? chi2 / (obs.length - 1) : NaN;
    // The side of the limit this level is on: the pooled rate and the median run's must agree (one
    // run with an outage — every request refused for a second — moves the pooled rate alone).
    const mid = median(obs.map((o) => o.k / o.n));
    const above = p > limit * (1 + TOLERANCE) && mid > limit * (1 + TOLERANCE);
    const below = p < limit * (1 - TOLERANCE) && mid < limit * (1 - TOLERANCE);
    const isWrong = (v) => (v === 'p' && above) || (v === 'f' && below);
    const cells = [];
    for (const when of ['then', 'now']) {
      const letters = obs.map((o) => (when === 'then' ? o.verdict : o.now));
      const wrong = letters.filter(isWrong).length;
      const t = totals[when];
      for (const v of letters) t[v]++;
      t.steps += letters.length;
      t.wrong += wrong;
      cells.push(`${letters.join('')}${wrong ? ` WRONG ×${wrong}` : ''}`);
    }
    const owns = obs.map((o) => o.own).filter((x) => x !== undefined);
    const num = (x) => (Number.isNaN(x) ? '–' : x.toFixed(1)).padStart(6);
    console.log(`  ${key.padEnd(9)} ${String(obs.length).padStart(3)}  ${pct(p).padStart(7)}  ${num(across)}  ${num(owns.length ? median(owns) : NaN)}  ${cells[0]}  |  ${cells[1]}`);
  }
}
for (const [when, t] of Object.entries(totals)) {
  console.log(
    `${when === 'then' ? '\nverdicts given' : "this build's judge"}: ${t.steps} steps at levels tried in ≥ ${MIN_RUNS} runs: ${t.p} passed, ${t.f} failed on the error rate (${t.F} on another rule), ` +
      `${t.u} undecided, ${t.s} spoilt; ${t.wrong} on the wrong side of their level's pooled error rate (beyond ±${TOLERANCE * 100}% of the limit).`,
  );
}
