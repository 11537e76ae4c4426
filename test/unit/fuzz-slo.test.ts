// Bad-input fuzzing of the SLO parser: any string parses into a rule with a finite, non-negative
// threshold or throws an SloSyntaxError whose column lies inside the input — nothing else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSlo, SloSyntaxError } from '../../src/slo/parse.js';

function check(text: string): void {
  try {
    const r = parseSlo(text);
    expect(Number.isFinite(r.threshold) && r.threshold >= 0).toBe(true);
    expect(['<', '<=', '>', '>=']).toContain(r.op);
  } catch (e) {
    if (!(e instanceof SloSyntaxError)) throw new Error(`not an SloSyntaxError for ${JSON.stringify(text)}: ${(e as Error).stack}`);
    expect(e.column).toBeGreaterThanOrEqual(0);
    expect(e.column).toBeLessThanOrEqual(Math.max(text.length, 0));
    expect(e.message).toContain(`"${text}"`); // every error quotes the input
  }
}

describe('fuzz: parseSlo never crashes', () => {
  it('arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), check), { numRuns: 1000, seed: 5 });
  });
  it('near-misses built from the grammar', () => {
    const tok = fc.constantFrom('control.', 'p99', 'p9', 'mean', 'error_rate', '{', '}', 'buy', ' ', '<', '<=', '>', '=', '!', '250', '.5', '-', '1e3', 'ms', 's', '%', 'µs', 'x', '\n');
    fc.assert(fc.property(fc.array(tok, { maxLength: 8 }), (ts) => check(ts.join(''))), { numRuns: 2000, seed: 6 });
  });
});
