// Dev tool (not part of the suite): the decisions against real servers with the default Poisson
// arrivals, as issue #10's "done when" asks. Starts, on loopback, in a temp dir:
//   - nginx with limit_req (rate R r/s, burst 50, 503 beyond), SLO [error_rate < 1%, p99 < 200ms];
//   - HAProxy with `maxconn 8` in front of the demo service (64 workers × 20 ms: HAProxy's 8
//     connections are the limit, an M/D/8 queue), same SLOs;
// runs `loadtest run` on each N times back to back, then the gate (baseline on 400 r/s; the same,
// 340 and 300 r/s services with --baseline --max-regression 10%), then a generator starved of CPU.
// Prints one line per run and a summary. Needs `npm run build`, nginx, haproxy and taskset.
//
//   node test/validate/real-servers.mjs [--runs 5] [--only nginx,haproxy,gate,starved] [--gate-rates 400,340,300] [--baseline FILE] [--default-steps] [--keep]
// (--keep: leave the temp dir with every run's JSON report; --gate-rates: which services the gate runs judge; --baseline: a kept baseline report instead of a new one;
// --default-steps: 30 s steps with 5 s warm-up, the loader's default, instead of 5 s steps)
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sloCapacity } from '../../dist/demo/slo-capacity.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(arg('--runs', '5'));
const ONLY = new Set(arg('--only', 'nginx,haproxy,gate,starved').split(','));
const KEEP = process.argv.includes('--keep');
// --default-steps: the loader's default step length (30 s, 5 s warm-up), as a user who writes none gets.
const STEPS = process.argv.includes('--default-steps') ? '' : ', step_duration: 5s, warmup: 1s';
const dir = mkdtempSync(join(tmpdir(), 'loadtest-validate-'));
chmodSync(dir, 0o755);
const stops = [];

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function waitUp(url) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not come up`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** nginx serving a small static body; with `rate`, limit_req at that rate (burst 50, nodelay, 503). */
async function startNginx(name, rate) {
  const d = join(dir, name);
  mkdirSync(join(d, 'www'), { recursive: true, mode: 0o755 });
  chmodSync(d, 0o755);
  writeFileSync(join(d, 'www', 'index.html'), 'ok\n');
  const port = await freePort();
  const limit = rate ? `limit_req_zone $binary_remote_addr zone=z:1m rate=${rate}r/s;\n  limit_req_status 503;` : '';
  const use = rate ? 'limit_req zone=z burst=50 nodelay;' : '';
  writeFileSync(
    join(d, 'nginx.conf'),
    `worker_processes 1;\ndaemon off;\npid ${d}/nginx.pid;\nerror_log ${d}/error.log crit;\nevents { worker_connections 8192; }\nhttp {\n  access_log off;\n  keepalive_requests 100000000;\n  ${limit}\n  client_body_temp_path ${d}/b; proxy_temp_path ${d}/p; fastcgi_temp_path ${d}/f; uwsgi_temp_path ${d}/u; scgi_temp_path ${d}/s;\n  server { listen 127.0.0.1:${port}; root ${d}/www; location / { ${use} index index.html; } }\n}\n`,
  );
  const child = spawn('taskset', ['-c', '0', 'nginx', '-c', join(d, 'nginx.conf'), '-p', d, '-e', join(d, 'error.log')], { stdio: 'ignore' });
  stops.push(() => child.kill('SIGQUIT'));
  const url = `http://127.0.0.1:${port}`;
  await waitUp(url + '/');
  return url;
}

