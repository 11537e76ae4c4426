// `loadtest validate` — placeholder until implemented.
import type { Command } from 'commander';
import { LoadtestError } from '../../errors.js';
import type { SetExit } from '../commands.js';

export function registerValidate(program: Command, _setExit: SetExit): void {
  program
    .command('validate')
    .description('(not implemented yet)')
    .allowUnknownOption(true)
    .action(() => {
      throw new LoadtestError('`loadtest validate` is not implemented yet');
    });
}
