// JUnit XML (`--junit file.xml`): the format every CI system can show. Two suites:
//   "<scenario> steps"  one testcase per SLO per step ("step 3 @ 400 rps: p99 < 250ms"; sessions/s with sessions) with the
//                       measured value, skipped when the step was inconclusive. A breach is NOT a
//                       failure here: a capacity search ends at steps that breach — that is how the
//                       boundary is found — so a successful run would otherwise show failing tests on
//                       every pipeline. The breach is told in the testcase's output.
//   "<scenario> gate"   what can fail the run: a "capacity" testcase (fails when no load passed, or the
//                       answer is inconclusive and no gate passed anyway — as the exit code does), one
//                       testcase per gate check (--expect-min, --baseline), and a "run" testcase that
//                       errors when the run itself failed or was aborted.
// Shape follows the Ant/Jenkins junit-10 schema (validated in test/unit/junit.test.ts with xmllint).
import type { GateCheck, RunResult, StepResult } from '../result.js';
import { fmtMetric, fmtNum, parseSloText, sloValue, type SloText } from './format.js';
import { loadLabel, reportLevelUnit } from '../scenario/level-unit.js';

interface Case {
  classname: string;
  name: string;
  /** Seconds, already rounded to milliseconds so that suite totals add up exactly. */
  timeMs: number;
  failure?: { message: string; type: string; text: string };
  error?: { message: string; type: string; text: string };
  skipped?: string;
  out?: string;
}

export function renderJunit(result: RunResult): string {
  const name = result.scenario.name || 'loadtest';
  const steps = stepCases(result, name);
  const gate = gateCases(result, name);
  const host = result.environment.hostname || 'localhost';
  const stamp = result.startedAt.replace(/\.\d+Z$|Z$/, '').slice(0, 19);
  const props = properties(result);
  const suites = [suite(`${name} steps`, 0, steps, host, stamp, props), suite(`${name} gate`, 1, gate, host, stamp, props)];
  const all = [...steps, ...gate];
  const totals = counts(all);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    // No `skipped` on <testsuites>: the Jenkins/Ant schema does not allow it there (it is per suite).
    `<testsuites name="${attr(`loadtest: ${name}`)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" time="${secs(totals.timeMs)}">\n` +
    suites.join('') +
    `</testsuites>\n`
  );
}

function stepCases(result: RunResult, name: string): Case[] {
  const slos = result.scenario.slo.map((t) => parseSloText(t) ?? fallbackSlo(t));
  const cases: Case[] = [];
  const L = loadLabel(reportLevelUnit(result));
  for (const step of result.steps) {
    const n = step.index + 1;
    const classname = `${name}.step ${n}`;
    const head = `step ${n} @ ${fmtNum(step.load)} ${L}`;
    const extra = step.breaches.filter((b) => !result.scenario.slo.includes(b.slo) && b.service === undefined);
    // `services:`: one testcase per rule of each dependency, judged like the targets' (a breach is told, not failed).
    const deps = (result.scenario.services ?? []).flatMap((svc) => svc.slo.map((text) => ({ svc: svc.name, slo: parseSloText(text) ?? fallbackSlo(text) })));
    const count = slos.length + extra.length + deps.length;
    const shares = splitTime(step.durationMs, count);
    slos.forEach((slo, i) => {
      cases.push(sloCase(step, slo, classname, `${head}: ${slo.text}`, shares[i]!));
    });
    extra.forEach((b, i) => {
      const base = parseSloText(b.slo)?.base ?? b.metric;
      // An abort/guard rule that tripped stopped the search where it was: told, not failed.
      cases.push({
        classname,
        name: `${head}: ${b.slo}`,
        timeMs: shares[slos.length + i]!,
        out: `${b.slo} tripped at ${fmtNum(step.load)} ${L} (the search stopped here): ${b.metric} = ${fmtMetric(base, b.value)}, threshold ${fmtMetric(base, b.threshold)}`,
      });
    });
    deps.forEach(({ svc, slo }, i) => {
      const m = step.services?.find((x) => x.name === svc);
      const base = { classname, name: `${head}: ${svc}: ${slo.text}`, timeMs: shares[slos.length + extra.length + i]! };
      if (!m || m.verdict === 'inconclusive') {
        cases.push({ ...base, skipped: `inconclusive: ${m?.inconclusiveReasons.join('; ') || 'not measured'}` });
        return;
      }
      const value = fmtMetric(slo.base, m.metrics[slo.metric]);
      const breach = m.breaches.find((b) => b.slo === slo.text);
      cases.push({
        ...base,
        out: breach
          ? `breached: ${svc}: ${slo.text} measured ${value} (threshold ${slo.op} ${fmtMetric(slo.base, breach.threshold)}) — the dependency broke at this load; not a test failure`
          : `measured ${svc} ${slo.metric} = ${value}`,
      });
    });
  }
  return cases;
}

function fallbackSlo(text: string): SloText {
  return { text, metric: text, base: text, scope: 'target', op: '<', threshold: null };
}

function sloCase(step: StepResult, slo: SloText, classname: string, name: string, timeMs: number): Case {
  const value = sloValue(step, slo);
  const measured = `measured ${slo.metric} = ${fmtMetric(slo.base, value)}`;
  const where = `offered ${fmtNum(step.offeredRps)} rps, achieved ${fmtNum(step.achievedRps)} rps, ${step.sent} requests, ${step.errorCount} errors`;
  if (step.verdict === 'inconclusive') {
    return { classname, name, timeMs, skipped: `inconclusive: ${step.inconclusiveReasons.join('; ') || 'no reason given'}` };
  }
  const breach = step.breaches.find((b) => b.slo === slo.text);
  if (breach) {
    const v = breach.value === null ? 'missing' : fmtMetric(slo.base, breach.value);
    return {
      classname,
      name,
      timeMs,
      out:
        `breached: ${slo.text} measured ${v} (threshold ${slo.op} ${fmtMetric(slo.base, breach.threshold)}) — ` +
        `a load at or above the capacity, where the search expects breaches; not a test failure\n${where}`,
    };
  }
  return { classname, name, timeMs, out: `${measured}\n${where}` };
}

