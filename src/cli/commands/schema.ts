// `loadtest schema`: print the JSON Schema of scenario files, for editors (yaml-language-server:
// `# yaml-language-server: $schema=./scenario.schema.json`) and CI linters.
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { ExitCode } from '../../exit-codes.js';
import { LoadtestError } from '../../errors.js';
import { scenarioJsonSchema } from '../../scenario/json-schema.js';
import type { SetExit } from '../commands.js';

export interface SchemaOptions {
  /** Write to this file instead of stdout. */
  out?: string;
}

export async function schemaCommand(opts: SchemaOptions): Promise<number> {
  const text = JSON.stringify(scenarioJsonSchema(), null, 2) + '\n';
  if (!opts.out) {
    process.stdout.write(text);
    return ExitCode.OK;
  }
  try {
    await writeFile(opts.out, text);
  } catch (e) {
    throw new LoadtestError(`cannot write ${opts.out}: ${(e as Error).message}`, ExitCode.USAGE);
  }
  // On stderr, like `loadtest report -o`: stdout stays for the schema itself.
  process.stderr.write(`wrote ${opts.out}\n`);
  return ExitCode.OK;
}

export function registerSchema(program: Command, setExit: SetExit): void {
  program
    .command('schema')
    .description('print the JSON Schema (draft 2020-12) of scenario files, for editor completion and checks')
    .option('-o, --out <file>', 'write the schema to a file instead of stdout')
    .action(async (o: { out?: string }) => {
      setExit(await schemaCommand(o.out ? { out: o.out } : {}));
    });
}
