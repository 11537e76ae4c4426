// Every command, registered in one place. Each command file exports one async function that takes
// an options object and returns an exit code; this file only maps flags to those options.
import type { Command } from 'commander';
import { registerRun } from './commands/run.js';
import { registerPlan } from './commands/plan.js';
import { registerValidate } from './commands/validate.js';
import { registerSchema } from './commands/schema.js';
import { registerDemo } from './commands/demo.js';
import { registerCompare } from './commands/compare.js';
import { registerReport } from './commands/report.js';
import { registerHistory } from './commands/history.js';
import { registerRestore } from './commands/restore.js';
import { registerStop } from './commands/stop.js';
import { registerAgent } from './commands/agent.js';
import { registerK8s } from './commands/k8s.js';

/** `setExit` records the exit code a command returned; main() exits with it. */
export type SetExit = (code: number) => void;

export function registerCommands(program: Command, setExit: SetExit): void {
  registerRun(program, setExit);
  registerPlan(program, setExit);
  registerValidate(program, setExit);
  registerSchema(program, setExit);
  registerDemo(program, setExit);
  registerCompare(program, setExit);
  registerReport(program, setExit);
  registerHistory(program, setExit);
  registerRestore(program, setExit);
  registerStop(program, setExit);
  registerAgent(program, setExit);
  registerK8s(program, setExit);
}
