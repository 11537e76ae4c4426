// `npm run validate-decisions` flags: parsed into options, a bad one is one clear line, --help lists
// every case by name.
import { describe, expect, it } from 'vitest';
import { allCases, gateCases } from '../../src/simulator/cases.js';
import { parseArgs, usage } from '../../src/simulator/main.js';

describe('validate-decisions flags', () => {
  it.each([
    [[], { seeds: 1000, cases: [], noise: false, misses: false, help: false, plan: 'default' }],
    [['--seeds', '50', '--case', 'mmc-poisson', '--case', 'gate-mmc'], { seeds: 50, cases: ['mmc-poisson', 'gate-mmc'] }],
    [['--plan', 'ci', '--noise', '--misses'], { plan: 'ci', noise: true, misses: true }],
    [['--help'], { help: true }],
    [['-h'], { help: true }],
  ])('%j', (argv, expected) => {
    expect(parseArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [['--seeds', '0'], /^--seeds: expected a whole number ≥ 1, found '0'$/],
    [['--seeds'], /^--seeds: expected a whole number ≥ 1, found ''$/],
    [['--case', 'nope'], /^--case: expected one of mmc-poisson, .*, found 'nope'$/],
    [['--plan', 'fast'], /^--plan: expected one of default, ci, found 'fast'$/],
    [['--list'], /^unknown flag '--list' \(flags: .*--help\)$/],
  ])('%j is refused in one line', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('--help names every case', () => {
    const text = usage();
    for (const c of [...allCases(), ...gateCases()]) expect(text).toContain(c.name);
    expect(text).toMatch(/^usage: npm run validate-decisions -- /);
  });
});
