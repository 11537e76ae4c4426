#!/usr/bin/env node
// How many independent readings a step holds near capacity: the variance inflation φ of the count of
// requests slower than T in a window, for an M/M/c queue under Poisson arrivals (FCFS), against the
// binomial variance independent requests would give. A step showing `pNN < T` met with none slower
// needs ≈ samplesToProve × φ requests (381 × φ for p99): this prints that as seconds at each rate
// (for this window length: φ still grows with the window while the queue's excursions outlast it).
// Simulated (seeded), 4,000 windows per rate after a 60 s warm-up. Needs `npm run build`.
//   node test/validate/tail-dispersion.mjs [--servers 8] [--service-ms 20] [--threshold-ms 200]
//        [--window-ms 4000] [--rates 300,330,350,365,375,385]
import { mulberry32 } from '../../dist/traffic/generator/schedule.js';
import { samplesToProve } from '../../dist/analysis/proportion.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const servers = Number(arg('servers', 8));
const serviceMs = Number(arg('service-ms', 20));
const thresholdMs = Number(arg('threshold-ms', 200));
const windowMs = Number(arg('window-ms', 4000));
const rates = String(arg('rates', '300,330,350,365,375,385')).split(',').map(Number);
const WINDOWS = 4000;
const WARM_MS = 60_000;

function measure(rate) {
  const rand = mulberry32(12345);
  const free = new Float64Array(servers);
  const windows = [];
  let t = 0;
  let slow = 0;
  let n = 0;
  let end = WARM_MS + windowMs;
  let all = 0;
  let allSlow = 0;
  while (windows.length < WINDOWS) {
    t += (-Math.log(1 - rand()) * 1000) / rate;
    let k = 0;
    for (let j = 1; j < servers; j++) if (free[j] < free[k]) k = j;
    const done = Math.max(t, free[k]) + -Math.log(1 - rand()) * serviceMs;
    free[k] = done;
    if (t < WARM_MS) continue;
    if (t >= end) {
      windows.push([slow, n]);
      slow = 0;
      n = 0;
      end += windowMs;
    }
    n++;
    all++;
    if (done - t > thresholdMs) {
      slow++;
      allSlow++;
    }
  }
  const p = allSlow / all;
  const meanN = all / windows.length;
  const variance = windows.reduce((a, [k, m]) => a + (k / m - p) ** 2, 0) / (windows.length - 1);
  const phi = p > 0 ? variance / ((p * (1 - p)) / meanN) : 1;
  const none = windows.filter(([k]) => k === 0).length / windows.length;
  return { p, phi: Math.max(1, phi), none };
}

const need = samplesToProve(0.01);
console.log(`M/M/${servers}, mean service ${serviceMs} ms (ceiling ${(servers * 1000) / serviceMs} r/s), requests slower than ${thresholdMs} ms, ${windowMs / 1000} s windows`);
console.log('| rate r/s | share slower | φ | windows with none | a step showing p99 met needs |');
console.log('|---:|---:|---:|---:|---:|');
for (const rate of rates) {
  const { p, phi, none } = measure(rate);
  const seconds = p >= 0.01 ? 'never (at or over the limit)' : `≈ ${Math.round((need * phi) / rate)} s`;
  console.log(`| ${rate} | ${(p * 100).toPrecision(2)}% | ${phi.toPrecision(3)} | ${Math.round(none * 100)}% | ${seconds} |`);
}
