// Our USL fit against the published fits of R's `usl` package (the reference datasets in the shared
// folder beside the repository: ../shared/reference/usl-datasets.json from the repo root; CI lays
// shared/ beside its clone). The ceiling — peak X, or the limit λ/σ when κ = 0 — must agree within 5%.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fitUslPoints, type UslPoint } from '../../src/analysis/usl.js';

interface Published {
  source: string;
  method: string;
  sigma: number;
  kappa: number;
  lambda: number;
  peakN: number | null;
  peakX: number | null;
  limit: number | null;
}
interface Dataset {
  id: string;
  title: string;
  points: UslPoint[];
  published: Published[];
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const file = resolve(repoRoot, '../shared/reference/usl-datasets.json');

function datasets(): Dataset[] {
  if (!existsSync(file)) {
    throw new Error(`USL reference datasets missing: expected ${file} (the shared folder beside the repository, ../shared from its root)`);
  }
  return (JSON.parse(readFileSync(file, 'utf8')) as { datasets: Dataset[] }).datasets;
}

/** The published fit of the package's own method: nonlinear least squares with σ, κ in [0, 1] (usl 3.x). */
const nlsFit = (d: Dataset) => d.published.find((p) => p.method.startsWith('NLS'));

describe('USL fit against the published R usl fits', () => {
  const all = datasets();

  it('has datasets with an NLS fit to check against', () => {
    expect(all.length).toBeGreaterThan(0);
    for (const d of all) expect(nlsFit(d), `${d.id}: no NLS fit published`).toBeDefined();
  });

  it.each(all.map((d) => [d.id, d] as const))('%s: the ceiling agrees within 5%', (_, d) => {
    const pub = nlsFit(d)!;
    const expected = pub.kappa > 0 ? pub.peakX : pub.limit;
    expect(expected, `${d.id}: the published fit gives neither a peak nor a limit`).not.toBeNull();
    const u = fitUslPoints(d.points)!;
    expect(u, `${d.id}: not fitted`).not.toBeNull();
    expect(u.refused, `${d.id}: refused`).toBeNull();
    expect(u.ceiling).toBe(pub.kappa > 0 ? 'peak' : 'asymptote');
    expect(Math.abs(u.peakThroughput! / expected! - 1), `${d.id}: ceiling ${u.peakThroughput} against ${expected}`).toBeLessThan(0.05);
    // The coefficients themselves, to the published digits' worth (they are what fixes the ceiling).
    expect(Math.abs(u.sigma - pub.sigma)).toBeLessThan(0.05 * pub.sigma + 1e-6);
    expect(Math.abs(u.kappa - pub.kappa)).toBeLessThan(0.05 * pub.kappa + 1e-9);
    expect(Math.abs(u.lambda / pub.lambda - 1)).toBeLessThan(0.05);
    if (pub.peakN !== null) expect(Math.abs(u.peakConcurrency! / pub.peakN - 1)).toBeLessThan(0.05);
  });
});
