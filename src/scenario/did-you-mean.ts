// "Did you mean …?" for unknown keys, metrics and request names: the closest known word by
// edit distance (adjacent swaps count as one edit, so `stpe` → `step`), ignoring case, `_` and `-`
// (so `stepDuration` → `step_duration`).

/** Optimal-string-alignment distance: Levenshtein plus adjacent transposition. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  // Three rolling rows are enough for the transposition look-back.
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

function fold(s: string): string {
  return s.toLowerCase().replace(/[_\-\s]/g, '');
}

/** The closest candidate, or undefined when none is close enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = fold(word);
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, fold(c));
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  // One edit per three characters, at least one: `stpe`→`step`, `warmpu`→`warmup`, not `url`→`path`.
  const allowed = Math.max(1, Math.floor(Math.max(w.length, 1) / 3));
  // And never "replace everything": 'b' is not a typo of 'a'.
  return best !== undefined && bestD <= allowed && bestD < Math.max(w.length, fold(best).length) ? best : undefined;
}

/** `, did you mean 'step'?` or '' — ready to append to a message. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : `, did you mean '${c}'?`;
}
