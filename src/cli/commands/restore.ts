// `loadtest restore` — placeholder until implemented.
import type { Command } from 'commander';
import { LoadtestError } from '../../errors.js';
import type { SetExit } from '../commands.js';

export function registerRestore(program: Command, _setExit: SetExit): void {
  program
    .command('restore')
    .description('(not implemented yet)')
    .allowUnknownOption(true)
    .action(() => {
      throw new LoadtestError('`loadtest restore` is not implemented yet');
    });
}
