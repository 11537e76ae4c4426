// The JSONL step log: one JSON line per finished step (plus run-start and run-end) appended as it
// happens, so even a run killed with SIGKILL leaves a record of every step it finished. Lines are
// written synchronously with one write(2) each: a line is either whole in the file or absent.
import fs from 'node:fs';
import { dirname } from 'node:path';
import type { RunListener } from '../controller/events.js';
import { LoadtestError } from '../errors.js';
import { minimalScenario } from './json-lines.js';
import { createRedactor, redactDeep, type Redactor } from './redact.js';

export interface StepLog {
  path: string;
  listener: RunListener;
  /** Closes the file; further events are ignored. */
  close(): void;
  /** The first write that failed (disk full …), as one line; the log stops there. Undefined while all is well. */
  readonly error: string | undefined;
}

/** `results/run.json` → `results/run.steps.jsonl`. */
export function defaultStepLogPath(jsonReportPath: string): string {
  return jsonReportPath.replace(/\.json$/i, '') + '.steps.jsonl';
}

export function openStepLog(path: string): StepLog {
  let fd: number | null;
  try {
    fs.mkdirSync(dirname(path), { recursive: true });
    // Truncated: the log belongs to this run, like the report next to it.
    fd = fs.openSync(path, 'w', 0o644);
  } catch (err) {
    throw new LoadtestError(`cannot open the step log ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let redact: Redactor = createRedactor([]);
  let error: string | undefined;
  const write = (value: Record<string, unknown>): void => {
    if (fd === null) return;
    try {
      fs.writeSync(fd, JSON.stringify(redactDeep({ time: new Date().toISOString(), ...value }, redact)) + '\n');
    } catch (err) {
      // Disk full, quota, I/O error: the run goes on (its report is written at the end), and the
      // caller reports this once instead of a half-written log passing for a whole one.
      error ??= `cannot write the step log ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      try {
        fs.closeSync(fd);
      } catch {
        // nothing more to lose
      }
      fd = null;
    }
  };
  const listener: RunListener = (event) => {
    switch (event.type) {
      case 'run-start':
        redact = createRedactor(event.scenario.secrets);
        write({
          type: 'run-start',
          scenario: minimalScenario(event.scenario),
          startedAt: event.startedAt,
          plannedSteps: event.plannedSteps,
          worstCaseMs: event.worstCaseMs,
        });
        break;
      case 'step-end': {
        // The base64 histogram is for merging; it is in the final report, not in every line.
        const { histogram: _h, ...step } = event.step;
        write({ type: 'step-end', step });
        break;
      }
      case 'run-end': {
        const r = event.result;
        write({ type: 'run-end', status: r.status, stopReason: r.stopReason, error: r.error, capacity: r.capacity, durationMs: r.durationMs, warnings: r.warnings });
        break;
      }
      default:
        break;
    }
  };
  return {
    path,
    listener,
    get error() {
      return error;
    },
    close() {
      if (fd !== null) {
        try {
          fs.closeSync(fd);
        } catch {
          // already closed: nothing to lose
        }
        fd = null;
      }
    },
  };
}
