// Data feeders alone: what opening a 1,000,000-row file costs (time, memory) and what one use
// costs — next() plus reading one column, as text (value), as a view (bytes) or copied into a
// reused buffer (write) — per order, for CSV and JSON Lines. Dev-only, not a test:
//   npx tsc -p tsconfig.json && node test/bench/feeder-cost.mjs [rows] [runs]
// Prints ns per use for each run and the median. The figures move with the machine's load.
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 5);
const USES = 2_000_000;
const { openFeeder } = await import(pathToFileURL(resolve('dist/workload/data/feeder.js')).href);

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const used = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
};

const dir = mkdtempSync(join(tmpdir(), 'feeder-bench-'));
function write(name, header, line) {
  const file = join(dir, name);
  const fd = openSync(file, 'w');
  if (header) writeSync(fd, header);
  for (let i = 0; i < ROWS; i += 10_000) {
    let piece = '';
    for (let j = i; j < Math.min(ROWS, i + 10_000); j++) piece += line(j);
    writeSync(fd, piece);
  }
  closeSync(fd);
  return file;
}
const files = {
  csv: write('users.csv', 'id,email,name\n', (i) => `${i},user${i}@example.com,"Last, First ${i}"\n`),
  jsonl: write('users.jsonl', '', (i) => `{"id":${i},"email":"user${i}@example.com","name":"Last, First ${i}"}\n`),
};

const mb = (x) => `${(x / 1e6).toFixed(1)} MB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
let sink = 0;
const out = new Uint8Array(4096);

try {
  for (const format of ['csv', 'jsonl']) {
    const file = files[format];
    const before = used();
    const t0 = process.hrtime.bigint();
    const f = openFeeder({ name: 'users', format, file, order: 'sequential' });
    const openMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const share = f.share();
    // The shared buffers are exact; the process figure (after a full GC) also holds the scan's
    // transient offset arrays when the collector has not yet returned them.
    const held = share.table.bytes.byteLength + share.table.rowStarts.byteLength;
    console.log(`${format}: ${ROWS} rows, file ${mb(statSync(file).size)}; open (read + check every row) ${openMs.toFixed(0)} ms; held ${mb(held)} (bytes + row offsets); process +${mb(used() - before)}`);
    const email = f.column('email');
    const cases = [
      ['sequential  next+value', 'sequential', (g) => { const r = g.next(); sink += g.value(r, email).length; }],
      ['random      next+value', 'random', (g) => { const r = g.next(); sink += g.value(r, email).length; }],
      ['unique      next+value', 'unique', (g) => { const r = g.next(); if (r >= 0) sink += g.value(r, email).length; }],
      ['sequential  next+bytes', 'sequential', (g) => { const r = g.next(); sink += g.bytes(r, email).length; }],
      ['sequential  next+write', 'sequential', (g) => { const r = g.next(); sink += g.write(r, email, out, 100); }],
      ['sequential  next only ', 'sequential', (g) => { sink += g.next(); }],
    ];
    const { attachFeeder } = await import(pathToFileURL(resolve('dist/workload/data/feeder.js')).href);
    for (const [label, order, use] of cases) {
      const ns = [];
      for (let run = 0; run < RUNS; run++) {
        // A fresh cursor per run: unique must not run dry (uses ≤ rows is not guaranteed, so it is capped below).
        const g = attachFeeder({ ...share, order, cursor: new SharedArrayBuffer(4) }, { seed: run + 1 });
        const n = order === 'unique' ? Math.min(USES, ROWS) : USES;
        const t = process.hrtime.bigint();
        for (let i = 0; i < n; i++) use(g);
        ns.push(Number(process.hrtime.bigint() - t) / n);
      }
      console.log(`  ${label}: ${ns.map((x) => x.toFixed(0)).join(' ')} ns/use, median ${median(ns).toFixed(0)}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (sink === 0.5) console.log(sink);
