// `loadtest demo` — placeholder until implemented.
import type { Command } from 'commander';
import { LoadtestError } from '../../errors.js';
import type { SetExit } from '../commands.js';

export function registerDemo(program: Command, _setExit: SetExit): void {
  program
    .command('demo')
    .description('(not implemented yet)')
    .allowUnknownOption(true)
    .action(() => {
      throw new LoadtestError('`loadtest demo` is not implemented yet');
    });
}
