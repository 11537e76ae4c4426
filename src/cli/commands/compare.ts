// `loadtest compare` — placeholder until implemented.
import type { Command } from 'commander';
import { LoadtestError } from '../../errors.js';
import type { SetExit } from '../commands.js';

export function registerCompare(program: Command, _setExit: SetExit): void {
  program
    .command('compare')
    .description('(not implemented yet)')
    .allowUnknownOption(true)
    .action(() => {
      throw new LoadtestError('`loadtest compare` is not implemented yet');
    });
}
