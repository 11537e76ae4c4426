// The HTML report (`--html report.html`, `loadtest report results.json -o report.html`): ONE
// self-contained file — inline CSS, inline SVG charts drawn here, no script, no network fetch — so it
// can be attached to a CI run, mailed, or opened from disk years later. Every user string is escaped.
import { balanceTable } from './balance-table.js';
import { agentsLine } from './agents-line.js';
import { bottleneckLine, headroomTable, servicesTable, type TextTable } from './services-table.js';
import type { GateCheck, RunResult, StepResult } from '../result.js';
import { capacityModelOf, type CapacityModel } from '../analysis/capacity-model.js';
import { describeUsl } from '../analysis/usl.js';
import { capacityLine, capacityText, fmtDuration, fmtMetric, fmtNum, fmtPct, modelCaveats, parseSloText, pct, sloValue, verdictWord, shortReason } from './format.js';
import { errorChart, generatorChart, latencyChart, rateChart, shiftCharts } from './html-charts.js';
import { percentileChart } from './html-percentiles.js';
import { levelLabel, loadLabel, reportLevelUnit } from '../scenario/level-unit.js';

export function escapeHtml(s: string): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
const e = escapeHtml;

export const HTML_CSS = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:#f6f7f9;color:#1d1f23;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1000px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 10px}
.sub{color:#5b616b;margin:0 0 16px}
.verdict{display:flex;align-items:center;gap:14px;padding:14px 18px;border-radius:8px;background:#fff;border-left:6px solid #2ca02c;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.verdict.bad{border-left-color:#d62728}
.verdict.warn{border-left-color:#e8a100}
.badge{font-weight:700;font-size:13px;letter-spacing:.04em;padding:3px 9px;border-radius:4px;background:#2ca02c;color:#fff;white-space:nowrap}
.bad .badge{background:#d62728}.warn .badge{background:#e8a100}
.verdict .line{font-size:16px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin-top:14px}
.card{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.card .k{color:#5b616b;font-size:12px}.card .v{font-size:19px;font-weight:600;overflow-wrap:break-word}
.card.wide{grid-column:span 2}.card.wider{grid-column:1/-1}.card .v.long{font-size:16px}
.card .rule{white-space:nowrap}
.panel{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 2px rgba(0,0,0,.06);margin-bottom:12px}
svg.chart{width:100%;height:auto;display:block}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{padding:5px 8px;border-bottom:1px solid #eceef1;text-align:left;vertical-align:top}
th{background:#fafbfc;font-weight:600;position:sticky;top:0}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}th.n{text-align:right}
td.vcell{min-width:110px;max-width:300px}
tr.row-fail td{background:#fff5f5}tr.row-inconclusive td{background:#fffbea}
.pass{color:#217a21}.fail{color:#c01f1f}.inconclusive,.within-noise,.skipped{color:#8a6d00}
.scroll{max-height:640px;overflow:auto;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
ul.caveats{margin:6px 0 0;padding-left:20px;color:#8a6d00}
footer{color:#5b616b;font-size:12px;margin-top:30px}
@media print{.scroll{max-height:none;overflow:visible}body{background:#fff}}
`;

export function renderHtml(result: RunResult, model: CapacityModel = capacityModelOf(result)): string {
  const r = result;
  const bad = r.status !== 'completed' || (r.gate && !r.gate.passed) || r.capacity.maxServableLoad === null;
  const warn = !bad && r.capacity.verdict !== 'found';
  const c = r.capacity;
  const L = loadLabel(reportLevelUnit(r));
  const cards: Array<[string, string]> = [
    ['max servable load', e(capacityText(c, L))],
    ['resolution', e(c.resolution === null ? 'n/a' : `±${pct(c.resolution)}`)],
    ['first failing load', e(c.firstFailingLoad === null ? 'none' : `${fmtNum(c.firstFailingLoad)} ${L}`)],
    ['limited by', limitedBy(c.limitedBy)],
    ...(c.bottleneck !== undefined ? [['bottleneck', e(c.bottleneck)] as [string, string]] : []),
    ['steps', String(r.steps.length)],
    ['duration', e(fmtDuration(r.durationMs))],
  ];
  const charts = [rateChart(r), latencyChart(r, model), percentileChart(r), errorChart(r), ...shiftCharts(r), generatorChart(r)].filter((c): c is string => c !== null);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${e(`loadtest: ${r.scenario.name} — ${capacityLine(r)}`)}</title>
<style>${HTML_CSS}</style>
</head>
<body>
<main>
<h1>${e(r.scenario.name)}</h1>
<p class="sub">${e(`${r.scenario.mode} mode · ${r.scenario.target} · started ${r.startedAt}`)}</p>
<section class="verdict${bad ? ' bad' : warn ? ' warn' : ''}" id="verdict"><span class="badge">${e(verdictWord(r))}</span><span class="line">${e(capacityLine(r))}</span></section>
${r.status !== 'completed' ? `<p class="fail">${e(`Run ${r.status} (${r.stopReason})${r.error ? ': ' + r.error : ''}`)}</p>` : ''}
${c.undecided ? `<p class="inconclusive" id="undecided">${e(c.undecided.note)}</p>` : ''}
<div class="cards">${cards.map(([k, v]) => card(k, v)).join('')}</div>
${r.gate ? gateSection(r.gate) : ''}
<h2>Charts</h2>
${charts.map((svg) => `<div class="panel">${svg}</div>`).join('\n')}
${modelSection(model, L)}
<h2>Steps</h2>
${stepsTable(r)}
${agentsLine(r) !== undefined ? `<p id="agents">${e(agentsLine(r)!)}</p>` : ''}
${servicesSection(r)}
<h2>Scenario and environment</h2>
${envTable(r)}
${r.warnings.length ? `<h2>Warnings</h2><ul class="caveats">${r.warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul>` : ''}
<footer>${e(`loadtest ${r.tool.version} · report schema ${r.schema} v${r.schemaVersion} · finished ${r.finishedAt}`)}</footer>
</main>
</body>
</html>
`;
}

/** A card; `html` is already escaped. Long values get a wider card, so names are not cut mid-word. */
function card(k: string, html: string): string {
  const len = html.replace(/<[^>]*>/g, '').replace(/&[a-z0-9#]+;/g, 'x').length;
  const size = len > 40 ? ' wider' : len > 14 ? ' wide' : '';
  return `<div class="card${size}"><div class="k">${e(k)}</div><div class="v${len > 14 ? ' long' : ''}">${html}</div></div>`;
}

/** The SLOs that limited the capacity, each kept whole on its line (`p99{checkout} < 250ms`). */
function limitedBy(slos: string[]): string {
  return slos.length ? slos.map((s) => `<span class="rule">${e(s)}</span>`).join(', ') : '—';
}

function gateSection(gate: NonNullable<RunResult['gate']>): string {
  const row = (g: GateCheck) => `<tr><td class="${e(g.outcome)}">${e(g.outcome)}</td><td>${e(g.name)}</td><td>${e(g.message)}</td></tr>`;
  return `<h2 id="gate">Gate: <span class="${gate.passed ? 'pass' : 'fail'}">${gate.passed ? 'passed' : 'FAILED'}</span></h2>
<table><thead><tr><th>result</th><th>check</th><th>details</th></tr></thead><tbody>${gate.checks.map(row).join('')}</tbody></table>`;
}

function modelSection(m: CapacityModel, L: string): string {
  const rows = m.fits
    .map((f) => {
      const preds = f.predictions
        .map((p) =>
          p.predictedBreakLoad === null
            ? `${e(p.slo)}: <span class="skipped">${e(p.note || 'never')}</span>`
            : `${e(p.slo)}: ≈${e(fmtNum(p.predictedBreakLoad))} ${L}${p.note ? ` <span class="skipped">(${e(p.note)})</span>` : ''}`,
        )
        .join('<br>');
      return `<tr><td>${e(f.metric)}</td><td class="n">${f.points}</td><td class="n">${f.r2 === null ? 'n/a' : f.r2.toFixed(2)}</td><td class="n">${f.knee === null ? '—' : `≈${e(fmtNum(f.knee))} ${L}`}</td><td>${preds || '—'}</td></tr>`;
    })
    .join('');
  const caveats = m.fits.flatMap((f) => modelCaveats(f).map((c) => `${f.metric}: ${c}`)).concat((m.usl?.caveats ?? []).map((c) => `USL: ${c}`));
  return `<h2>Capacity model</h2>
<p>A reading aid — the measured capacity above is the answer. Latency against load is fitted as two straight lines meeting at a knee (least squares); throughput against concurrency with the Universal Scalability Law. In short: ${e(m.summary)}.</p>
<table id="model"><thead><tr><th>metric</th><th class="n">points</th><th class="n">R²</th><th class="n">knee</th><th>predicted SLO break</th></tr></thead><tbody>${rows}</tbody></table>
<p id="usl">${e(describeUsl(m.usl, m.uslSkipped))}</p>
${caveats.length ? `<ul class="caveats">${caveats.map((c) => `<li>${e(c)}</li>`).join('')}</ul>` : ''}`;
}

/** Metrics that have their own column; an SLO on one of them colours that cell instead of adding a column. */
const SHOWN: Record<string, (s: StepResult) => string> = {
  p50: (s) => `${fmtNum(s.latencyMs.p50)} ms`,
  p90: (s) => `${fmtNum(s.latencyMs.p90)} ms`,
  p99: (s) => `${fmtNum(s.latencyMs.p99)} ms`,
  error_rate: (s) => fmtPct(s.errorRate),
};

function stepsTable(r: RunResult): string {
  if (r.steps.length === 0) return '<p class="sub">No step ran.</p>';
  const slos = r.scenario.slo.map(parseSloText).filter((s) => s !== null);
  const extra = slos.filter((s) => !(s!.metric in SHOWN));
  // `asked` is the plan's level (rps, or a multiple of the fair share); `load` what was really
  // offered (generate) or served by the targets (shift): they differ when the generator fell short.
  const head = ['#', 'phase', 'asked', 'load', 'achieved', 'p50', 'p90', 'p99', 'errors', ...extra.map((s) => s!.text), 'verdict'];
  const u = reportLevelUnit(r);
  const asked = (s: StepResult) => (u === 'share' ? `${fmtNum(s.level)}× fair share` : `${fmtNum(s.level)} ${levelLabel(u)}`);
  const row = (s: StepResult) => {
    const breached = new Set(s.breaches.filter((b) => b.service === undefined).map((b) => b.metric));
    const cell = (v: string, cls = 'n') => `<td class="${cls}">${e(v)}</td>`;
    const cells = [
      cell(String(s.index + 1)),
      cell(s.phase, ''),
      cell(asked(s)),
      cell(`${fmtNum(s.load)} ${loadLabel(u)}`),
      cell(fmtNum(s.achievedRps)),
      ...Object.entries(SHOWN).map(([m, f]) => cell(f(s), breached.has(m) ? 'n fail' : 'n')),
      ...extra.map((slo) => cell(fmtMetric(slo!.base, sloValue(s, slo!)), breached.has(slo!.metric) ? 'n fail' : 'n')),
    ];
    const reasons = s.verdict === 'inconclusive' ? s.inconclusiveReasons : [];
    const why = reasons.length ? `: ${reasons.map(shortReason).join('; ')}` : s.breaches.length ? `: ${s.breaches.map((b) => b.slo).join(', ')}` : '';
    const title = reasons.length ? ` title="${e(reasons.join('\n'))}"` : '';
    cells.push(`<td class="vcell ${e(s.verdict)}"${title}>${e(s.verdict + why)}</td>`);
    return `<tr class="row-${e(s.verdict)}">${cells.join('')}</tr>`;
  };
  const th = head.map((h, i) => `<th${i === 1 || i === head.length - 1 ? '' : ' class="n"'}>${e(h)}</th>`).join('');
  return `<p class="sub">In run order; red cells breached an SLO. Asked = the plan's level; load = the rate really offered (generate mode) or served by the targets (shift mode).</p>
<div class="scroll"><table id="steps"><thead><tr>${th}</tr></thead><tbody>${r.steps.map(row).join('')}</tbody></table></div>`;
}

function envTable(r: RunResult): string {
  const l = r.scenario.load;
  const u = reportLevelUnit(r);
  const plan = `${l.start} → ${l.max} ${u === 'share' ? l.unit : levelLabel(u)}, ${l.step !== undefined ? `+${l.step}` : `×${l.factor}`} per step, ${fmtDuration(l.stepDurationMs)} steps (${fmtDuration(l.warmupMs)} warm-up)${l.refine !== undefined ? `, refine to ${fmtPct(l.refine)}` : ''}`;
  const rows: Array<[string, string]> = [
    ['scenario', r.scenario.file ? `${r.scenario.name} (${r.scenario.file})` : r.scenario.name],
    ['mode', r.scenario.mode],
    ['target', r.scenario.target],
    ['SLOs', r.scenario.slo.join(', ') || '—'],
    ['abort rules', r.scenario.abort.join(', ') || '—'],
    ['guard rules', r.scenario.guard.join(', ') || '—'],
    ['load plan', plan],
    ['status', `${r.status} (${r.stopReason})`],
    ['started / finished', `${r.startedAt} / ${r.finishedAt}`],
    ['loadtest', r.tool.version],
    ['node', r.environment.node],
    ['machine', `${r.environment.hostname} · ${r.environment.platform}/${r.environment.arch} · ${r.environment.cpus} CPUs`],
  ];
  return `<table id="environment"><tbody>${rows.map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`).join('')}</tbody></table>`;
}

/** `services:`: each dependency's figures per step, and every party's headroom at the highest passing load. */
function servicesSection(r: RunResult): string {
  const lb = balanceTable(r);
  const balance = lb
    ? `<h2>Load balancing: servers off their share</h2>\n<div class="scroll"><table id="balance"><thead><tr>${lb.head.map((h, i) => `<th${lb.right[i] ? ' class="n"' : ''}>${e(h)}</th>`).join('')}</tr></thead><tbody>${lb.rows.map((row) => `<tr>${row.map((c, i) => `<td${lb.right[i] ? ' class="n"' : ''}>${e(c)}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`
    : '';
  const svc = servicesTable(r);
  if (!svc) return balance;
  const html = (t: TextTable, id: string) => {
    const th = t.head.map((h, i) => `<th${t.right[i] ? ' class="n"' : ''}>${e(h)}</th>`).join('');
    const rows = t.rows
      .map((row) => {
        const v = row.at(-1)!.split(':')[0]!;
        const cls = id === 'services' ? ` class="row-${e(v)}"` : '';
        return `<tr${cls}>${row.map((c, i) => `<td class="${t.right[i] ? 'n' : ''}${c.endsWith(' ✗') ? ' fail' : ''}">${e(c)}</td>`).join('')}</tr>`;
      })
      .join('');
    return `<div class="scroll"><table id="${id}"><thead><tr>${th}</tr></thead><tbody>${rows}</tbody></table></div>`;
  };
  const who = bottleneckLine(r);
  const room = headroomTable(r);
  return `<h2>Services</h2>
${who ? `<p>${e(who)}</p>` : ''}
${html(svc, 'services')}
${room ? `<h3>Headroom at the highest passing load</h3>\n${html(room, 'headroom')}` : ''}
${balance}`;
}
