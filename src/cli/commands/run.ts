// `loadtest run` — placeholder until implemented.
import type { Command } from 'commander';
import { LoadtestError } from '../../errors.js';
import type { SetExit } from '../commands.js';

export function registerRun(program: Command, _setExit: SetExit): void {
  program
    .command('run')
    .description('(not implemented yet)')
    .allowUnknownOption(true)
    .action(() => {
      throw new LoadtestError('`loadtest run` is not implemented yet');
    });
}
