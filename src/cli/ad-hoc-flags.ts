// The ad-hoc flags of `loadtest run` (--url, --slo, --start, --max, …): a capacity test without a
// scenario file, as wrk, vegeta and hey users expect. This file registers them and decides where
// a run's scenario comes from; src/scenario/ad-hoc.ts turns the flags into the scenario.
import type { Command } from 'commander';
import type { Document } from 'yaml';
import { UsageError } from '../errors.js';
import { AD_HOC_DEFAULTS as D, adHocScenario, type AdHocFlags } from '../scenario/ad-hoc.js';
import { loadScenarioDocument } from '../scenario/load-scenario.js';
import type { Scenario } from '../scenario/scenario.js';

/** The run command's ad-hoc flags: the scenario's (AdHocFlags, `--url` optional here) and what to do with it. */
export interface AdHocRunFlags extends Partial<AdHocFlags> {
  /** Print the scenario as YAML and exit 0, sending nothing (with a file too). */
  printScenario?: boolean;
  set?: string[];
}

/** The flags that describe a scenario, as AdHocFlags keys and their option names. */
const AD_HOC_OPTIONS = [
  ['url', '--url'],
  ['slo', '--slo'],
  ['start', '--start'],
  ['max', '--max'],
  ['step', '--step'],
  ['factor', '--factor'],
  ['stepDuration', '--step-duration'],
  ['refine', '--refine'],
  ['method', '--method'],
  ['header', '--header'],
  ['body', '--body'],
] as const satisfies ReadonlyArray<readonly [keyof AdHocFlags, string]>;

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function addAdHocFlags(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'no scenario file: load this URL (ad-hoc mode; the flags below have defaults)')
    .option('--slo <rule>', `a rule every step must meet, repeatable (default ${D.slo.map((r) => `'${r}'`).join(', ')})`, collect)
    .option('--start <rps>', `first load level (default ${D.start})`)
    .option('--max <rps>', `highest load level (default ${D.max})`)
    .option('--step <rps>', 'additive ramp: this much more each step (instead of --factor)')
    .option('--factor <x>', `geometric ramp: this many times more each step (default ${D.factor})`)
    .option('--step-duration <time>', `length of each step (default ${D.stepDuration}; its first fifth, at most 5s, is warm-up)`)
    .option('--refine <pct>', `after the first failing step, bisect down to this gap (default ${D.refine})`)
    .option('--method <method>', 'HTTP method (default GET, or POST with --body)')
    .option('-H, --header <header>', "request header 'Name: value', repeatable", collect)
    .option('--body <text>', 'request body, sent as given')
    .option('--print-scenario', 'print the scenario as YAML (a file to keep) and exit, sending nothing');
}

/** The ad-hoc flags given, as their option names (`--url`, `--slo`), in the order of the table. */
export function givenAdHocOptions(flags: AdHocRunFlags): string[] {
  return AD_HOC_OPTIONS.filter(([key]) => flags[key] !== undefined).map(([, name]) => name);
}

/**
 * Where the run's scenario comes from: a file, or the ad-hoc flags. Not both: the flags describe a
 * whole scenario, and a file's values are changed with --set (which also works on top of the flags).
 */
export function scenarioSource(file: string | undefined, flags: AdHocRunFlags): { file: string } | { adHoc: AdHocFlags } {
  const given = givenAdHocOptions(flags);
  if (file !== undefined) {
    if (given.length === 0) return { file };
    throw new UsageError(
      `${given.join(', ')}: ${given.length === 1 ? 'this flag describes' : 'these flags describe'} a scenario without a file; ` +
        `to change ${file}, use --set (e.g. --set load.max=800, --set target=http://127.0.0.1:8080)`,
    );
  }
  if (flags.url === undefined) {
    if (given.length > 0) throw new UsageError(`${given.join(', ')}: ad-hoc mode needs --url, the URL to load (or give a scenario file)`);
    throw new UsageError("expected a scenario file or --url: loadtest run scenario.yaml, or loadtest run --url http://127.0.0.1:8080/ --slo 'p99 < 100ms'");
  }
  const adHoc: AdHocFlags = { url: flags.url };
  for (const [key] of AD_HOC_OPTIONS) if (flags[key] !== undefined) (adHoc as unknown as Record<string, unknown>)[key] = flags[key];
  return { adHoc };
}

/** The comment on top of an ad-hoc scenario printed with --print-scenario. */
const PRINT_HEADER = [
  "The scenario of `loadtest run --url …`'s flags, every default written out.",
  'Run it with: loadtest run <this file>   (change a value with --set, e.g. --set load.max=800)',
].join('\n');

/** Loads and checks the run's scenario from either source; `header` is set in ad-hoc mode (for printing). */
export async function loadRunScenario(
  file: string | undefined,
  flags: AdHocRunFlags,
): Promise<{ scenario: Scenario; document: Document; header?: string }> {
  const source = scenarioSource(file, flags);
  if ('file' in source) return loadScenarioDocument(source.file, { overrides: flags.set ?? [] });
  return { ...adHocScenario(source.adHoc, flags.set ?? []), header: PRINT_HEADER };
}
