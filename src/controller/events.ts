// The controller emits these; the terminal display, the JSONL step log, --json-lines and the final
// reporters only listen. The controller itself never prints.
import type { StepProgress } from '../metrics/step-stats.js';
import type { RunResult, SettleRecord, StepResult } from '../result.js';
import type { Scenario } from '../scenario/scenario.js';

export interface PlannedStep {
  level: number;
  phase: 'ramp' | 'refine';
}

export type RunEvent =
  | { type: 'run-start'; scenario: Scenario; startedAt: string; plannedSteps: number; worstCaseMs: number }
  | { type: 'step-start'; index: number; level: number; phase: 'ramp' | 'refine'; description: string; durationMs: number }
  /** Before step `index`: the controller waited for the service to drain the last step's backlog (controller/settle.ts). */
  | { type: 'settle'; index: number; record: SettleRecord }
  | { type: 'step-progress'; index: number; level: number; progress: StepProgress }
  | { type: 'step-end'; step: StepResult }
  | { type: 'warning'; message: string }
  | { type: 'run-end'; result: RunResult };

export type RunListener = (event: RunEvent) => void;
