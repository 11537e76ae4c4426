// `loadtest history` — placeholder until implemented.
import type { Command } from 'commander';
import { LoadtestError } from '../../errors.js';
import type { SetExit } from '../commands.js';

export function registerHistory(program: Command, _setExit: SetExit): void {
  program
    .command('history')
    .description('(not implemented yet)')
    .allowUnknownOption(true)
    .action(() => {
      throw new LoadtestError('`loadtest history` is not implemented yet');
    });
}
