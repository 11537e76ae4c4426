import { afterEach, describe, expect, it } from 'vitest';
import { createTerminalReporter } from '../../src/report/terminal.js';
import { fmtDuration, fmtMs, fmtPct, renderStepLine, stepLatency } from '../../src/report/terminal-format.js';
import { Chalk } from 'chalk';
import type { RunEvent } from '../../src/controller/events.js';
import type { RunResult, StepResult } from '../../src/result.js';
import type { Scenario } from '../../src/scenario/scenario.js';
import { parseSlo } from '../../src/slo/parse.js';
import { createHistogram, summarize } from '../../src/metrics/histogram.js';

const scenario: Scenario = {
  name: 'shop',
  traffic: {
    kind: 'generate', target: 'http://127.0.0.1:8080', requests: [], arrival: 'poisson', maxInFlight: 10, timeoutMs: 1000,
    connections: 1, workers: 1, errorStatuses: [[500, 599]], insecure: false,
  },
  load: { unit: 'rps', start: 100, step: 100, max: 1000, stepDurationMs: 4000, warmupMs: 1000, refine: 0.05 },
  slo: [parseSlo('p99 < 250ms')],
  abort: [],
  guard: [],
  report: {},
  gate: {},
  secrets: [],
};

function step(index: number, level: number, verdict: StepResult['verdict'], p99: number): StepResult {
  const empty = summarize(createHistogram());
  return {
    level, load: level, index, phase: index < 2 ? 'ramp' : 'refine', verdict, partial: false, startedAt: '', durationMs: 3000,
    offeredRps: level, achievedRps: level, sent: level * 3, completed: level * 3, errors: {}, errorCount: 0, errorRate: 0,
    statusCodes: {}, bytesReceived: 0, latencyMs: empty, latencyUncorrectedMs: empty, byRequest: [],
    metrics: { p50: 20, p99, error_rate: 0 },
    breaches: verdict === 'fail' ? [{ slo: 'p99 < 250ms', metric: 'p99', threshold: 250, value: p99 }] : [],
    inconclusiveReasons: [],
  };
}

const steps = [step(0, 100, 'pass', 30), step(1, 200, 'fail', 400), step(2, 150, 'pass', 90)];
const result = {
  status: 'completed',
  steps,
  capacity: { summary: 'max servable load: 150 rps (±33%), limited by p99 < 250ms', verdict: 'found' },
  warnings: [],
} as unknown as RunResult;

function events(): RunEvent[] {
  const out: RunEvent[] = [{ type: 'run-start', scenario, startedAt: '', plannedSteps: 15, worstCaseMs: 60_000 }];
  for (const s of steps) {
    out.push({ type: 'step-start', index: s.index, level: s.level, phase: s.phase, description: `${s.level} rps`, durationMs: 4000 });
    out.push({ type: 'step-progress', index: s.index, level: s.level, progress: { elapsedMs: 2000, phase: 'measure', metrics: { p50: 20, p99: 31, error_rate: 0 }, offeredRps: s.level, achievedRps: s.level, inFlight: 2 } });
    out.push({ type: 'step-end', step: s });
  }
  out.push({ type: 'run-end', result });
  return out;
}

function capture(isTTY: boolean, opts: Parameters<typeof createTerminalReporter>[0] = {}): string {
  let text = '';
  const r = createTerminalReporter({ redrawMs: 0, ...opts, stream: { isTTY, columns: 200, write: (s: string) => (text += s) } as never });
  for (const e of events()) r.listener(e);
  r.finish(result);
  return text;
}

