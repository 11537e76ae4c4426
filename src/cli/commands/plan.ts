// `loadtest plan` — placeholder until implemented.
import type { Command } from 'commander';
import { LoadtestError } from '../../errors.js';
import type { SetExit } from '../commands.js';

export function registerPlan(program: Command, _setExit: SetExit): void {
  program
    .command('plan')
    .description('(not implemented yet)')
    .allowUnknownOption(true)
    .action(() => {
      throw new LoadtestError('`loadtest plan` is not implemented yet');
    });
}
