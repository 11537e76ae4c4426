// Benchmark child: runs our generator (from dist/) in its own process, so the parent can pin it
// to a core with taskset and measure it alone. Driven over IPC: {type:'step', ...} → {type:'result', ...}.
import { performance } from 'node:perf_hooks';
import { createGenerator } from '../../dist/traffic/generator/generator.js';
import { parseTemplate } from '../../dist/workload/template-parser.js';
import { EMPTY_SCOPE } from '../../dist/workload/template-scope.js';
import { scanDataFile } from '../../dist/workload/data/feeder.js';
import { dataScope } from '../../dist/workload/data/data-scope.js';

const [target, connections, workers] = [process.argv[2], Number(process.argv[3] ?? 50), process.argv[4] ?? '1'];
/** Optional health thresholds (JSON), e.g. relaxed ones for a noisy shared machine. */
const thresholds = process.argv[5] ? JSON.parse(process.argv[5]) : undefined;
/** A request path template to send instead of the static `/` (the templated-vs-static case). */
const template = process.env.LOADTEST_BENCH_PATH_TEMPLATE;
/** A CSV the template's `{{ users.… }}` columns read (sequential order: it never runs out). */
const dataFile = process.env.LOADTEST_BENCH_DATA_CSV;
const data = {};
if (dataFile) {
  const scanned = scanDataFile('csv', dataFile);
  if (!scanned.ok) throw new Error(JSON.stringify(scanned.problems));
  data.users = { name: 'users', format: 'csv', file: dataFile, order: 'sequential', columns: scanned.table.columns, rows: scanned.table.rows };
}
const request = { name: 'get', method: 'GET', path: '/', headers: {}, weight: 1 };
if (template) {
  const { parts, problems } = parseTemplate(template, dataFile ? dataScope(data) : EMPTY_SCOPE);
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
  Object.assign(request, { path: template, template: { path: parts } });
}
/** 2-step sessions (`/?step=1` then `/?step=2`, no think time) instead of single requests: the rate is then sessions/s. */
const sessions = process.env.LOADTEST_BENCH_SESSIONS === '1';
const requests = sessions
  ? [
      { name: 'one', method: 'GET', path: '/?step=1', headers: {}, weight: 1 },
      { name: 'two', method: 'GET', path: '/?step=2', headers: {}, weight: 1 },
    ]
  : [request];
const spec = {
  kind: 'generate',
  target,
  requests,
  ...(sessions ? { sessions: [{ name: 's', weight: 1, steps: [{ request: 0, captures: [] }, { request: 1, captures: [] }] }] } : {}),
  arrival: 'uniform',
  maxInFlight: 100_000,
  timeoutMs: 5000,
  connections,
  workers: workers === 'auto' ? 'auto' : Number(workers),
  errorStatuses: [[500, 599]],
  insecure: false,
  // The HTTP client under test (`lean` unless the parent asks for undici, to measure both in one run).
  client: process.env.LOADTEST_BENCH_CLIENT ?? 'lean',
};
const gen = createGenerator(spec, { thresholds, data });
await gen.prepare(new AbortController().signal);

process.on('message', async (m) => {
  if (m.type === 'close') {
    await gen.close();
    process.disconnect();
    return;
  }
  if (m.type !== 'step') return;
  // Progress snapshots every ~500 ms: responses so far (for per-second counts) and RSS at given times.
  const snaps = [];
  const rssAt = [...(m.rssAtMs ?? [])];
  const rss = [];
  const t0 = performance.now();
  const s = await gen.runStep({
    index: 0,
    level: m.rate,
    durationMs: m.durationMs,
    warmupMs: m.warmupMs,
    signal: new AbortController().signal,
    onProgress: (p) => {
      snaps.push({ t: p.elapsedMs, completed: Math.round(p.achievedRps * (p.elapsedMs / 1000)) });
      while (rssAt.length > 0 && p.elapsedMs >= rssAt[0]) {
        rss.push({ atMs: rssAt.shift(), rssMb: process.memoryUsage().rss / 1e6, heapMb: process.memoryUsage().heapUsed / 1e6 });
      }
    },
  });
  // Per-second response counts inside the judged window, from snapshots about 1 s apart.
  const perSecond = [];
  const inWindow = snaps.filter((x) => x.t >= m.warmupMs && x.t <= m.durationMs);
  // Responses per second by completion time across the judged window (StepStats counts by intended
  // send time and waits for stragglers, so its achieved rate cannot show a generator falling behind).
  const first = inWindow[0];
  const last = inWindow[inWindow.length - 1];
  const windowRps = first && last && last.t > first.t ? ((last.completed - first.completed) * 1000) / (last.t - first.t) : NaN;
  for (let i = 2; i < inWindow.length; i += 2) {
    const a = inWindow[i - 2];
    const b = inWindow[i];
    perSecond.push(((b.completed - a.completed) * 1000) / (b.t - a.t));
  }
  process.send({
    type: 'result',
    wallMs: performance.now() - t0,
    rate: m.rate,
    offeredRps: s.offeredRps,
    achievedRps: s.achievedRps,
    sent: s.sent,
    errorCount: s.errorCount,
    errors: s.errors,
    latencyMs: s.latencyMs,
    latencyUncorrectedMs: s.latencyUncorrectedMs,
    generator: s.generator,
    perSecond,
    windowRps,
    rss,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    rssMb: process.memoryUsage().rss / 1e6,
  });
});
process.send({ type: 'ready' });
