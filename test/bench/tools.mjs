// The peers measured in the same run: wrk (closed loop, C) and autocannon (closed loop, Node),
// both pinned to the measurement core, plus small statistics helpers.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

export function run(cmd, args, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(0, 500)}`));
    });
  });
}

/** wrk's "50.00%  1.23ms" style values → ms. */
function wrkMs(v) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

function parseWrk(out) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const pct = (p) => wrkMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
  return { rps, p50: pct('50'), p99: pct('99') };
}

/** wrk -t1 -c50 -d5s: closed-loop maximum. */
export async function wrkMax(core, url, seconds) {
  return parseWrk(await run('taskset', ['-c', String(core), 'wrk', '-t1', '-c50', `-d${seconds}s`, '--latency', url]));
}

/**
 * wrk near a given rate: wrk cannot pace (wrk2 is not packaged), but its Lua `delay()` hook makes
 * each of `connections` connections wait `delayMs` between requests, so the rate is about
 * connections × 1000 / (delayMs + latency). Its latency is measured per request from the write.
 */
export async function wrkAtRate(core, url, seconds, rate, connections = 50) {
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-bench-wrk-'));
  try {
    const delayMs = Math.max(0, Math.round((connections * 1000) / rate));
    const script = join(dir, 'delay.lua');
    writeFileSync(script, `function delay() return ${delayMs} end\n`);
    const r = parseWrk(
      await run('taskset', ['-c', String(core), 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url]),
    );
    return { ...r, delayMs, connections };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** autocannon -c 50 via its bin from node_modules, pinned; returns the mean req/s. */
export async function autocannonMax(core, url, seconds) {
  const bin = require.resolve('autocannon/autocannon.js');
  const out = await run('taskset', ['-c', String(core), process.execPath, bin, '-c', '50', '-d', String(seconds), '--json', url]);
  const j = JSON.parse(out.slice(out.indexOf('{')));
  return { rps: j.requests.total / j.duration, p50: j.latency.p50, p99: j.latency.p99, errors: j.errors + j.non2xx };
}

export function median(xs) {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median with the spread as (max − min) / median. */
export function summary(xs) {
  const med = median(xs);
  const fin = xs.filter((x) => Number.isFinite(x));
  const spread = fin.length > 1 && med ? (Math.max(...fin) - Math.min(...fin)) / med : 0;
  return { median: med, min: Math.min(...fin), max: Math.max(...fin), spread, runs: fin.length };
}
