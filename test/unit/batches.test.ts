// The judged window in slices: counts per slice by intended time, merged across threads and over the wire.
import { describe, expect, it } from 'vitest';
import { Batches, BATCHES } from '../../src/traffic/generator/batches.js';
import { StepRecorder } from '../../src/traffic/generator/step-recorder.js';

/** A slice array with `values` at the given slice indexes (negative: from the end), zeros elsewhere. */
const at = (values: Record<number, number>): number[] => {
  const out = new Array<number>(BATCHES).fill(0);
  for (const [i, v] of Object.entries(values)) out[(Number(i) + BATCHES) % BATCHES] = v;
  return out;
};

describe('Batches', () => {
  it('counts finished requests, errors, latencies and exceedances per slice of the window', () => {
    const slice = 1000 / BATCHES;
    const b = new Batches([100]);
    b.window(1000, 1000); // BATCHES slices from t = 1000
    b.add(1000 + slice / 2, false, 20_000); // slice 0, 20 ms
    b.add(1000 + 1.5 * slice, true, 150_000); // slice 1, an error of 150 ms (above 100)
    b.add(1999, true, -1); // the last slice, a transport error without latency
    b.add(5000, false, 30_000); // past the end: the last slice
    expect(Array.from(b.finished)).toEqual(at({ 0: 1, 1: 1, [-1]: 2 }));
    expect(Array.from(b.errors)).toEqual(at({ 1: 1, [-1]: 1 }));
    expect(Array.from(b.latencyN)).toEqual(at({ 0: 1, 1: 1, [-1]: 1 }));
    expect(Array.from(b.above)).toEqual(at({ 1: 1 }));
    expect(b.latencySumMs[1]).toBe(150);
  });

  it('merges across threads and survives the wire (worker threads)', () => {
    const a = new StepRecorder(1, [100]);
    a.batches.window(0, 1000);
    a.response(true, 0, 200, false, 1, 120_000, 100_000, 1); // the first slice
    const w = new StepRecorder(1, [100]);
    w.batches.window(0, 1000);
    w.response(true, 0, 503, true, 1, 5000, 4000, 999); // the last slice
    const merged = new StepRecorder(1);
    merged.mergeFrom(StepRecorder.fromWire(a.toWire()));
    merged.mergeFrom(StepRecorder.fromWire(w.toWire()));
    expect(Array.from(merged.batches.finished)).toEqual(at({ 0: 1, [-1]: 1 }));
    expect(Array.from(merged.batches.errors)).toEqual(at({ [-1]: 1 }));
    expect(merged.batches.thresholdsMs).toEqual([100]);
    expect(merged.batches.above[0]).toBe(1);
    expect(merged.batches.finished).toHaveLength(BATCHES);
  });

  it('without a window, counts nothing (a recorder used outside a step)', () => {
    const b = new Batches();
    b.add(10, true, 1);
    expect(b.counted).toBe(false);
  });
});