const ESC = '\x1b[';
const saved = { NO_COLOR: process.env['NO_COLOR'], FORCE_COLOR: process.env['FORCE_COLOR'] };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('terminal reporter', () => {
  it('not on a TTY: header, one plain line per finished step, the table and the verdict; no escape codes', () => {
    const out = capture(false);
    expect(out).not.toContain(ESC);
    expect(out).not.toContain('\r');
    const lines = out.split('\n');
    expect(lines[0]).toBe('loadtest: shop → http://127.0.0.1:8080 (generate)');
    expect(lines[1]).toBe('plan: 100 rps → 1000 rps (+100 rps), 4s steps (1s warm-up), refine to 5%; at most 15 steps, ≤ 1m00s');
    expect(lines.filter((l) => l.startsWith('step '))).toEqual([
      'step  1  ramp       100 rps  achieved    100  p50  20.0ms  p99  30.0ms  err     0%  ✓ pass',
      'step  2  ramp       200 rps  achieved    200  p50  20.0ms  p99   400ms  err     0%  ✗ fail  p99 < 250ms (was 400ms)',
      'step  3  refine     150 rps  achieved    150  p50  20.0ms  p99  90.0ms  err     0%  ✓ pass',
    ]);
    // the table is ordered by load, so the boundary reads top to bottom
    const table = lines.slice(lines.findIndex((l) => l.startsWith('load rps')));
    expect(table.slice(2, 5).map((l) => l.trim().split(/\s+/)[0])).toEqual(['100', '150', '200']);
    expect(out).toContain('\nmax servable load: 150 rps (±33%), limited by p99 < 250ms\n');
  });

  it('on a TTY: a progress line redrawn in place, cleared before each finished step', () => {
    const out = capture(true, { color: false });
    expect(out).toContain('\r\x1b[2Kstep 1/≤15 ramp   100 rps');
    expect(out).toContain('step 2/≤15 ramp   200 rps  █████░░░░░ 2s left (run ≤54s)  offered 200 → 200 rps  p50 20.0ms p99 31.0ms  err 0%');
    // a phase as long as its column is still followed by a space
    expect(out).toContain('step 3/≤15 refine 150 rps  █████░░░░░');
    // the live line is wiped before the finished step's line
    expect(out).toContain('\r\x1b[2Kstep  1  ramp');
    // no colour asked: the only escape is the line clear
    expect(out.replaceAll('\x1b[2K', '')).not.toContain(ESC);
  });

  it('--no-progress on a TTY: no redraws', () => {
    const out = capture(true, { color: false, progress: false });
    expect(out).not.toContain('\r');
  });

  it('colour on a TTY unless NO_COLOR is set', () => {
    delete process.env['NO_COLOR'];
    delete process.env['FORCE_COLOR'];
    expect(capture(true)).toMatch(/\x1b\[3\dm/);
    process.env['NO_COLOR'] = '1';
    expect(capture(true).replaceAll('\x1b[2K', '')).not.toContain(ESC);
  });

  it('--quiet: only the verdict line', () => {
    expect(capture(false, { quiet: true })).toBe('max servable load: 150 rps (±33%), limited by p99 < 250ms\n');
  });

  it('a bracket left open by levels too close to call: the line after the verdict says which and what would decide them', () => {
    const note = '175 rps was too close to call, so the capacity may lie anywhere in [150, 200) rps: longer steps (load.step_duration) would decide them';
    let text = '';
    const r = createTerminalReporter({ stream: { isTTY: false, write: (s: string) => (text += s) } });
    r.finish({ ...result, capacity: { ...result.capacity, undecided: { loads: [175], note } } } as RunResult);
    const lines = text.split('\n');
    const at = lines.indexOf('max servable load: 150 rps (±33%), limited by p99 < 250ms');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines[at + 1]).toBe(note);
  });

  it('masks the scenario’s secrets in everything it writes', () => {
    let text = '';
    const r = createTerminalReporter({ stream: { isTTY: false, write: (s: string) => (text += s) } });
    const s = { ...scenario, secrets: ['s3cret'], traffic: { ...scenario.traffic, target: 'http://127.0.0.1:8080' } } as Scenario;
    r.listener({ type: 'run-start', scenario: s, startedAt: '', plannedSteps: 1, worstCaseMs: 1 });
    r.listener({ type: 'warning', message: 'token s3cret rejected' });
    expect(text).toContain('token *** rejected');
    expect(text).not.toContain('s3cret');
  });
});