function gateCases(result: RunResult, name: string): Case[] {
  const cases: Case[] = [];
  const classname = `${name}.gate`;
  if (result.status !== 'completed') {
    cases.push({
      classname,
      name: 'run',
      timeMs: 0,
      error: {
        type: result.status,
        message: result.status === 'failed' ? `run failed: ${result.error ?? result.stopReason}` : `run aborted: ${result.stopReason}`,
        text: result.capacity.summary,
      },
    });
  }
  cases.push(capacityCase(result, classname));
  for (const c of result.gate?.checks ?? []) cases.push(gateCase(c, classname));
  return cases;
}

/**
 * The run's answer as one testcase. It fails when the run as a whole did not meet its SLOs (no load
 * passed) or gave no trustworthy answer — unless a gate passed anyway (the exit code's rule: the
 * loads that did pass already meet --expect-min). A run that failed or was aborted is the "run"
 * testcase's error; its capacity is skipped, not counted twice.
 */
function capacityCase(result: RunResult, classname: string): Case {
  const c = result.capacity;
  const base = { classname, name: 'capacity', timeMs: 0 };
  if (result.status !== 'completed') return { ...base, skipped: `no answer: the run ${result.status === 'failed' ? 'failed' : 'was interrupted'} (${c.summary})` };
  if (c.verdict === 'found' || c.verdict === 'above-max') return { ...base, out: c.summary };
  if (c.verdict === 'inconclusive' && result.gate?.passed === true) return { ...base, out: `${c.summary} (a gate passed on the loads that did pass)` };
  const type = c.verdict === 'below-start' ? 'no-load-passed' : c.verdict === 'inconclusive' ? 'inconclusive' : 'no-answer';
  return { ...base, failure: { type, message: c.summary, text: c.summary } };
}

function gateCase(c: GateCheck, classname: string): Case {
  const base = { classname, name: c.name, timeMs: 0 };
  if (c.outcome === 'skipped') return { ...base, skipped: c.message };
  if (!c.passed) return { ...base, failure: { type: 'gate', message: c.message, text: c.message } };
  return { ...base, out: c.message };
}

/** Splits a duration into `n` millisecond shares that add up to it exactly. */
function splitTime(ms: number, n: number): number[] {
  if (n === 0) return [];
  const total = Math.max(0, Math.round(ms));
  const each = Math.floor(total / n);
  return Array.from({ length: n }, (_, i) => (i === 0 ? total - each * (n - 1) : each));
}

function counts(cases: Case[]) {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.failure).length,
    errors: cases.filter((c) => c.error).length,
    skipped: cases.filter((c) => c.skipped !== undefined).length,
    timeMs: cases.reduce((a, c) => a + c.timeMs, 0),
  };
}

/** Run facts as suite properties: CI systems show them beside the test results. */
function properties(r: RunResult): Array<[string, string]> {
  const c = r.capacity;
  return [
    ['loadtest.version', r.tool.version],
    ['scenario', r.scenario.name],
    ['mode', r.scenario.mode],
    ['target', r.scenario.target],
    ['status', r.status],
    ['capacity.verdict', c.verdict],
    ['capacity.maxServableLoad', c.maxServableLoad === null ? '' : String(c.maxServableLoad)],
    ['capacity.summary', c.summary],
    ...(c.undecided ? [['capacity.undecided', c.undecided.note] as [string, string]] : []),
  ];
}

function suite(name: string, id: number, cases: Case[], host: string, stamp: string, props: Array<[string, string]>): string {
  const t = counts(cases);
  const body = cases.map(renderCase).join('');
  return (
    `  <testsuite name="${attr(name)}" id="${id}" tests="${t.tests}" failures="${t.failures}" errors="${t.errors}" skipped="${t.skipped}" time="${secs(t.timeMs)}" timestamp="${attr(stamp)}" hostname="${attr(host)}">\n` +
    `    <properties>\n${props.map(([k, v]) => `      <property name="${attr(k)}" value="${attr(v)}"/>\n`).join('')}    </properties>\n` +
    body +
    `  </testsuite>\n`
  );
}

function renderCase(c: Case): string {
  const open = `    <testcase classname="${attr(c.classname)}" name="${attr(c.name)}" time="${secs(c.timeMs)}"`;
  const inner: string[] = [];
  // The schema's order: skipped, error, failure, system-out.
  if (c.skipped !== undefined) inner.push(`      <skipped message="${attr(c.skipped)}"/>\n`);
  if (c.error) inner.push(`      <error message="${attr(c.error.message)}" type="${attr(c.error.type)}">${text(c.error.text)}</error>\n`);
  if (c.failure) inner.push(`      <failure message="${attr(c.failure.message)}" type="${attr(c.failure.type)}">${text(c.failure.text)}</failure>\n`);
  if (c.out) inner.push(`      <system-out>${text(c.out)}</system-out>\n`);
  return inner.length ? `${open}>\n${inner.join('')}    </testcase>\n` : `${open}/>\n`;
}

function secs(ms: number): string {
  return (ms / 1000).toFixed(3);
}

// XML 1.0 forbids most control characters even when escaped; drop them.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Escapes character data. */
export function text(s: string): string {
  return s.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value (newlines kept as character references, so they survive normalization). */
export function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
