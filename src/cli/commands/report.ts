// `loadtest report` — placeholder until implemented.
import type { Command } from 'commander';
import { LoadtestError } from '../../errors.js';
import type { SetExit } from '../commands.js';

export function registerReport(program: Command, _setExit: SetExit): void {
  program
    .command('report')
    .description('(not implemented yet)')
    .allowUnknownOption(true)
    .action(() => {
      throw new LoadtestError('`loadtest report` is not implemented yet');
    });
}
