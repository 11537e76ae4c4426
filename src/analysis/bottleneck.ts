// Which party limited the capacity — the targets or one of the dependencies of `services:` — and how
// far every rule was from its limit at the last passing load. Pure, table-tested.
//
// The bottleneck is the party that broke at the lowest failing load. When several broke at that same
// step, the one that had the least headroom at the highest passing step is named first (it was
// nearest to breaking), the others are `alsoBroke`; without a passing step, the order of the file
// (targets, then services in order) decides. Headroom is the share of the limit still free:
// `p99 < 20ms` at 15ms has 25%; `rps > 100` at 120 has 20%; a breached rule's is negative.
import type { Breach, SloRule } from '../slo/slo.js';
import type { StepMetrics } from '../metrics/step-stats.js';
import type { StepVerdict } from '../slo/slo.js';

/** What reports call the servers under test, beside service names. */
export const TARGETS = 'targets';

export interface RuleHeadroom {
  /** 'targets' or the service's name. */
  party: string;
  /** The rule as written. */
  rule: string;
  metric: string;
  threshold: number;
  /** Measured at the last passing step; null when not measured there. */
  value: number | null;
  /** (limit − value) / limit for `<` rules, (value − limit) / limit for `>` rules; null when unmeasured or the limit is 0. */
  headroom: number | null;
}

export interface BottleneckStep {
  level: number;
  verdict: StepVerdict;
  partial: boolean;
  breaches: Breach[];
  metrics: StepMetrics;
  services?: Array<{ name: string; metrics: StepMetrics }>;
}

export interface BottleneckRules {
  targets: readonly SloRule[];
  services: ReadonlyArray<{ name: string; slo: readonly SloRule[] }>;
}

export interface Bottleneck {
  /** The party that broke first; absent when no step failed. */
  bottleneck?: string;
  /** Other parties that broke at the same (lowest failing) step. */
  alsoBroke: string[];
  /** The breaches of the lowest failing step, the bottleneck's first (service rules as `name: rule`). */
  limitedBy: string[];
  /** Every rule of every party at the highest passing step; [] when none passed. */
  headroom: RuleHeadroom[];
}

export function ruleHeadroom(rule: Pick<SloRule, 'op' | 'threshold'>, value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value) || rule.threshold === 0) return null;
  const t = Math.abs(rule.threshold);
  return rule.op[0] === '<' ? (rule.threshold - value) / t : (value - rule.threshold) / t;
}

const partyOf = (b: Breach): string => b.service ?? TARGETS;

export function findBottleneck(steps: readonly BottleneckStep[], rules: BottleneckRules): Bottleneck {
  const passes = steps.filter((s) => s.verdict === 'pass' && !s.partial);
  const best = passes.reduce<BottleneckStep | undefined>((a, s) => (a === undefined || s.level > a.level ? s : a), undefined);
  const firstFail = steps.filter((s) => s.verdict === 'fail').reduce<BottleneckStep | undefined>((a, s) => (a === undefined || s.level < a.level ? s : a), undefined);

  const headroom: RuleHeadroom[] = [];
  if (best) {
    const at = (party: string, slo: readonly SloRule[], metrics: StepMetrics | undefined) => {
      for (const r of slo) {
        const v = metrics?.[r.metric];
        const value = typeof v === 'number' && Number.isFinite(v) ? v : null;
        headroom.push({ party, rule: r.text, metric: r.metric, threshold: r.threshold, value, headroom: ruleHeadroom(r, value) });
      }
    };
    at(TARGETS, rules.targets, best.metrics);
    for (const s of rules.services) at(s.name, s.slo, best.services?.find((x) => x.name === s.name)?.metrics);
  }
  if (!firstFail) return { alsoBroke: [], limitedBy: [], headroom };

  const order = [TARGETS, ...rules.services.map((s) => s.name)];
  const broke = [...new Set(firstFail.breaches.map(partyOf))];
  // Nearest to its limit at the last pass: the least headroom among the rules it then broke.
  const nearness = (party: string): number => {
    const broken = new Set(firstFail.breaches.filter((b) => partyOf(b) === party).map((b) => b.metric));
    const hs = headroom.filter((h) => h.party === party && broken.has(h.metric) && h.headroom !== null).map((h) => h.headroom!);
    return hs.length > 0 ? Math.min(...hs) : Infinity;
  };
  const rank = (p: string) => (order.indexOf(p) < 0 ? order.length : order.indexOf(p));
  broke.sort((a, b) => nearness(a) - nearness(b) || rank(a) - rank(b));
  const bottleneck = broke[0]!;
  const texts = [...firstFail.breaches].sort((a, b) => broke.indexOf(partyOf(a)) - broke.indexOf(partyOf(b))).map((b) => b.slo);
  return { bottleneck, alsoBroke: broke.slice(1), limitedBy: [...new Set(texts)], headroom };
}
