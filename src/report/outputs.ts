// Writes the report files a run asked for (--junit, --markdown, --html, --history) and the GitHub
// job summary. Each file is written atomically; the directories are created. `loadtest run` calls
// this after the JSON report; `loadtest report` calls it for a saved report.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LoadtestError } from '../errors.js';
import type { RunResult } from '../result.js';
import { writeFileAtomic } from './atomic-write.js';
import { capacityModelOf } from '../analysis/capacity-model.js';
import { appendHistory } from './history.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';

export interface OutputOptions {
  junit?: string;
  markdown?: string;
  html?: string;
  /** Directory of the nightly history (one JSON summary per run). */
  history?: string;
  /** Append the Markdown summary to $GITHUB_STEP_SUMMARY when that variable is set. */
  githubStepSummary?: boolean;
  /** Environment to read GITHUB_STEP_SUMMARY and commit ids from; default process.env. */
  env?: Record<string, string | undefined>;
}

/** Writes every asked-for output; returns the paths written (the step summary included). */
export async function writeOutputs(result: RunResult, opts: OutputOptions): Promise<string[]> {
  const env = opts.env ?? process.env;
  const written: string[] = [];
  const model = capacityModelOf(result);
  let markdown: string | undefined;
  const md = () => (markdown ??= renderMarkdown(result, model));

  const write = async (path: string, data: string, what: string) => {
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, data);
    } catch (err) {
      throw new LoadtestError(`cannot write the ${what} to ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    written.push(path);
  };

  if (opts.junit) await write(opts.junit, renderJunit(result), 'JUnit report');
  if (opts.markdown) await write(opts.markdown, md(), 'Markdown summary');
  if (opts.html) await write(opts.html, renderHtml(result, model), 'HTML report');
  if (opts.history) {
    try {
      written.push(await appendHistory(opts.history, result, env));
    } catch (err) {
      throw new LoadtestError(`cannot add the run to the history in ${opts.history}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const summary = env.GITHUB_STEP_SUMMARY;
  if (opts.githubStepSummary && summary) {
    // GitHub concatenates what every step appends; appending (not replacing) is the contract.
    try {
      await appendFile(summary, md() + '\n');
    } catch (err) {
      throw new LoadtestError(`cannot append to $GITHUB_STEP_SUMMARY (${summary}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    written.push(summary);
  }
  return written;
}
