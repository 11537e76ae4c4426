// Closed forms for the M/M/c queue (Erlang C), the yardstick the simulated M/M/c service is tested
// against, and a second opinion on its true capacity under Poisson arrivals.

/** Probability that an arrival waits: Erlang C with c servers and offered load a = λ/μ (< c). */
export function erlangC(c: number, a: number): number {
  if (a >= c) return 1;
  // Erlang B by its stable recurrence, then C from B.
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  const rho = a / c;
  return b / (1 - rho + rho * b);
}

/** Mean wait in the queue (ms) at arrival rate λ (per s) with c servers of mean service S ms. */
export function mmcMeanWaitMs(c: number, meanServiceMs: number, ratePerSec: number): number {
  const mu = 1000 / meanServiceMs;
  const a = ratePerSec / mu;
  if (a >= c) return Infinity;
  return (erlangC(c, a) / (c * mu - ratePerSec)) * 1000;
}

/** P(sojourn > t): the wait is 0 w.p. 1 − C, else exponential at rate cμ − λ; plus an exponential service. */
export function mmcSojournTail(c: number, meanServiceMs: number, ratePerSec: number, tMs: number): number {
  const mu = 1000 / meanServiceMs;
  const a = ratePerSec / mu;
  if (a >= c) return 1;
  const C = erlangC(c, a);
  const theta = c * mu - ratePerSec;
  const t = tMs / 1000;
  const service = Math.exp(-mu * t);
  // P(Exp(θ) + Exp(μ) > t), with the θ = μ limit.
  const both = Math.abs(theta - mu) < 1e-9 ? (1 + mu * t) * Math.exp(-mu * t) : (mu * Math.exp(-theta * t) - theta * Math.exp(-mu * t)) / (mu - theta);
  return (1 - C) * service + C * both;
}

/** Sojourn-time percentile (ms), by bisection on the tail. */
export function mmcSojournPercentileMs(c: number, meanServiceMs: number, ratePerSec: number, p: number): number {
  const target = 1 - p / 100;
  let lo = 0;
  let hi = meanServiceMs;
  while (mmcSojournTail(c, meanServiceMs, ratePerSec, hi) > target) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (mmcSojournTail(c, meanServiceMs, ratePerSec, mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Highest Poisson rate (per s) at which the sojourn percentile p stays below `limitMs`. */
export function mmcCapacityForPercentile(c: number, meanServiceMs: number, p: number, limitMs: number): number {
  let lo = 0;
  let hi = (c * 1000) / meanServiceMs;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (mmcSojournPercentileMs(c, meanServiceMs, mid, p) < limitMs) lo = mid;
    else hi = mid;
  }
  return lo;
}
