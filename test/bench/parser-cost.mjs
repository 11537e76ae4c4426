// The lean client's response parser alone, on a fixed workload: typical keep-alive responses
// (nginx-style content-length, node:http-style content-length and chunked), each parsed from a
// reused read buffer as the pool does (begin, then one execute per read). Dev-only, not a test:
//   npx tsc -p tsconfig.json && node test/bench/parser-cost.mjs [parser module] [responses] [runs]
// Prints ns/response per run and the median. The figure moves with the machine's load; for an
// exact, repeatable count run one short pass under `valgrind --tool=callgrind` and compare Ir.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const modPath = resolve(process.argv[2] ?? 'dist/traffic/generator/http1-response-parser.js');
const N = Number(process.argv[3] ?? 1_000_000);
const RUNS = Number(process.argv[4] ?? 5);
const { ResponseParser } = await import(pathToFileURL(modPath).href);

const date = 'Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n';
const body100 = 'x'.repeat(100);
const responses = [
  `HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\n${date}Content-Type: application/json\r\nContent-Length: 100\r\nConnection: keep-alive\r\n\r\n${body100}`,
  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n${date}Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n${body100}\r\n0\r\n\r\n`,
  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n${date}Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nok`,
];
// One 64 KiB read buffer per "connection", as the pool keeps; stale bytes past each read's end.
const reads = responses.map((r) => {
  const buf = Buffer.alloc(64 * 1024, 0x0d);
  const n = buf.write(r, 0, 'latin1');
  return { buf, n };
});

const p = new ResponseParser();
let sink = 0;
function pass(count) {
  for (let i = 0; i < count; i++) {
    const { buf, n } = reads[i % 3];
    p.begin(false);
    const end = p.execute(buf, 0, n);
    if (end !== n) throw new Error(`response ${i % 3} framed at ${end}, expected ${n}: ${p.error?.message}`);
    sink += p.status + p.bodyBytes;
  }
}

pass(Math.min(N, 200_000)); // warm-up: optimized code before timing
const results = [];
for (let run = 0; run < RUNS; run++) {
  const t0 = process.hrtime.bigint();
  pass(N);
  const ns = Number(process.hrtime.bigint() - t0) / N;
  results.push(ns);
  console.log(`run ${run + 1}: ${ns.toFixed(1)} ns/response`);
}
results.sort((a, b) => a - b);
console.log(`median of ${RUNS}: ${results[Math.floor(RUNS / 2)].toFixed(1)} ns/response (${N} responses per run, checksum ${sink})`);
