// The `--set <path>=<value>` flag that `run`, `demo`, `plan` and `validate` share: repeatable, each
// value collected in order (a later one wins). Parsing and applying live in src/scenario/overrides.ts.
import type { Command } from 'commander';

export const SET_FLAG_HELP =
  'override a scenario value: dot keys, [i] indexes, a YAML value (repeatable; e.g. load.max=800, \'slo[0]=p99 < 200ms\')';

export function addSetFlag(cmd: Command): Command {
  return cmd.option('--set <path=value>', SET_FLAG_HELP, (v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
}
