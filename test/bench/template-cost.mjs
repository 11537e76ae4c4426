// Filling a templated request alone, as the lean client does per send (renderWire into a reused
// buffer, then the subarray it writes), on a fixed template. Dev-only, not a test:
//   npx tsc -p tsconfig.json && node test/bench/template-cost.mjs [template] [requests] [runs]
// Prints ns/request per run and the median: what a template adds to a send, next to the
// generator's whole CPU per request (`npm run bench -- --only templates`). Moves with the machine's load.
import { parseTemplate } from '../../dist/workload/template-parser.js';
import { EMPTY_SCOPE } from '../../dist/workload/template-scope.js';
import { compileTemplatedRequest } from '../../dist/traffic/generator/http1-request.js';
import { renderWire } from '../../dist/workload/request-template.js';
import { createTemplateRuntime, OutBuffer } from '../../dist/workload/byte-template.js';
import { SeqSource } from '../../dist/workload/random-source.js';

const path = process.argv[2] ?? '/r/{{ seq }}?u={{ random.int(1, 1000000) }}';
const N = Number(process.argv[3] ?? 2_000_000);
const RUNS = Number(process.argv[4] ?? 5);
const { parts, problems } = parseTemplate(path, EMPTY_SCOPE);
if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
const w = compileTemplatedRequest(new URL('http://127.0.0.1:8080'), { name: 't', method: 'GET', path, headers: {}, weight: 1, template: { path: parts } });
const rt = createTemplateRuntime(new SeqSource());
const out = new OutBuffer();
const scratch = new OutBuffer();
let bytes = 0;
const ns = [];
for (let r = 0; r < RUNS + 1; r++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) bytes += out.buf.subarray(0, renderWire(w, out, scratch, rt)).length;
  // The first run warms the JIT and is not counted.
  if (r > 0) ns.push(Number(process.hrtime.bigint() - t) / N);
}
ns.sort((a, b) => a - b);
console.log(`${path}: ${ns.map((x) => x.toFixed(0)).join(', ')} ns/request; median ${ns[ns.length >> 1].toFixed(0)} ns (${(bytes / N / (RUNS + 1)).toFixed(0)} bytes each)`);
