import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/analysis/gate.js';
import { renderJunit } from '../../src/report/junit.js';
import type { RunResult } from '../../src/result.js';

const fixture = (name: string): RunResult => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')) as RunResult;
const XSD = new URL('../fixtures/junit.xsd', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'loadtest-junit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Validates with xmllint against the Jenkins/Ant-style schema; returns xmllint's complaint or ''. */
function validate(xml: string, name: string): string {
  const file = join(dir, `${name}.xml`);
  writeFileSync(file, xml);
  try {
    execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' });
    return '';
  } catch (err) {
    return String((err as { stderr?: Buffer }).stderr ?? err);
  }
}

const attrs = (xml: string, tag: string) =>
  [...xml.matchAll(new RegExp(`<${tag} ([^>]*)>`, 'g'))].map((m) => Object.fromEntries([...m[1]!.matchAll(/([\w.-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])));

/** A nasty run: markup, quotes, ampersands, CDATA terminators and control characters everywhere. */
function nasty(): RunResult {
  const r = fixture('generate-baseline');
  r.scenario.name = `<b>"shop" & 'cart' ]]> \u0001\u001b[31m`;
  r.scenario.slo = ['p99 < 250ms', 'error_rate < 1%', 'p99{<script>} < 400ms'];
  r.steps[9]!.breaches.push({ slo: 'p99{<script>} < 400ms', metric: 'p99{<script>}', threshold: 400, value: 512 });
  r.environment.hostname = 'host&<>"';
  return r;
}

describe('renderJunit', () => {
  const cases: Array<[string, RunResult]> = [
    ['generate-baseline', fixture('generate-baseline')],
    ['generate-100-steps', fixture('generate-100-steps')],
    ['shift-live', fixture('shift-live')],
    ['generate-aborted', fixture('generate-aborted')],
    ['nasty', nasty()],
  ];
  it.each(cases)('%s validates against the JUnit XSD', (name, r) => {
    r.gate = evaluateGate(r, { expectMin: 500, baseline: fixture('generate-regressed') });
    expect(validate(renderJunit(r), name)).toBe('');
  });

  it('the schema check is real: xmllint rejects what the schema forbids', () => {
    const xml = renderJunit(fixture('generate-baseline'));
    expect(validate(xml.replace('tests="24"', 'tests="many"'), 'bad-count')).toMatch(/tests.*not a valid value|not a valid value/);
    expect(validate(xml.replace(/ classname="[^"]*"/, ''), 'no-classname')).toMatch(/classname.*is required/);
    expect(validate(xml.replace('<testsuites name=', '<testsuites skipped="1" name='), 'skipped-total')).toMatch(/skipped.*not allowed/);
  });

  it('has one testcase per SLO per step with the measured value; a breach is told, not failed', () => {
    const r = fixture('generate-baseline');
    const xml = renderJunit(r);
    const tcs = attrs(xml, 'testcase');
    expect(tcs.filter((t) => t.classname!.startsWith('checkout.step '))).toHaveLength(r.steps.length * 2);
    expect(xml).toContain(
      '<testcase classname="checkout.step 10" name="step 10 @ 1000 rps: p99 &lt; 250ms" time="4.000">\n' +
        '      <system-out>breached: p99 &lt; 250ms measured 854ms (threshold &lt; 250ms) — a load at or above the capacity, where the search expects breaches; not a test failure\n',
    );
    expect(xml).toContain('name="step 10 @ 1000 rps: error_rate &lt; 1%" time="4.000">\n      <system-out>breached: error_rate &lt; 1% measured 5.04%');
    expect(xml).toContain('name="step 1 @ 100 rps: p99 &lt; 250ms" time="4.000">\n      <system-out>measured p99 = 6.86ms');
  });

  it('the levels left too close to call are a property beside the summary, escaped', () => {
    const r = fixture('generate-baseline');
    r.capacity = { ...r.capacity, undecided: { loads: [910], note: '910 rps was too close to call, so the capacity may lie anywhere in [900, 925) rps: "longer" <steps>' } };
    expect(renderJunit(r)).toContain('<property name="capacity.undecided" value="910 rps was too close to call, so the capacity may lie anywhere in [900, 925) rps: &quot;longer&quot; &lt;steps&gt;"/>');
    expect(renderJunit(fixture('generate-baseline'))).not.toContain('capacity.undecided');
  });

  it('a successful capacity search has no failures (GitLab/Jenkins show it green)', () => {
    const xml = renderJunit(fixture('generate-baseline'));
    expect(xml).not.toContain('<failure');
    expect(attrs(xml, 'testsuites')[0]).toMatchObject({ tests: '25', failures: '0', errors: '0' });
    expect(xml).toContain(
      '<testcase classname="checkout.gate" name="capacity" time="0.000">\n      <system-out>max servable load: 900 rps (±3%), limited by p99 &lt; 250ms</system-out>',
    );
  });

  it.each([
    ['below-start', 'no-load-passed', 'max servable load: &lt; 100 rps (the first step already breached p99 &lt; 250ms; lower load.start)'],
    ['inconclusive', 'inconclusive', 'no trustworthy answer: the load generator, not the service, was the limit'],
    ['unknown', 'no-answer', 'max servable load: unknown'],
  ] as const)('the run as a whole failing its SLOs fails the capacity testcase: %s', (verdict, type, message) => {
    const r = fixture('generate-baseline');
    const summaries = {
      'below-start': 'max servable load: < 100 rps (the first step already breached p99 < 250ms; lower load.start)',
      inconclusive: 'no trustworthy answer: the load generator, not the service, was the limit at 900 rps',
      unknown: 'max servable load: unknown (the run ended before any step had a verdict)',
    };
    r.capacity = { ...r.capacity, verdict, summary: summaries[verdict] };
    const xml = renderJunit(r);
    expect(xml).toMatch(new RegExp(`<testcase classname="checkout.gate" name="capacity" time="0.000">\\n      <failure message="${message.replace(/[()]/g, '\\$&')}[^"]*" type="${type}">`));
    expect(attrs(xml, 'testsuites')[0]).toMatchObject({ failures: '1', errors: '0' });
    expect(validate(xml, `capacity-${verdict}`)).toBe('');
  });

  it('an inconclusive run whose gate passed anyway does not fail (as its exit code is 0)', () => {
    const r = fixture('generate-baseline');
    r.capacity = { ...r.capacity, verdict: 'inconclusive', summary: 'no trustworthy answer: …; at least 900 rps passed' };
    r.gate = evaluateGate(r, { expectMin: 500 });
    expect(r.gate.passed).toBe(true);
    const xml = renderJunit(r);
    expect(xml).not.toContain('<failure');
    expect(xml).toContain('(a gate passed on the loads that did pass)</system-out>');
  });

  it('counts and times add up per suite and in total; only the gate fails', () => {
    const r = fixture('generate-baseline');
    r.gate = evaluateGate(r, { expectMin: 1000, baseline: fixture('generate-same') });
    const xml = renderJunit(r);
    const [total] = attrs(xml, 'testsuites');
    const [steps, gate] = attrs(xml, 'testsuite');
    // 12 steps × 2 SLOs, none failed: the breaches at the boundary are the search's expected end.
    expect(steps).toMatchObject({ name: 'checkout steps', tests: '24', failures: '0', errors: '0', skipped: '0', time: '96.000', timestamp: '2026-11-20T02:00:00', hostname: 'ci-runner-1' });
    // capacity passes; expect-min fails (900 < 1000); baseline capacity passes, latency p50/p99 pass.
    expect(gate).toMatchObject({ name: 'checkout gate', tests: '5', failures: '1', errors: '0', skipped: '0', time: '0.000' });
    expect(total).toMatchObject({ tests: '29', failures: '1', errors: '0', time: '96.000' });
    expect(xml).toContain(`<system-out>capacity 900 rps (failed at 925) vs baseline 875 rps (failed at 900): the brackets allow a change of 0.0% to 5.7%: within the allowed 10% drop in every case</system-out>`);
  });

  it('skips inconclusive steps and errors an aborted run (its capacity skipped, not failed twice)', () => {
    const xml = renderJunit(fixture('generate-aborted'));
    expect(xml).toContain('<skipped message="inconclusive: step cut short: interrupted"/>');
    expect(xml).toContain('<testcase classname="checkout.gate" name="run" time="0.000">\n      <error message="run aborted: interrupted" type="aborted">');
    expect(xml).toContain('<testcase classname="checkout.gate" name="capacity" time="0.000">\n      <skipped message="no answer: the run was interrupted');
    const [, gate] = attrs(xml, 'testsuite');
    expect(gate).toMatchObject({ tests: '2', errors: '1', failures: '0', skipped: '1' });
  });

  it('escapes every user string and drops characters XML cannot carry', () => {
    const xml = renderJunit(nasty());
    expect(xml).not.toMatch(/[\u0001\u001b]/);
    expect(xml).not.toContain('<b>');
    expect(xml).not.toContain('<script>');
    expect(xml).toContain('&lt;b&gt;&quot;shop&quot; &amp; &apos;cart&apos; ]]&gt;');
    expect(xml).toContain('hostname="host&amp;&lt;&gt;&quot;"');
  });
});
