// `loadtest schema` — placeholder until implemented.
import type { Command } from 'commander';
import { LoadtestError } from '../../errors.js';
import type { SetExit } from '../commands.js';

export function registerSchema(program: Command, _setExit: SetExit): void {
  program
    .command('schema')
    .description('(not implemented yet)')
    .allowUnknownOption(true)
    .action(() => {
      throw new LoadtestError('`loadtest schema` is not implemented yet');
    });
}
