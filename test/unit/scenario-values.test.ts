// Value syntaxes of scenario files (durations, percentages, loads, status ranges, targets),
// "did you mean", and the named load rules and ramp: pure functions, tested by table.
import { describe, expect, it } from 'vitest';
import { parseDuration, parseLoad, parsePercent, parseStatusRange, parseTarget } from '../../src/scenario/values.js';
import { closest, editDistance } from '../../src/scenario/did-you-mean.js';
import { applyRules, LOAD_RULES, type LoadDraft } from '../../src/scenario/rules.js';
import { MAX_RAMP_STEPS, rampLevels } from '../../src/scenario/ramp.js';

const value = <T>(r: { ok: true; value: T } | { ok: false; error: string }) => (r.ok ? r.value : `error: ${r.error}`);

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['20s', 20_000],
    ['1.5s', 1500],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['0s', 0],
    [' 5s ', 5000],
  ])('%s → %d ms', (v, ms) => expect(value(parseDuration(v))).toBe(ms));
  it.each([
    [20, 'error: expected a duration such as 500ms, 20s, 1.5s, 1m or 1m30s, found the bare number 20 (add a unit: 20s?)'],
    ['20', "error: expected a duration such as 500ms, 20s, 1.5s, 1m or 1m30s, found '20'"],
    ['5 secs', "error: expected a duration such as 500ms, 20s, 1.5s, 1m or 1m30s, found '5 secs'"],
    ['-1s', "error: expected a duration such as 500ms, 20s, 1.5s, 1m or 1m30s, found '-1s'"],
    ['1m30', "error: expected a duration such as 500ms, 20s, 1.5s, 1m or 1m30s, found '1m30'"],
    [null, 'error: expected a duration such as 500ms, 20s, 1.5s, 1m or 1m30s'],
  ])('%j is rejected', (v, msg) => expect(value(parseDuration(v))).toBe(msg));
});

describe('parsePercent', () => {
  it.each([
    ['5%', {}, 0.05],
    ['0.5%', {}, 0.005],
    ['100%', {}, 1],
    [0.05, {}, 0.05],
    [1, {}, 1],
    ['0%', { allowZero: true }, 0],
    ['150%', { max: 1000 }, 1.5],
  ])('%j %j → %d', (v, opts, f) => expect(value(parsePercent(v, opts))).toBeCloseTo(f as number, 12));
  it.each([
    ['0%', {}, 'error: expected a percentage more than 0 and at most 100%, found 0%'],
    ['101%', {}, 'error: expected a percentage more than 0 and at most 100%, found 101%'],
    [5, {}, 'error: a bare number is a fraction (0.05 = 5%), and 5 > 1; did you mean 5%?'],
    ['five', {}, "error: expected a percentage such as 5% or 0.5%, found 'five'"],
    ['-5%', {}, "error: expected a percentage more than 0 and at most 100%, found '-5%'"],
    [true, {}, 'error: expected a percentage such as 5% or 0.5%, found true'],
  ])('%j is rejected', (v, opts, msg) => expect(value(parsePercent(v, opts))).toBe(msg));
});

describe('parseLoad', () => {
  it.each([
    [100, 'rps', 100],
    ['100rps', 'rps', 100],
    ['100/s', 'rps', 100],
    ['0.5', 'rps', 0.5],
    ['1x', 'share', 1],
    ['1.5x', 'share', 1.5],
    [' 2 x ', 'share', 2],
  ] as const)('%j (%s) → %d', (v, unit, n) => expect(value(parseLoad(v, unit))).toBe(n));
  it.each([
    ['1x', 'rps', "error: '1x' is a multiple of the fair share, which is for shift mode; generate mode takes requests/s such as 100 (or 100rps)"],
    [100, 'share', 'error: 100 is requests/s, but shift mode takes a multiple of the fair share such as 1x or 1.5x'],
    [0, 'rps', 'error: must be more than 0, found 0'],
    ['-1x', 'share', 'error: must be more than 0, found -1x'],
    ['lots', 'rps', "error: expected requests/s such as 100 (or 100rps), found 'lots'"],
    [Infinity, 'rps', 'error: expected requests/s such as 100 (or 100rps), found the number Infinity'],
  ] as const)('%j (%s) is rejected', (v, unit, msg) => expect(value(parseLoad(v, unit))).toBe(msg));
});

