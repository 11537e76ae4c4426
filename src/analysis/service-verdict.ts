// The verdict of a dependency (`services:`) at one step, and the step's verdict with its services.
// Pure. A service is judged exactly as shift-mode targets are (judgeStep on its live window stats):
// with `load.window`, a breach must persist `load.persist` windows and thin windows (fewer than
// `load.min_samples` requests) leave it inconclusive; without, its rules are judged on the whole
// judged window (error rates as proportions). A service whose metrics are missing is inconclusive,
// naming it — never a pass. The step then fails when the targets or any service failed (a breach
// is a breach, whoever's it is: the dependency broke at this load); otherwise any inconclusive
// party makes it inconclusive; otherwise it passes.
import type { ServiceStats, StepStats } from '../metrics/step-stats.js';
import type { LoadSpec } from '../scenario/scenario.js';
import type { Breach, SloRule } from '../slo/slo.js';
import { judgeStep, type StepJudgement } from './step-verdict.js';

export interface ServiceJudgement {
  name: string;
  verdict: StepJudgement['verdict'];
  /** Breaches of the service's rules; `slo` is the rule as written, `service` its name. */
  breaches: Breach[];
  inconclusiveReasons: string[];
  inconclusiveKind?: StepJudgement['inconclusiveKind'];
}

/** How a service's breach reads in the step's list and in capacity.limitedBy: `db-a: error_rate < 1%`. */
export function serviceRuleText(service: string, rule: string): string {
  return `${service}: ${rule}`;
}

/** A service's window stats as the step stats judgeStep reads (only what the shift path looks at). */
function asStepStats(s: ServiceStats, partial: boolean): StepStats {
  const samples = s.metrics['samples'] ?? 0;
  const errorRate = s.metrics['error_rate'] ?? 0;
  const rps = s.metrics['rps'] ?? 0;
  const none = { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  return {
    level: 0,
    startedAt: '',
    durationMs: 0,
    partial,
    offeredRps: rps,
    achievedRps: rps,
    sent: samples,
    completed: samples,
    errors: s.errorCount > 0 ? { http: s.errorCount } : {},
    errorCount: s.errorCount,
    errorRate,
    statusCodes: {},
    bytesReceived: 0,
    latencyMs: none,
    latencyUncorrectedMs: none,
    byRequest: [],
    metrics: s.metrics,
    ...(s.windows ? { windows: s.windows } : {}),
    live: { weights: {}, expectedShare: 0, measuredShare: 0, target: { servers: [], rps, errorRate, samples }, source: s.source },
  };
}

export function judgeService(s: ServiceStats, rules: readonly SloRule[], load: Pick<LoadSpec, 'persist' | 'minSamples'>, partial: boolean): ServiceJudgement {
  if (s.missing !== undefined) {
    return { name: s.name, verdict: 'inconclusive', breaches: [], inconclusiveReasons: [`${s.name}: metrics missing (${s.missing})`], inconclusiveKind: 'limited' };
  }
  const j = judgeStep(asStepStats(s, partial), { slo: [...rules], load: load as LoadSpec, traffic: { kind: 'shift' } });
  const out: ServiceJudgement = {
    name: s.name,
    verdict: j.verdict,
    breaches: j.breaches.map((b) => ({ ...b, service: s.name })),
    // "the step was cut short" is the step's own reason, said once by the targets.
    inconclusiveReasons: j.inconclusiveReasons.filter((r) => !r.startsWith('the step was cut short')).map((r) => `${s.name}: ${r}`),
  };
  if (j.inconclusiveKind) out.inconclusiveKind = j.inconclusiveKind;
  if (out.verdict === 'inconclusive' && out.inconclusiveReasons.length === 0) out.inconclusiveReasons.push(`${s.name}: the step was cut short before its end`);
  return out;
}

/** The step's verdict from the targets' judgement and every service's (breaches of services carry `service`, their text prefixed). */
export function combineJudgements(targets: StepJudgement, services: readonly ServiceJudgement[]): StepJudgement {
  if (services.length === 0) return targets;
  const serviceBreaches = services.flatMap((s) => (s.verdict === 'fail' ? s.breaches.map((b) => ({ ...b, slo: serviceRuleText(s.name, b.slo) })) : []));
  if (targets.verdict === 'fail' || serviceBreaches.length > 0) {
    const own = targets.verdict === 'fail' ? targets.breaches : [];
    return { verdict: 'fail', breaches: [...own, ...serviceBreaches], inconclusiveReasons: [], notes: targets.notes };
  }
  const unsure = services.filter((s) => s.verdict === 'inconclusive');
  if (targets.verdict === 'inconclusive' || unsure.length > 0) {
    const kinds = [...(targets.verdict === 'inconclusive' ? [targets.inconclusiveKind] : []), ...unsure.map((s) => s.inconclusiveKind)];
    const out: StepJudgement = {
      verdict: 'inconclusive',
      breaches: targets.verdict === 'inconclusive' ? targets.breaches : [],
      inconclusiveReasons: [...(targets.verdict === 'inconclusive' ? targets.inconclusiveReasons : []), ...unsure.flatMap((s) => s.inconclusiveReasons)],
      // Spoilt evidence anywhere outranks thin evidence: a re-run cannot mend a missing source.
      inconclusiveKind: kinds.includes('limited') || kinds.includes(undefined) ? 'limited' : 'undecided',
      notes: targets.notes,
    };
    if (targets.verdict === 'inconclusive' && targets.samplesNeeded !== undefined && out.inconclusiveKind === 'undecided') out.samplesNeeded = targets.samplesNeeded;
    return out;
  }
  return targets;
}
