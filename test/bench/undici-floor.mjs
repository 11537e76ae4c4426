// The HTTP client's own floor: a bare open-loop undici sender at a fixed rate (1 ms timer ticks,
// Pool with 50 connections, legacy handler, no recording), to separate undici's CPU per request
// from the generator's bookkeeping. Prints one JSON line: { rate, cpuUsPerRequest }.
import { Pool } from 'undici';

const [url, rateArg, durArg] = process.argv.slice(2);
const rate = Number(rateArg);
const durationMs = Number(durArg ?? 5000);
const pool = new Pool(url, { connections: 50, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
const opts = { path: '/', method: 'GET', headers: null };
let errors = 0;
const handler = {
  onConnect() {},
  onHeaders() {
    return true;
  },
  onData() {
    return true;
  },
  onComplete() {},
  onError() {
    errors++;
  },
};
const start = performance.now();
let sent = 0;
let cpu0 = null;
let sent0 = 0;
function tick() {
  const t = performance.now() - start;
  while ((sent * 1000) / rate <= t) {
    pool.dispatch(opts, handler);
    sent++;
  }
  if (t >= 1000 && cpu0 === null) {
    cpu0 = process.cpuUsage();
    sent0 = sent;
  }
  if (t < durationMs) return void setTimeout(tick, 1);
  const c = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ rate, cpuUsPerRequest: (c.user + c.system) / (sent - sent0), errors }) + '\n');
  void pool.destroy();
}
tick();
