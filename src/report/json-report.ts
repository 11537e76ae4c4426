// The JSON report (schema `loadtest.report` v1, see src/result.ts and README "Report schema"):
// the RunResult as pretty JSON, written atomically. The result is already redacted by the controller.
import type { RunResult } from '../result.js';
import { LoadtestError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';

export function renderJsonReport(result: RunResult): string {
  return JSON.stringify(result, null, 2) + '\n';
}

export async function writeJsonReport(result: RunResult, file: string): Promise<void> {
  try {
    await writeFileAtomic(file, renderJsonReport(result));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LoadtestError(`cannot write the JSON report to ${file}: ${code ?? (err as Error).message}`);
  }
}
