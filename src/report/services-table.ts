// The dependencies of `services:` as tables every reporter shows the same way: per service and step,
// what its source measured for each of its rules and its verdict; and each party's headroom at the
// highest passing load (capacity.headroom). Plain text cells: each reporter escapes and lays out.
import type { RunResult } from '../result.js';
import { fmtMetric, fmtNum, fmtPct, parseSloText, shortReason } from './format.js';
import { loadLabel, reportLevelUnit } from '../scenario/level-unit.js';

export interface TextTable {
  head: string[];
  rows: string[][];
  /** Right-aligned (numeric) columns. */
  right: boolean[];
}

/** One row per service and step, steps by load: step, load, service, its rps and errors, each rule's value, verdict. */
export function servicesTable(r: RunResult): TextTable | undefined {
  const services = r.scenario?.services ?? [];
  if (services.length === 0 || !r.steps.some((s) => s.services?.length)) return undefined;
  const L = loadLabel(reportLevelUnit(r));
  const rules = [...new Set(services.flatMap((s) => s.slo))];
  const rows: string[][] = [];
  const steps = [...r.steps].sort((a, b) => a.level - b.level || a.index - b.index);
  for (const s of services) {
    for (const step of steps) {
      const m = step.services?.find((x) => x.name === s.name);
      if (!m) continue;
      const why =
        m.verdict === 'fail'
          ? `: ${m.breaches.map((b) => b.slo).join(', ')}`
          : m.verdict === 'inconclusive' && m.inconclusiveReasons.length > 0
            ? `: ${m.inconclusiveReasons.map((x) => shortReason(x.replace(`${s.name}: `, ''))).join('; ')}`
            : '';
      rows.push([
        s.name,
        String(step.index + 1),
        `${fmtNum(step.load)} ${L}`,
        m.missing !== undefined ? 'n/a' : fmtNum(m.metrics['rps'] ?? 0),
        m.missing !== undefined ? 'n/a' : fmtPct(m.metrics['error_rate'] ?? 0),
        ...rules.map((text) => {
          if (!s.slo.includes(text)) return '';
          const t = parseSloText(text);
          const v = t ? m.metrics[t.metric] : undefined;
          const breached = m.breaches.some((b) => b.slo === text);
          return `${t ? fmtMetric(t.base, v) : 'n/a'}${breached ? ' ✗' : ''}`;
        }),
        m.verdict + why,
      ]);
    }
  }
  return {
    head: ['service', 'step', 'load', 'rps', 'errors', ...rules, 'verdict'],
    rows,
    right: [false, true, true, true, true, ...rules.map(() => true), false],
  };
}

/** Every party's rules at the highest passing load: measured, limit, headroom (share of the limit still free). */
export function headroomTable(r: RunResult): TextTable | undefined {
  const h = r.capacity?.headroom;
  if (!h || h.length === 0) return undefined;
  const rows = h.map((x) => {
    const base = parseSloText(x.rule)?.base ?? x.metric;
    const mark = x.party === r.capacity?.bottleneck ? ' (bottleneck)' : r.capacity?.alsoBroke?.includes(x.party) ? ' (also broke)' : '';
    return [x.party + mark, x.rule, fmtMetric(base, x.value), x.headroom === null ? 'n/a' : fmtPct(x.headroom)];
  });
  return { head: ['party', 'rule', 'at the last pass', 'headroom'], rows, right: [false, false, true, true] };
}

/** "bottleneck: db-a (db-a: error_rate < 1%); cache-a broke at the same step" — undefined without services or a failure. */
export function bottleneckLine(r: RunResult): string | undefined {
  const c = r.capacity;
  if (c?.bottleneck === undefined) return undefined;
  const ofService = (t: string) => (r.scenario?.services ?? []).some((s) => t.startsWith(`${s.name}: `));
  const own = c.limitedBy.filter((t) => (c.bottleneck === 'targets' ? !ofService(t) : t.startsWith(`${c.bottleneck}: `)));
  const also = c.alsoBroke && c.alsoBroke.length > 0 ? `; ${c.alsoBroke.join(', ')} broke at the same load` : '';
  return `bottleneck: ${c.bottleneck}${own.length > 0 ? ` (${own.join(', ')})` : ''}${also}`;
}
