// `loadtest run` flags → run options: gate tolerances and rates are parsed once, bad values are
// usage errors naming the flag.
import { describe, expect, it } from 'vitest';
import { runOptionsFromFlags } from '../../src/cli/commands/run.js';
import { UsageError } from '../../src/errors.js';

describe('run flags', () => {
  it.each([
    [{ maxRegression: '10%' }, { maxRegression: 0.1 }],
    [{ maxRegression: '0.05' }, { maxRegression: 0.05 }],
    [{ maxLatencyRegression: '25%' }, { maxLatencyRegression: 0.25 }],
    [{ expectMin: '400' }, { expectMin: 400 }],
    [{ baseline: 'b.json', junit: 'j.xml' }, { baseline: 'b.json', junit: 'j.xml' }],
  ])('%j → %j', (flags, expected) => {
    expect(runOptionsFromFlags(flags)).toMatchObject(expected);
  });

  it.each([
    [{ maxRegression: 'ten' }, '--max-regression'],
    [{ maxLatencyRegression: '150%' }, '--max-latency-regression'],
    [{ expectMin: '-3' }, '--expect-min'],
  ])('%j is a usage error naming %s', (flags, flag) => {
    expect(() => runOptionsFromFlags(flags)).toThrow(UsageError);
    expect(() => runOptionsFromFlags(flags)).toThrow(flag);
  });
});
