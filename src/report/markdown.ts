// Markdown summary (`--markdown file.md`, and $GITHUB_STEP_SUMMARY): a verdict line, the capacity,
// the gate, the steps and the capacity model — what a reviewer wants to see in a PR or job summary.
import { agentsLine } from './agents-line.js';
import type { RunResult } from '../result.js';
import { capacityModelOf, type CapacityModel } from '../analysis/capacity-model.js';
import { describeUsl } from '../analysis/usl.js';
import { capacityLine, capacityText, fmtDuration, fmtMetric, fmtNum, fmtPct, modelCaveats, parseSloText, pct, predictionText, sloValue, verdictWord, shortReason } from './format.js';
import { loadLabel, reportLevelUnit } from '../scenario/level-unit.js';
import { balanceTable } from './balance-table.js';
import { bottleneckLine, headroomTable, servicesTable } from './services-table.js';

/** Escapes text for a Markdown table cell or line: pipes, HTML, emphasis and link syntax. */
export function mdEscape(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/\r?\n/g, ' ')
    .replace(/&(?=#?\w+;)/g, '&amp;')
    .replace(/<(?=[A-Za-z/!?])/g, '&lt;')
    .replace(/([|*`[\]~])/g, '\\$1')
    .replace(/(^|[^A-Za-z0-9])_|_(?=[^A-Za-z0-9]|$)/g, (m) => m.replace('_', '\\_'));
}

/** A Markdown table; cells are escaped here. */
export function mdTable(head: string[], rows: string[][], align?: Array<'l' | 'r'>): string {
  const sep = head.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  const line = (cells: string[]) => `| ${cells.map(mdEscape).join(' | ')} |`;
  return [line(head), `| ${sep.join(' | ')} |`, ...rows.map(line)].join('\n') + '\n';
}

/** More steps than this are folded into a <details> block. */
export const FOLD_STEPS = 15;

const ICON = { pass: '✅', fail: '❌', inconclusive: '⚠️', 'within-noise': '〰️', skipped: '⏭️' } as const;

export function renderMarkdown(result: RunResult, model: CapacityModel = capacityModelOf(result)): string {
  const out: string[] = [];
  const r = result;
  const ok = r.status === 'completed' && (r.gate?.passed ?? true) && r.capacity.maxServableLoad !== null;
  out.push(`## loadtest: ${mdEscape(r.scenario.name)}\n`);
  out.push(`${ok ? '✅' : '❌'} **${verdictWord(r)}** — ${mdEscape(capacityLine(r))}\n`);
  if (r.status !== 'completed') out.push(`> Run ${r.status} (${r.stopReason})${r.error ? ': ' + mdEscape(r.error) : ''}\n`);

  out.push('### Capacity\n');
  const c = r.capacity;
  const L = loadLabel(reportLevelUnit(r));
  out.push(
    mdTable(
      ['max servable load', 'resolution', 'first failing load', 'limited by', 'verdict', 'stopped because'],
      [
        [
          capacityText(c, L),
          c.resolution === null ? 'n/a' : `±${pct(c.resolution)}`,
          c.firstFailingLoad === null ? 'none' : `${fmtNum(c.firstFailingLoad)} ${L}`,
          c.limitedBy.join(', ') || '—',
          c.verdict,
          r.stopReason,
        ],
      ],
    ),
  );

  if (c.undecided) out.push(`> ${mdEscape(c.undecided.note)}\n`);
  const who = bottleneckLine(r);
  if (who) out.push(`**${mdEscape(who)}**\n`);
  const svc = servicesTable(r);
  if (svc) {
    out.push('### Services\n');
    out.push(mdTable(svc.head, svc.rows, svc.right.map((x) => (x ? 'r' : 'l'))));
  }
  const room = headroomTable(r);
  if (room) {
    out.push('### Headroom at the highest passing load\n');
    out.push(mdTable(room.head, room.rows, room.right.map((x) => (x ? 'r' : 'l'))));
  }
  const lb = balanceTable(r);
  if (lb) {
    out.push('### Load balancing: servers off their share\n');
    out.push(mdTable(lb.head, lb.rows, lb.right.map((x) => (x ? 'r' : 'l'))));
  }

  if (r.gate) {
    out.push(`### Gate: ${r.gate.passed ? 'passed' : 'FAILED'}\n`);
    out.push(mdTable(['', 'check', 'result'], r.gate.checks.map((g) => [ICON[g.outcome], g.name, g.message])));
  }

  out.push('### Steps\n');
  // Long runs fold their steps table so the job summary still leads with the verdict.
  if (r.steps.length > FOLD_STEPS) out.push(`<details><summary>${r.steps.length} steps</summary>\n\n${stepsTable(r)}\n</details>\n`);
  else out.push(stepsTable(r));

  const agents = agentsLine(r);
  if (agents) out.push(`${mdEscape(agents)}\n`);

  out.push('### Capacity model\n');
  out.push(modelSection(model, L));

  out.push(
    `<sub>${mdEscape(`${r.scenario.mode} mode · target ${r.scenario.target} · ${r.steps.length} steps in ${fmtDuration(r.durationMs)} · started ${r.startedAt} · loadtest ${r.tool.version} · node ${r.environment.node} on ${r.environment.platform}/${r.environment.arch}, ${r.environment.cpus} CPUs`)}</sub>\n`,
  );
  if (r.warnings.length) {
    out.push('\n**Warnings**\n');
    for (const w of r.warnings) out.push(`- ${mdEscape(w)}\n`);
  }
  return out.join('\n');
}

function stepsTable(r: RunResult): string {
  if (r.steps.length === 0) return '_No step ran._\n';
  const slos = r.scenario.slo.map(parseSloText).filter((s) => s !== null);
  const head = ['#', 'phase', 'load', 'offered', 'achieved', 'p50', 'p99', 'errors', ...slos.map((s) => s!.text), 'verdict'];
  const L = loadLabel(reportLevelUnit(r));
  const rows = r.steps.map((s) => [
    String(s.index + 1),
    s.phase,
    `${fmtNum(s.load)} ${L}`,
    fmtNum(s.offeredRps),
    fmtNum(s.achievedRps),
    `${fmtNum(s.latencyMs.p50)}ms`,
    `${fmtNum(s.latencyMs.p99)}ms`,
    fmtPct(s.errorRate),
    ...slos.map((slo) => {
      const breached = s.breaches.some((b) => b.slo === slo!.text);
      return `${fmtMetric(slo!.base, sloValue(s, slo!))}${breached ? ' ❌' : ''}`;
    }),
    `${ICON[s.verdict]} ${s.verdict}${s.verdict === 'inconclusive' && s.inconclusiveReasons.length ? ': ' + s.inconclusiveReasons.map(shortReason).join('; ') : ''}`,
  ]);
  const align: Array<'l' | 'r'> = ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', ...slos.map(() => 'r' as const), 'l'];
  return mdTable(head, rows, align);
}

function modelSection(m: CapacityModel, L: string): string {
  const rows: string[][] = [];
  const caveats: string[] = [];
  for (const f of m.fits) {
    const preds = f.predictions.map((p) => `${p.slo}: ${predictionText(p, L)}`);
    rows.push([
      f.metric,
      String(f.points),
      f.r2 === null ? 'n/a' : f.r2.toFixed(2),
      f.knee === null ? '—' : `≈${fmtNum(f.knee)} ${L}`,
      preds.join('; ') || '—',
    ]);
    for (const c of modelCaveats(f)) caveats.push(`${f.metric}: ${c}`);
  }
  let s = `A reading aid — the measured capacity above is the answer. Latency against load is fitted as two straight lines meeting at a knee (least squares); throughput against concurrency with the Universal Scalability Law. In short: ${mdEscape(m.summary)}.\n\n`;
  s += mdTable(['metric', 'points', 'R²', 'knee', 'predicted SLO break'], rows, ['l', 'r', 'r', 'r', 'l']);
  s += `\n${mdEscape(describeUsl(m.usl, m.uslSkipped))}\n`;
  for (const c of m.usl?.caveats ?? []) caveats.push(`USL: ${c}`);
  if (caveats.length) s += '\n' + caveats.map((c) => `- ⚠️ ${mdEscape(c)}`).join('\n') + '\n';
  return s;
}
