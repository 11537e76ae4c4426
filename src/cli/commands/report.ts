// `loadtest report results.json -o report.html`: render a saved JSON report again — as the
// self-contained HTML report, the Markdown summary or JUnit XML (by -o's extension or --format),
// or several at once with --html/--markdown/--junit. Without any output, prints the Markdown summary.
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { loadReport } from '../../report/load-report.js';
import { renderMarkdown } from '../../report/markdown.js';
import { writeOutputs, type OutputOptions } from '../../report/outputs.js';
import type { SetExit } from '../commands.js';

export type ReportFormat = 'html' | 'markdown' | 'junit';

export interface ReportOptions {
  file: string;
  output?: string;
  format?: ReportFormat;
  html?: string;
  markdown?: string;
  junit?: string;
  write?: (text: string) => void;
  /** Called with each path written. */
  wrote?: (path: string) => void;
}

/** html for .html/.htm, markdown for .md, junit for .xml; undefined otherwise. */
export function formatFromPath(path: string): ReportFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  return ext === 'html' || ext === 'htm' ? 'html' : ext === 'md' || ext === 'markdown' ? 'markdown' : ext === 'xml' ? 'junit' : undefined;
}

export async function reportCommand(opts: ReportOptions): Promise<number> {
  if (opts.format && !['html', 'markdown', 'junit'].includes(opts.format)) {
    throw new UsageError(`--format must be html, markdown or junit (got "${opts.format}")`);
  }
  const result = await loadReport(opts.file);
  const outputs: OutputOptions = { ...(opts.html ? { html: opts.html } : {}), ...(opts.markdown ? { markdown: opts.markdown } : {}), ...(opts.junit ? { junit: opts.junit } : {}) };
  if (opts.output) {
    const fmt = opts.format ?? formatFromPath(opts.output);
    if (!fmt) throw new UsageError(`-o ${opts.output}: cannot tell the format from the extension; use .html, .md or .xml, or --format`);
    outputs[fmt] = opts.output;
  }
  if (!outputs.html && !outputs.markdown && !outputs.junit) {
    (opts.write ?? ((t) => process.stdout.write(t)))(renderMarkdown(result));
    return ExitCode.OK;
  }
  for (const p of await writeOutputs(result, outputs)) (opts.wrote ?? ((x) => process.stderr.write(`wrote ${x}\n`)))(p);
  return ExitCode.OK;
}

export function registerReport(program: Command, setExit: SetExit): void {
  program
    .command('report')
    .description('render a saved JSON report as HTML, Markdown or JUnit XML')
    .argument('<report>', 'JSON report written by `loadtest run`')
    .option('-o, --output <file>', 'output file; format from the extension (.html, .md, .xml) or --format')
    .option('--format <format>', 'html | markdown | junit (with -o)')
    .option('--html <file>', 'also write the HTML report here')
    .option('--markdown <file>', 'also write the Markdown summary here')
    .option('--junit <file>', 'also write JUnit XML here')
    .action(async (file: string, o: { output?: string; format?: string; html?: string; markdown?: string; junit?: string }) => {
      setExit(
        await reportCommand({
          file,
          ...(o.output ? { output: o.output } : {}),
          ...(o.format ? { format: o.format as ReportFormat } : {}),
          ...(o.html ? { html: o.html } : {}),
          ...(o.markdown ? { markdown: o.markdown } : {}),
          ...(o.junit ? { junit: o.junit } : {}),
        }),
      );
    });
}
