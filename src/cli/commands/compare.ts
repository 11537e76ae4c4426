// `loadtest compare a.json b.json [c.json …]`: runs side by side against the first (the baseline):
// capacity, limiting SLO, latency at shared loads, change in %, and a verdict per run (improved /
// regressed / within tolerance / inconclusive, by the gate's rule on the capacity brackets). Exit 0;
// with --fail-on-regression, 4 when a run regressed and 7 when one could not be told apart.
import type { Command } from 'commander';
import { basename } from 'node:path';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { compareRuns, renderCompareJson, renderCompareMarkdown, renderCompareTable } from '../../report/compare.js';
import { loadReport } from '../../report/load-report.js';
import { writeFileAtomic } from '../../report/atomic-write.js';
import type { SetExit } from '../commands.js';
import { parseFractionFlag } from './run.js';

export type CompareFormat = 'table' | 'markdown' | 'json';

export interface CompareOptions {
  files: string[];
  format: CompareFormat;
  /** Write here instead of stdout. */
  output?: string;
  failOnRegression?: boolean;
  /** Allowed capacity drop (fraction) before a run counts as regressed; default the gate's 10%. */
  maxRegression?: number;
  write?: (text: string) => void;
}

/** Labels: file names without .json; the full path where two names clash. */
export function labelsFor(files: string[]): string[] {
  const short = files.map((f) => basename(f).replace(/\.json$/i, ''));
  return short.map((s, i) => (short.indexOf(s) !== short.lastIndexOf(s) ? files[i]! : s));
}

export async function compareCommand(opts: CompareOptions): Promise<number> {
  if (opts.files.length < 2) throw new UsageError(`compare needs at least two reports (got ${opts.files.length}): loadtest compare baseline.json current.json`);
  if (!['table', 'markdown', 'json'].includes(opts.format)) throw new UsageError(`--format must be table, markdown or json (got "${opts.format}")`);
  const results = [];
  for (const f of opts.files) results.push(await loadReport(f));
  const labels = labelsFor(opts.files);
  const c = compareRuns(
    results.map((result, i) => ({ label: labels[i]!, result })),
    opts.maxRegression,
  );
  const text = opts.format === 'json' ? renderCompareJson(c) : opts.format === 'markdown' ? renderCompareMarkdown(c) : renderCompareTable(c);
  if (opts.output) await writeFileAtomic(opts.output, text);
  else (opts.write ?? ((t) => process.stdout.write(t)))(text);
  if (!opts.failOnRegression) return ExitCode.OK;
  if (c.pairs.some((p) => p.verdict === 'regressed')) return ExitCode.REGRESSION;
  return c.pairs.some((p) => p.verdict === 'inconclusive') ? ExitCode.GATE_INCONCLUSIVE : ExitCode.OK;
}

export function registerCompare(program: Command, setExit: SetExit): void {
  program
    .command('compare')
    .description('compare runs side by side against the first (capacity, latency at shared loads, verdict per run)')
    .argument('<reports...>', 'JSON reports; the first is the baseline')
    .option('--format <format>', 'table | markdown | json', 'table')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--fail-on-regression', 'exit 4 when a run regressed against the baseline, 7 when the brackets cannot tell')
    .option('--max-regression <pct>', 'allowed capacity drop before a run counts as regressed (e.g. 10%)', '10%')
    .action(async (files: string[], o: { format: string; output?: string; failOnRegression?: boolean; maxRegression: string }) => {
      const maxRegression = parseFractionFlag('--max-regression', o.maxRegression);
      setExit(await compareCommand({ files, format: o.format as CompareFormat, ...(o.output ? { output: o.output } : {}), failOnRegression: !!o.failOnRegression, maxRegression }));
    });
}
