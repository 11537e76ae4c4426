// What a level is written in: sessions/s when `traffic.sessions` is used, in every output (plan,
// validate, terminal, Markdown, HTML, JUnit, compare, history, gate, the capacity line).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { computeCapacity } from '../../src/analysis/capacity.js';
import { evaluateGate } from '../../src/analysis/gate.js';
import { renderPlan } from '../../src/cli/commands/plan.js';
import { validSummary } from '../../src/cli/commands/validate.js';
import { compareRuns, renderCompareTable } from '../../src/report/compare.js';
import { capacityLine } from '../../src/report/format.js';
import { historyEntry, renderHistoryTable, trend } from '../../src/report/history.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { describePlan, renderFinal } from '../../src/report/terminal-format.js';
import type { RunResult } from '../../src/result.js';
import { levelLabel, levelUnitOf, loadLabel, reportLevelUnit } from '../../src/scenario/level-unit.js';
import { loadScenario } from '../../src/scenario/load-scenario.js';

const fixture = (name: string): RunResult => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')) as RunResult;
/** A report of a sessions run: the regressed fixture with its levels counting sessions/s. */
const sessionsRun = (name = 'generate-regressed'): RunResult => {
  const r = fixture(name);
  r.scenario.load.sessions = true;
  r.capacity.summary = '';
  return r;
};
/** What is left once the request rates (offered, achieved, the USL's throughput) are taken out: no load may still say rps. */
const levels = (text: string) => text.replace(/(offered|achieved|ceiling \(USL\) ≈|ceiling ≈) ?[\d.]+ rps/g, '');
const sessionsYaml = join(import.meta.dirname, '../../scenarios/sessions.yaml');
const minimal = join(import.meta.dirname, '../fixtures/valid/minimal.yaml');

describe('levelUnitOf / labels', () => {
  it.each([
    ['rps', false, 'rps', 'rps', 'rps'],
    ['rps', true, 'sessions', 'sessions/s', 'sessions/s'],
    ['share', false, 'share', 'x fair share', 'rps'],
    ['share', true, 'share', 'x fair share', 'rps'],
  ] as const)('unit %s, sessions %s → %s (%s; loads in %s)', (unit, sessions, u, level, load) => {
    expect(levelUnitOf({ unit }, sessions)).toBe(u);
    expect(levelLabel(u)).toBe(level);
    expect(loadLabel(u)).toBe(load);
  });

  it('a report: from scenario.load.sessions, or from session counts in older reports', () => {
    expect(reportLevelUnit(fixture('generate-regressed'))).toBe('rps');
    expect(reportLevelUnit(sessionsRun())).toBe('sessions');
    const old = fixture('generate-regressed');
    old.steps[0]!.sessions = { started: 1, completed: 1, failed: 0, cut: 0, startedPerSecond: 1, completedPerSecond: 1 };
    expect(reportLevelUnit(old)).toBe('sessions');
    expect(reportLevelUnit(fixture('shift-live'))).toBe('share');
  });
});

describe('a sessions run says sessions/s', () => {
  it('plan: the ramp, its step lines and the step-length note', async () => {
    const lines = renderPlan(await loadScenario(sessionsYaml, { env: {} }));
    expect(lines[1]).toBe('ramp (20 steps, +20 from 20 to 400 sessions/s):');
    // p99{read}: 381 'read' requests, from the buyers' 3 of 10 sessions: 1270 sessions a judged window.
    expect(lines[2]).toBe('  step  1   20 sessions/s   ends at 1m14s  (1m14s step)');
    expect(lines.find((l) => l.startsWith('step length:'))).toMatch(/≥ 1270 sessions\) in a judged window to be shown met; 4 ramp steps below 85 sessions\/s are stretched/);
    expect(lines.join('\n')).not.toMatch(/\d rps/);
  });

  it('plan of a request mix: still rps', async () => {
    expect(renderPlan(await loadScenario(minimal, { env: {} }))[1]).toBe('ramp (10 steps, +10 from 10 to 100 rps):');
  });

  it('validate and the run header', async () => {
    const s = await loadScenario(sessionsYaml, { env: {} });
    expect(validSummary('s.yaml', s)).toBe('ok: s.yaml: "shop sessions", generate, 20 ramp steps up to 400 sessions/s');
    expect(describePlan(s, 31, 60_000)).toMatch(/^plan: 20 sessions\/s → 400 sessions\/s \(\+20 sessions\/s\)/);
  });

  it('the capacity line', () => {
    const steps = [
      { level: 100, load: 100, verdict: 'pass' as const, breaches: [], inconclusiveReasons: [], partial: false },
      { level: 120, load: 120, verdict: 'fail' as const, breaches: [{ slo: 'p99 < 100ms', metric: 'p99', value: 120, threshold: 100 }], inconclusiveReasons: [], partial: false },
    ];
    const c = computeCapacity(steps as never, { stopReason: 'slo-breach', levelUnit: 'rps', max: 400, mode: 'generate', sessions: true });
    expect(c.summary).toMatch(/^max servable load: 100 sessions\/s/);
    expect(capacityLine(sessionsRun())).toBe('max servable load: 638 sessions/s (±1.96%), limited by p99 < 250ms');
  });

  it('the terminal table', () => {
    const out = renderFinal(sessionsRun(), new Chalk({ level: 0 }), { warnings: false }).join('\n');
    expect(out).toMatch(/sessions\/s\s+req\/s/);
  });

  it('Markdown: capacity, first failing load, steps', () => {
    const md = renderMarkdown(sessionsRun());
    expect(md).toContain('| 638 sessions/s | ±2% | 650 sessions/s |');
    expect(md).toMatch(/\| 1 \| ramp \| \d+ sessions\/s \|/);
    expect(levels(md)).not.toMatch(/\d rps/);
    expect(md).toContain('p99 bends at ≈621 sessions/s');
  });

  it('HTML: cards, the asked and load columns, chart labels', () => {
    const html = renderHtml(sessionsRun());
    expect(html).toContain('638 sessions/s');
    expect(html).toContain('load (sessions/s)');
    expect(html).toContain('100 → 1000 sessions/s');
    expect(levels(html)).not.toMatch(/\d rps/);
  });

  it('JUnit: the step testcases', () => {
    const xml = renderJunit(sessionsRun());
    expect(xml).toMatch(/name="step 1 @ \d+ sessions\/s: p99 &lt; 250ms"/);
    expect(levels(xml)).not.toMatch(/\d rps/);
  });

  it('compare, history and the gate', () => {
    const table = renderCompareTable(compareRuns([{ label: 'a', result: sessionsRun('generate-baseline') }, { label: 'b', result: sessionsRun() }]));
    expect(table).toContain('638 sessions/s');
    expect(table).not.toMatch(/\d rps/);
    const rows = trend([historyEntry(sessionsRun())]);
    expect(rows[0]!.entry.sessions).toBe(true);
    expect(renderHistoryTable(rows)).toContain('638 sessions/s');
    const gate = evaluateGate(sessionsRun(), { expectMin: 700 });
    expect(gate.checks[0]!.message).toMatch(/^max servable load 638 sessions\/s \(failed at 650\) is below the required 700 sessions\/s/);
  });
});
