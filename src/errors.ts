// Errors that carry their exit code. A user's mistake is a LoadtestError with a clear message and
// is printed without a stack trace; anything else is a bug and is printed with one.
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

export class LoadtestError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.RUNTIME,
    /** Extra lines printed under the message (one per problem). */
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'LoadtestError';
  }
}

/** Where a problem is in a file the user wrote: 1-based line and column. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/**
 * One problem in a scenario: printed as `file:line:col: path: message`, or, when the value came
 * from a command-line override, `--set load.max: message` (`--set a.b: a.b.c: message` below it).
 */
export interface ScenarioProblem {
  /** Key path, e.g. `load.step_duration` or `slo[2]`. */
  path: string;
  message: string;
  pos?: SourcePosition;
  /** The flag the value came from instead of the file, e.g. `--set load.max` (then there is no `pos`). */
  flag?: string;
}

export function formatProblem(p: ScenarioProblem): string {
  const where = p.pos ? `${p.pos.file}:${p.pos.line}:${p.pos.col}: ` : p.flag ? `${p.flag}: ` : '';
  // `--set load.max: load.max: …` says the path twice.
  const path = p.path && !(p.flag && !p.pos && p.flag === `--set ${p.path}`) ? p.path + ': ' : '';
  return `${where}${path}${p.message}`;
}

/** Every problem found in a scenario at once; exit code USAGE. */
export class ScenarioError extends LoadtestError {
  constructor(readonly problems: readonly ScenarioProblem[]) {
    super(
      `invalid scenario: ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      ExitCode.USAGE,
      problems.map(formatProblem),
    );
    this.name = 'ScenarioError';
  }
}

/** Bad flags or arguments; exit code USAGE. */
export class UsageError extends LoadtestError {
  constructor(message: string) {
    super(message, ExitCode.USAGE);
    this.name = 'UsageError';
  }
}