async function startDemo(workers, serviceMs) {
  const child = spawn(process.execPath, [join(ROOT, 'dist/demo/demo-server.js'), '--workers', String(workers), '--service-time', `${serviceMs}ms`, '--port', '0'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  stops.push(() => child.kill('SIGTERM'));
  const line = await new Promise((resolve) => child.stdout.once('data', (b) => resolve(String(b))));
  return JSON.parse(line.split('\n')[0]).port;
}

async function startHaproxy(backendPort) {
  const d = join(dir, 'haproxy');
  mkdirSync(d, { recursive: true });
  const port = await freePort();
  writeFileSync(
    join(d, 'haproxy.cfg'),
    `global\n  maxconn 4096\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n  timeout queue 30s\nfrontend fe\n  bind 127.0.0.1:${port}\n  default_backend be\nbackend be\n  server s1 127.0.0.1:${backendPort} maxconn 8\n`,
  );
  const child = spawn('taskset', ['-c', '0', 'haproxy', '-db', '-f', join(d, 'haproxy.cfg')], { stdio: 'ignore' });
  stops.push(() => child.kill('SIGTERM'));
  const url = `http://127.0.0.1:${port}`;
  await waitUp(url + '/');
  return url;
}

function scenario(name, target, refine = '5%') {
  const f = join(dir, `${name}.yaml`);
  writeFileSync(
    f,
    `name: ${name}\ntarget: ${target}\ntraffic:\n  request: { path: / }\n  timeout: 2s\nload: { start: 50, factor: 1.5, max: 2000${STEPS}, refine: ${refine} }\nslo: [error_rate < 1%, p99 < 200ms]\n`,
  );
  return f;
}

/** One `loadtest run`, on core 1 (the servers are on core 0); returns exit code, report and seconds. */
function run(file, json, flags = [], prefix = ['taskset', '-c', '1']) {
  const t0 = Date.now();
  const r = spawnSync(prefix[0], [...prefix.slice(1), process.execPath, join(ROOT, 'bin/loadtest.js'), 'run', file, '--json', json, '--no-progress', ...flags], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const report = JSON.parse(readFileSync(json, 'utf8'));
  return { code: r.status, report, seconds: (Date.now() - t0) / 1000, stdout: r.stdout };
}

function describeRun(label, r, truth) {
  const c = r.report.capacity;
  const b = c.bracket ?? { low: c.maxServableLoad, high: c.firstFailingLoad };
  const inc = r.report.steps.filter((s) => s.verdict === 'inconclusive');
  const contains = truth !== undefined && b.low !== null && b.high !== null ? b.low <= truth && truth < b.high : undefined;
  const err = truth !== undefined && c.maxServableLoad ? ((c.maxServableLoad - truth) / truth) * 100 : NaN;
  console.log(
    `${label}: exit ${r.code}, ${c.verdict}, capacity ${c.maxServableLoad} [${b.low}, ${b.high}) ` +
      `${truth !== undefined ? `truth ${truth.toFixed(0)} ${contains ? 'inside' : 'OUTSIDE'} (${err.toFixed(1)}%)` : ''}, ` +
      `${r.report.steps.length} steps, ${inc.length} inconclusive${inc.length ? ` (${inc.map((s) => `${s.level}: ${s.inconclusiveReasons[0]?.slice(0, 60)}`).join('; ')})` : ''}, ${r.seconds.toFixed(0)} s` +
      (r.report.gate ? `, gate ${r.report.gate.checks.map((k) => `${k.name}=${k.outcome}`).join(' ')}` : ''),
  );
  return { capacity: c.maxServableLoad, contains, inconclusive: inc.length };
}

function summary(label, rows) {
  const caps = rows.map((r) => r.capacity).filter((x) => x !== null);
  const spread = caps.length ? ((Math.max(...caps) - Math.min(...caps)) / Math.min(...caps)) * 100 : NaN;
  console.log(
    `== ${label}: ${rows.filter((r) => r.contains).length}/${rows.length} brackets contain the truth, ${rows.reduce((a, r) => a + r.inconclusive, 0)} inconclusive steps, answers ${Math.min(...caps)}–${Math.max(...caps)} (spread ${spread.toFixed(1)}%)`,
  );
}

/** Truth for nginx limit_req rate r burst 50 under Poisson arrivals, error_rate < 1%: simulated. */
function limitReqTruth(rate, burst = 50) {
  const rejected = (r) => {
    let a = 7;
    const rnd = () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    let t = 0, last = 0, excess = 0, rej = 0;
    const n = 1_000_000;
    for (let i = 0; i < n; i++) {
      t += (-Math.log(1 - rnd()) * 1000) / r;
      const ms = Math.floor(t);
      let e = excess - rate * (ms - last) + 1000;
      if (e < 0) e = 0;
      if (e > burst * 1000) { rej++; continue; }
      excess = e;
      last = ms;
    }
    return rej / n;
  };
  let lo = rate * 0.8, hi = rate * 1.2;
  while (hi - lo > 0.5) {
    const mid = (lo + hi) / 2;
    if (rejected(mid) < 0.01) lo = mid;
    else hi = mid;
  }
  return lo;
}

try {
  if (ONLY.has('nginx')) {
    const url = await startNginx('nginx400', 400);
    const f = scenario('nginx-limit-req', url);
    const truth = limitReqTruth(400);
    const rows = [];
    for (let i = 0; i < RUNS; i++) rows.push(describeRun(`nginx limit_req 400 #${i + 1}`, run(f, join(dir, `nginx-${i}.json`)), truth));
    summary(`nginx limit_req 400 r/s burst 50 (truth ${truth.toFixed(0)})`, rows);
  }
  if (ONLY.has('haproxy')) {
    const backend = await startDemo(64, 20);
    const url = await startHaproxy(backend);
    const f = scenario('haproxy-maxconn', url);
    const truth = sloCapacity(8, 20, [{ quantile: 0.99, thresholdMs: 200 }], 'poisson');
    const rows = [];
    for (let i = 0; i < RUNS; i++) rows.push(describeRun(`haproxy maxconn 8 #${i + 1}`, run(f, join(dir, `haproxy-${i}.json`)), truth));
    summary(`haproxy maxconn 8 over 20 ms (truth ${truth.toFixed(0)}, M/D/8)`, rows);
  }
  if (ONLY.has('gate')) {
    const urls = { 400: await startNginx('gate400', 400), 340: await startNginx('gate340', 340), 300: await startNginx('gate300', 300) };
    // --baseline FILE: judge against a kept baseline report (to compare rules on the same baseline).
    const given = arg('--baseline', undefined);
    const base = given ?? join(dir, 'baseline.json');
    if (!given) describeRun('gate baseline 400', run(scenario('gate', urls[400], '2.5%'), base), limitReqTruth(400));
    const rates = arg('--gate-rates', '400,340,300').split(',').map(Number);
    for (const [rate, times] of [[400, RUNS], [340, RUNS], [300, 2]].filter(([r]) => rates.includes(r))) {
      for (let i = 0; i < times; i++) {
        const r = run(scenario('gate', urls[rate], '2.5%'), join(dir, `gate-${rate}-${i}.json`), ['--baseline', base, '--max-regression', '10%']);
        describeRun(`gate ${rate} vs baseline 400 #${i + 1}`, r, limitReqTruth(rate));
      }
    }
  }
  if (ONLY.has('starved')) {
    const url = await startNginx('plain', 0);
    const f = join(dir, 'starved.yaml');
    writeFileSync(f, `name: starved\ntarget: ${url}\ntraffic:\n  request: { path: / }\nload: { start: 20000, factor: 2, max: 40000, step_duration: 5s }\nslo: [p99 < 50ms, error_rate < 1%]\n`);
    const busy = [0, 1].map(() => spawn('taskset', ['-c', '1', process.execPath, '-e', 'const end = Date.now() + 120000; while (Date.now() < end) {}'], { stdio: 'ignore' }));
    stops.push(() => busy.forEach((b) => b.kill('SIGKILL')));
    const r = run(f, join(dir, 'starved.json'));
    describeRun('starved generator (2 busy loops on its core) vs plain nginx', r);
    console.log(r.stdout.split('\n').filter((l) => /trustworthy|max servable/.test(l)).join('\n'));
    busy.forEach((b) => b.kill('SIGKILL'));
  }
} finally {
  for (const s of stops) s();
  await new Promise((r) => setTimeout(r, 300));
  if (KEEP) console.log(`reports kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