describe('parseStatusRange', () => {
  it.each([
    [500, [500, 500]],
    ['429', [429, 429]],
    ['400-404', [400, 404]],
    ['>=500', [500, 599]],
    ['>499', [500, 599]],
    ['<=399', [100, 399]],
    ['<400', [100, 399]],
    ['5xx', [500, 599]],
    ['4XX', [400, 499]],
  ])('%j → %j', (v, r) => expect(value(parseStatusRange(v))).toEqual(r));
  it.each([600, '404-400', '>=700', 'server errors', '6xx', null])('%j is rejected', (v) => {
    expect(String(value(parseStatusRange(v)))).toMatch(/^error: /);
  });
});

describe('parseTarget', () => {
  it.each([
    ['http://127.0.0.1:8080', { origin: 'http://127.0.0.1:8080' }],
    ['http://127.0.0.1:8080/', { origin: 'http://127.0.0.1:8080' }],
    ['https://example.test', { origin: 'https://example.test' }],
    ['http://[::1]:3000', { origin: 'http://[::1]:3000' }],
    ['http://u:p%40ss@localhost:1', { origin: 'http://localhost:1', username: 'u', password: 'p@ss' }],
  ])('%s', (v, t) => expect(value(parseTarget(v))).toEqual(t));
  it.each([
    ['http://h/api', "error: the target is an origin without a path; put '/api' in traffic.requests[].path instead"],
    ['http://h/?q=1', "error: the target is an origin without a path; put '/?q=1' in traffic.requests[].path instead"],
    ['ftp://h', "error: expected an http:// or https:// origin, found 'ftp:' in 'ftp://h'"],
    ['localhost:8080', "error: expected an http:// or https:// origin, found 'localhost:' in 'localhost:8080'"],
    ['not a url', "error: expected an origin such as http://127.0.0.1:8080, found 'not a url'"],
  ])('%s is rejected', (v, msg) => expect(value(parseTarget(v))).toBe(msg));
});

describe('did you mean', () => {
  it.each([
    ['stpe', 'step'],
    ['warmpu', 'warmup'],
    ['stepDuration', 'step_duration'],
    ['step-duration', 'step_duration'],
    ['maxInFlight', 'max_in_flight'],
    ['STEP', 'step'],
    ['url', undefined],
    ['b', undefined],
    ['zzzzzz', undefined],
  ])('%s → %s', (w, want) => expect(closest(w, ['step', 'warmup', 'step_duration', 'max_in_flight', 'path', 'a'])).toBe(want));
  it('counts an adjacent swap as one edit', () => {
    expect(editDistance('stpe', 'step')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('load rules', () => {
  const base: LoadDraft = { unit: 'rps', start: 10, step: 10, max: 100, stepDurationMs: 20_000, warmupMs: 5_000 };
  it.each([
    ['valid', {}, []],
    ['step and factor', { factor: 1.5 }, ['step-and-factor-exclusive']],
    ['max below start', { max: 5 }, ['max-at-least-start']],
    ['warmup equal to step', { warmupMs: 20_000 }, ['warmup-shorter-than-step']],
    ['windows do not fit', { windowMs: 10_000, persist: 2 }, ['window-fits-judged-time']],
    ['windows fit', { windowMs: 5_000, persist: 3 }, []],
    ['ramp too long', { step: 1, max: 5000 }, ['ramp-not-too-long']],
    ['start below 1 rps', { start: 0.4 }, ['levels-above-resolution']],
    ['step below 1 rps', { step: 0.5 }, ['levels-above-resolution']],
    ['share levels to the hundredth', { unit: 'share', start: 0.01, step: 0.01, max: 2 }, []],
    ['share below a hundredth', { unit: 'share', start: 0.001, step: 0.5, max: 2 }, ['levels-above-resolution']],
    ['unknown values skip rules', { start: undefined, warmupMs: undefined }, []],
  ] as const)('%s', (_n, patch, broken) => {
    expect(applyRules(LOAD_RULES, { ...base, ...patch }).map((b) => b.rule)).toEqual(broken);
  });
});

describe('rampLevels', () => {
  it.each([
    [{ start: 100, step: 100, max: 500 }, [100, 200, 300, 400, 500]],
    [{ start: 100, step: 150, max: 500 }, [100, 250, 400, 500]],
    [{ start: 20, factor: 1.5, max: 100 }, [20, 30, 45, 67.5, 100]],
    [{ start: 1, step: 0.1, max: 1.3 }, [1, 1.1, 1.2, 1.3]],
    [{ start: 5, step: 1, max: 5 }, [5]],
    [{ start: 5, step: 1, max: 4 }, []],
  ])('%j', (load, levels) => expect(rampLevels(load)).toEqual(levels));
  it('stops counting past the cap', () => {
    expect(rampLevels({ start: 1, step: 1, max: 1e9 }).length).toBe(MAX_RAMP_STEPS + 1);
  });
});
