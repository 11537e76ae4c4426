// Feeders: the three orders, `unique` across two real worker_threads (each row once, none lost),
// the stop line, and the memory a 1,000,000-row file costs once opened.
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { attachFeeder, DataFileError, exhaustedMessage, openFeeder, type Feeder, type FeederSpec } from '../../src/workload/data/feeder.js';
import type { DataOrder } from '../../src/scenario/scenario.js';
import { transpileSrc } from '../helpers/transpile-src.js';

const dir = mkdtempSync(join(tmpdir(), 'loadtest-feeder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CSV file `id,email` with rows 0..n-1; returns its spec. */
function idsCsv(n: number, order: DataOrder, name = 'users'): FeederSpec {
  const file = join(dir, `${name}-${n}.csv`);
  const lines = ['id,email'];
  for (let i = 0; i < n; i++) lines.push(`${i},u${i}@example.com`);
  writeFileSync(file, lines.join('\n') + '\n');
  return { name, format: 'csv', file, order };
}

const take = (f: Feeder, n: number) => Array.from({ length: n }, () => f.next());

describe('orders', () => {
  it('sequential: file order, wrapping around', () => {
    const f = openFeeder(idsCsv(3, 'sequential'));
    expect(take(f, 7)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(f.value(2, f.column('email'))).toBe('u2@example.com');
  });

  it('sequential: one cursor for every attached feeder (the run walks the file once per lap)', () => {
    const a = openFeeder(idsCsv(4, 'sequential'));
    const b = attachFeeder(a.share());
    expect([a.next(), b.next(), b.next(), a.next(), b.next()]).toEqual([0, 1, 2, 3, 0]);
  });

  it('random: repeatable from its seed, with replacement, uniform (chi-square, 10 rows × 100,000 draws)', () => {
    const spec = idsCsv(10, 'random');
    expect(take(openFeeder(spec, { seed: 7 }), 20)).toEqual(take(openFeeder(spec, { seed: 7 }), 20));
    expect(take(openFeeder(spec, { seed: 7 }), 20)).not.toEqual(take(openFeeder(spec, { seed: 8 }), 20));
    const counts = new Array<number>(10).fill(0);
    const f = openFeeder(spec, { seed: 42 });
    for (let i = 0; i < 100_000; i++) counts[f.next()]!++;
    const chi2 = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    // 9 degrees of freedom: P(chi2 > 27.88) = 0.001 for a uniform draw.
    expect(chi2).toBeLessThan(27.88);
    expect(new Set(take(f, 30)).size).toBeLessThan(30);
  });

  it('random: the PRNG may be passed in', () => {
    let x = 0;
    const f = openFeeder(idsCsv(10, 'random'), { random: () => (x = (x + 0.25) % 1) });
    expect(take(f, 5)).toEqual([2, 5, 7, 0, 2]);
  });

  it('unique: each row once, then -1 for good; the stop line', () => {
    const f = openFeeder(idsCsv(3, 'unique'));
    expect(take(f, 6)).toEqual([0, 1, 2, -1, -1, -1]);
    expect(attachFeeder(f.share()).next()).toBe(-1);
    expect(exhaustedMessage(f)).toBe('data users: all 3 rows used (order: unique); the run stops here');
  });

  it('a file that cannot be used: a DataFileError, one line per problem', () => {
    const file = join(dir, 'ragged.csv');
    writeFileSync(file, 'id,email\n1\n2,b\n');
    let err: unknown;
    try {
      openFeeder({ name: 'users', format: 'csv', file, order: 'unique' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataFileError);
    expect((err as DataFileError).details.map((l) => l.replace(dir, '<tmp>'))).toEqual(['<tmp>/ragged.csv:2: this row has 1 field, the header has 2']);
    expect(() => openFeeder({ name: 'users', format: 'csv', file: join(dir, 'nope.csv'), order: 'unique' })).toThrow(DataFileError);
  });
});

describe('across worker_threads', () => {
  const src = transpileSrc(['workload/data/feeder.ts']);
  afterAll(() => rmSync(src, { recursive: true, force: true }));
  const worker = join(src, 'take-rows.mjs');
  // Each worker attaches the shared feeder, waits for the start signal, then takes rows: until -1
  // (unique) or `count` of them (sequential), checking every row's id column on the way.
  writeFileSync(
    worker,
    `import { parentPort, workerData } from 'node:worker_threads';
const { attachFeeder } = await import(${JSON.stringify(join(src, 'workload/data/feeder.js'))});
const { shared, go, count } = workerData;
const f = attachFeeder(shared, { seed: 1 });
const flag = new Int32Array(go);
Atomics.add(flag, 1, 1);
Atomics.wait(flag, 0, 0);
let rows = new Int32Array(1024), n = 0, wrong = 0;
for (let r; n < count && (r = f.next()) !== -1; n++) {
  if (n === rows.length) { const b = new Int32Array(n * 2); b.set(rows); rows = b; }
  rows[n] = r;
  if (f.value(r, 0) !== String(r)) wrong++;
}
parentPort.postMessage({ rows: rows.slice(0, n), wrong });
`,
  );

  async function runTwo(f: Feeder, count: number): Promise<Array<{ rows: Int32Array; wrong: number }>> {
    const go = new SharedArrayBuffer(8);
    const flag = new Int32Array(go);
    const workers = [0, 1].map(() => new Worker(worker, { workerData: { shared: f.share(), go, count } }));
    try {
      const results = workers.map((w) => new Promise<{ rows: Int32Array; wrong: number }>((res, rej) => (w.once('message', res), w.once('error', rej))));
      // Both attached and waiting, then both released at once: they race for the same cursor.
      while (Atomics.load(flag, 1) < 2) await new Promise((r) => setTimeout(r, 1));
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      return await Promise.all(results);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }

  it('unique: 200,000 rows taken by two threads at once, each exactly once, none lost', async () => {
    const n = 200_000;
    const [a, b] = await runTwo(openFeeder(idsCsv(n, 'unique')), Infinity);
    expect(a!.wrong + b!.wrong).toBe(0);
    expect(a!.rows.length + b!.rows.length).toBe(n);
    const seen = new Uint8Array(n);
    for (const r of [...a!.rows, ...b!.rows]) seen[r]!++;
    expect(seen.every((c) => c === 1)).toBe(true);
    // Both took part (the race is real, not one thread after the other).
    expect(Math.min(a!.rows.length, b!.rows.length)).toBeGreaterThan(0);
  });

  it('sequential: the two threads share one cursor (3 laps of 1,000 rows: each row exactly 3 times)', async () => {
    const [a, b] = await runTwo(openFeeder(idsCsv(1000, 'sequential', 'seq_users')), 1500);
    const counts = new Array<number>(1000).fill(0);
    for (const r of [...a!.rows, ...b!.rows]) counts[r]!++;
    expect(counts.every((c) => c === 3)).toBe(true);
  });
});

describe('memory', () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  /** Live heap + external + array buffers after a full GC (SharedArrayBuffers show in arrayBuffers only, Node 20). */
  const used = () => {
    gc();
    const m = process.memoryUsage();
    return { heap: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, total: m.heapUsed + m.external + m.arrayBuffers };
  };

  it('a 1,000,000-row CSV (~48 MB) costs less than 3× its size once opened, and reading every row adds nothing', () => {
    const file = join(dir, 'million.csv');
    // Written in pieces: one 48 MB string would still be on the heap when the baseline is taken.
    const fd = openSync(file, 'w');
    writeSync(fd, 'id,email,name\n');
    for (let i = 0; i < 1_000_000; i += 10_000) {
      let piece = '';
      for (let j = i; j < i + 10_000; j++) piece += `${j},user${j}@example.com,First Last ${j}\n`;
      writeSync(fd, piece);
    }
    closeSync(fd);
    const size = statSync(file).size;
    const before = used();
    const f = openFeeder({ name: 'users', format: 'csv', file, order: 'unique' });
    const opened = used();
    let sum = 0;
    for (let r; (r = f.next()) !== -1; ) sum += f.value(r, 1).length + f.bytes(r, 2).length;
    const afterAll = used();
    const mb = (x: number) => `${x >= 0 ? '+' : ''}${(x / 1e6).toFixed(1)} MB`;
    console.log(
      `1M-row CSV: file ${(size / 1e6).toFixed(1)} MB; opened: ${mb(opened.total - before.total)} (heap ${mb(opened.heap - before.heap)}, external ${mb(opened.external - before.external)}, arrayBuffers ${mb(opened.arrayBuffers - before.arrayBuffers)}); after reading every row: ${mb(afterAll.total - before.total)}`,
    );
    // Used after the last measurement, so the collector cannot free it before then.
    expect(f.rows).toBe(1_000_000);
    expect(sum).toBeGreaterThan(0);
    expect(opened.total - before.total).toBeLessThan(3 * size);
    expect(afterAll.total - before.total).toBeLessThan(3 * size);
  }, 60_000);
});