describe('terminal formats', () => {
  it.each([
    [fmtMs(0.5), '0.50ms'],
    [fmtMs(12.34), '12.3ms'],
    [fmtMs(250), '250ms'],
    [fmtMs(12_500), '12.5s'],
    [fmtPct(0), '0%'],
    [fmtPct(0.00001), '<0.01%'],
    [fmtPct(0.0123), '1.23%'],
    [fmtDuration(1500), '1.5s'],
    [fmtDuration(4000), '4s'],
    [fmtDuration(75_000), '1m15s'],
    [fmtDuration(3_900_000), '1h05m'],
  ])('%s = %s', (got, want) => {
    expect(got).toBe(want);
  });

  it('an inconclusive step line says why before any breach', () => {
    const s = { ...step(0, 900, 'inconclusive', 400), breaches: [{ slo: 'p99 < 250ms', metric: 'p99', threshold: 250, value: 400 }], inconclusiveReasons: ['generator limited: send lag p99 48ms > 10ms'] };
    expect(renderStepLine(s, new Chalk({ level: 0 }))).toMatch(/\? inconclusive {2}generator limited: send lag p99 48ms > 10ms; breached p99 < 250ms \(was 400ms\)$/);
  });
});

/** What a TTY of `columns` shows: every write, with the live line's redraws as separate screens. */
function onTty(columns: number, res: RunResult = result, evs: RunEvent[] = events()): { lines: string[]; live: string[] } {
  let text = '';
  const r = createTerminalReporter({ redrawMs: 0, color: false, stream: { isTTY: true, columns, write: (s: string) => (text += s) } as never });
  for (const e of evs) r.listener(e);
  r.finish(res);
  const live = [...text.matchAll(/\r\x1b\[2K([^\r\n]*)(?=\r)/g)].map((m) => m[1]!).filter(Boolean);
  const lines = text.replace(/\r\x1b\[2K[^\r\n]*(?=\r)/g, '').replaceAll('\r\x1b[2K', '').split('\n');
  return { lines, live };
}

/** A long-winded run: a refine phase, an inconclusive step with a long reason, four SLOs. */
function wideRun(): { res: RunResult; evs: RunEvent[] } {
  const slos = ['p99 < 250ms', 'error_rate < 1%', 'throughput > 98%', 'p99{checkout} < 400ms'];
  const sc: Scenario = { ...scenario, slo: slos.map(parseSlo) };
  const st = [step(0, 1000, 'pass', 183), step(1, 2000, 'fail', 854), step(2, 1500, 'inconclusive', 509), step(3, 1250, 'pass', 200)];
  st[1]!.breaches.push({ slo: 'error_rate < 1%', metric: 'error_rate', threshold: 0.01, value: 0.0504 });
  st[2]!.inconclusiveReasons = ['generator limited: send lag p99 48ms > 10ms (the machine is too busy to keep the schedule)'];
  const res = { ...result, steps: st } as RunResult;
  const evs: RunEvent[] = [{ type: 'run-start', scenario: sc, startedAt: '', plannedSteps: 15, worstCaseMs: 150_000 }];
  for (const s of st) {
    evs.push({ type: 'step-start', index: s.index, level: s.level, phase: s.phase, description: `${s.level} rps`, durationMs: 10_000 });
    const progress = { elapsedMs: 4000, phase: 'measure' as const, metrics: { p50: 213, p99: 854, error_rate: 0.0504 }, offeredRps: s.level, achievedRps: s.level - 34, inFlight: 2 };
    evs.push({ type: 'step-progress', index: s.index, level: s.level, progress });
    evs.push({ type: 'step-end', step: s });
  }
  evs.push({ type: 'run-end', result: res });
  return { res, evs };
}

describe('terminal width', () => {
  it.each([80, 120])('at %i columns nothing is wider than the terminal (one column spare)', (columns) => {
    const { res, evs } = wideRun();
    const { lines, live } = onTty(columns, res, evs);
    expect(live.length).toBeGreaterThan(0);
    for (const l of [...lines, ...live].filter((x) => !x.startsWith('max servable'))) expect([...l].length, l).toBeLessThanOrEqual(columns - 1);
  });

  it('at 80 columns the live line keeps p99 and the error rate; the step lines the verdict and the start of the reason', () => {
    const { res, evs } = wideRun();
    const { lines, live } = onTty(80, res, evs);
    expect(live.at(-1)).toBe('step 4/≤15 refine 1250 rps  ██░░░ 6s left  → 1216 rps  p99 854ms  err 5.04%');
    expect(lines.filter((l) => l.startsWith('step '))).toEqual([
      'step  1    1000 rps  p99   183ms  err     0%  ✓ pass',
      'step  2    2000 rps  p99   854ms  err     0%  ✗ fail  p99 < 250ms (was 854ms),…',
      'step  3    1500 rps  p99   509ms  err     0%  ? inconclusive  generator limite…',
      'step  4    1250 rps  p99   200ms  err     0%  ✓ pass',
    ]);
    expect(lines).toContain('plan: 100 rps → 1000 rps (+100 rps), 4s steps (1s warm-up), refine to 5%;');
    expect(lines).toContain('  at most 15 steps, ≤ 2m30s');
    const table = lines.slice(lines.findIndex((l) => l.startsWith('load rps')));
    // step and p50 dropped so that the reasons keep 30 columns
    expect(table[0]).toBe('load rps  achieved    p99  errors  verdict       breached / why');
    expect(table[4]).toBe('    1500      1500  509ms      0%  inconclusive  generator limited: send lag p…');
  });

  it('at 120 columns the step lines are whole, as in a CI log, and only a long reason is cut', () => {
    const { res, evs } = wideRun();
    const { lines, live } = onTty(120, res, evs);
    expect(live.at(-1)).toBe('step 4/≤15 refine 1250 rps  ████░░░░░░ 6s left (run ≤1m56s)  offered 1250 → 1216 rps  p50 213ms p99 854ms  err 5.04%');
    const stepLines = lines.filter((l) => l.startsWith('step '));
    expect(stepLines[1]).toBe('step  2  ramp      2000 rps  achieved   2000  p50  20.0ms  p99   854ms  err     0%  ✗ fail  p99 < 250ms (was 854ms), e…');
    expect(stepLines[3]).toBe('step  4  refine    1250 rps  achieved   1250  p50  20.0ms  p99   200ms  err     0%  ✓ pass');
    expect(lines.find((l) => l.startsWith('load rps'))).toBe('load rps  achieved     p50    p99  errors  step      verdict       breached / why');
  });

  it('not on a TTY: full lines whatever the width', () => {
    const { res, evs } = wideRun();
    let text = '';
    const r = createTerminalReporter({ stream: { isTTY: false, columns: 80, write: (s: string) => (text += s) } as never });
    for (const e of evs) r.listener(e);
    r.finish(res);
    expect(text).toContain('  ? inconclusive  generator limited: send lag p99 48ms > 10ms (the machine is too busy to keep the schedule)\n');
  });
});

describe('terminal reporter on a narrow TTY', () => {
  it('cuts the live line to the width so \\r can redraw it', () => {
    let text = '';
    const r = createTerminalReporter({ redrawMs: 0, stream: { isTTY: true, columns: 30, write: (s: string) => (text += s) } as never });
    r.listener({ type: 'run-start', scenario, startedAt: '', plannedSteps: 3, worstCaseMs: 1 });
    r.listener({ type: 'step-start', index: 0, level: 100, phase: 'ramp', description: '100 rps', durationMs: 4000 });
    const live = text.split('\r\x1b[2K').at(-1)!;
    // narrower than the narrowest layout: plain text, cut
    expect(live).toBe('step 1/≤3 ramp   100 rps  4s…');
    expect(live).not.toContain(ESC);
  });
});

describe('stepLatency', () => {
  const empty = summarize(createHistogram());
  it.each([
    ['from the metric map', { metrics: { p99: 12 }, latencyMs: empty }, 12],
    ['from the histogram when the map lacks it', { metrics: {}, latencyMs: { ...empty, count: 5, p99: 7 } }, 7],
    ['unmeasured (live source without percentiles) is not 0 ms', { metrics: { mean_latency: 40 }, latencyMs: empty }, undefined],
  ])('%s', (_name, step, expected) => {
    expect(stepLatency(step, 'p99')).toBe(expected);
    expect(fmtMs(stepLatency(step, 'p99'))).toBe(expected === undefined ? '–' : fmtMs(expected));
  });
});
