// `loadtest history DIR`: the capacity trend of the runs recorded with `--history DIR` (or of a
// folder of JSON reports), as a table with a sparkline, Markdown or JSON; `-o chart.html` writes an
// HTML chart. Runs whose gate failed, and drops beyond the runs' resolution, are flagged.
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { writeFileAtomic } from '../../report/atomic-write.js';
import { readHistory, renderHistoryHtml, renderHistoryJson, renderHistoryMarkdown, renderHistoryTable, trend } from '../../report/history.js';
import type { SetExit } from '../commands.js';

export type HistoryFormat = 'table' | 'markdown' | 'json';

export interface HistoryOptions {
  dir: string;
  format: HistoryFormat;
  /** Write an HTML chart here. */
  output?: string;
  /** Only this scenario's runs. */
  scenario?: string;
  /** Show only the last N runs. */
  last?: number;
  write?: (text: string) => void;
  warn?: (line: string) => void;
}

export async function historyCommand(opts: HistoryOptions): Promise<number> {
  if (!['table', 'markdown', 'json'].includes(opts.format)) throw new UsageError(`--format must be table, markdown or json (got "${opts.format}")`);
  if (opts.last !== undefined && !(Number.isInteger(opts.last) && opts.last > 0)) throw new UsageError(`--last must be a positive whole number`);
  const st = await stat(opts.dir).catch(() => null);
  if (!st) throw new UsageError(`history directory ${opts.dir} does not exist (record runs into it with \`loadtest run --history ${opts.dir}\`)`);
  if (!st.isDirectory()) throw new UsageError(`${opts.dir} is not a directory: pass the folder given to --history`);
  const { entries, skipped } = await readHistory(opts.dir);
  for (const s of skipped) (opts.warn ?? ((l) => process.stderr.write(`loadtest: skipped ${l}\n`)))(s);
  const picked = opts.scenario ? entries.filter((e) => e.scenario === opts.scenario) : entries;
  if (picked.length === 0) {
    throw new UsageError(`no runs in ${opts.dir}${opts.scenario ? ` for scenario "${opts.scenario}"` : ''}`);
  }
  // Flags are computed over the whole history, then the window is cut, so the first shown run still
  // knows its predecessor.
  let rows = trend(picked);
  if (opts.last) rows = rows.slice(-opts.last);
  const text = opts.format === 'json' ? renderHistoryJson(rows) : opts.format === 'markdown' ? renderHistoryMarkdown(rows) : renderHistoryTable(rows);
  (opts.write ?? ((t) => process.stdout.write(t)))(text);
  if (opts.output) await writeFileAtomic(opts.output, renderHistoryHtml(rows));
  return ExitCode.OK;
}

export function registerHistory(program: Command, setExit: SetExit): void {
  program
    .command('history')
    .description('show the capacity trend of runs recorded with --history (table, markdown, json; -o for an HTML chart)')
    .argument('<dir>', 'the directory given to `loadtest run --history`')
    .option('--format <format>', 'table | markdown | json', 'table')
    .option('-o, --output <file>', 'also write an HTML chart of the trend')
    .option('--scenario <name>', 'only runs of this scenario')
    .option('--last <n>', 'only the last n runs', (v) => Number(v))
    .action(async (dir: string, o: { format: string; output?: string; scenario?: string; last?: number }) => {
      setExit(
        await historyCommand({
          dir,
          format: o.format as HistoryFormat,
          ...(o.output ? { output: o.output } : {}),
          ...(o.scenario ? { scenario: o.scenario } : {}),
          ...(o.last !== undefined ? { last: o.last } : {}),
        }),
      );
    });
}
