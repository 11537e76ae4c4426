// `npm run validate-decisions`: how often the capacity search's answers are wrong, measured by
// driving the real findCapacity and decision code against simulated services of known capacity
// (see the README's "Decision quality"). Prints Markdown tables on stdout, progress on stderr.
//   node dist/simulator/main.js [--seeds N] [--case NAME]... [--plan default|ci] [--noise] [--misses]
// Dev tooling: not exported from the package's index.
import { pathToFileURL } from 'node:url';
import { allCases, gateCases, PLANS, type PlanName, type SimCase } from './cases.js';
import { runCase, runGate, type GateStats } from './run-case.js';
import { caseTable, gateTable, missList, type CaseRow } from './table.js';

export interface ValidateOptions {
  seeds: number;
  /** Case names to run (capacity cases and gate-* cases); all when empty. */
  cases: string[];
  /** Measurement noise (jitter and pauses) on every service. */
  noise: boolean;
  /** The load plan every case runs (cases.ts PLANS; default: the loader's default steps). */
  plan?: PlanName;
  log?: (line: string) => void;
}

export interface Validation {
  rows: CaseRow[];
  gates: GateStats[];
  markdown: string;
  misses: string;
}

export function selectCases(names: readonly string[], noise: boolean, plan: PlanName = 'default'): { cases: SimCase[]; gates: SimCase[] } {
  const want = (c: SimCase) => names.length === 0 || names.includes(c.name);
  const withNoise = (c: SimCase): SimCase => (noise && !c.noise ? { ...c, name: `${c.name}-noisy`, noise: true } : c);
  const withPlan = (c: SimCase): SimCase => ({ ...c, plan });
  const cases = allCases().filter(want).map(withNoise).map(withPlan);
  const gates = gateCases().filter(want).map(withNoise).map(withPlan);
  return { cases, gates };
}

export async function validateDecisions(o: ValidateOptions): Promise<Validation> {
  const log = o.log ?? (() => undefined);
  const { cases, gates } = selectCases(o.cases, o.noise, o.plan);
  const rows: CaseRow[] = [];
  for (const c of cases) {
    const t0 = Date.now();
    rows.push({ stats: await runCase(c, o.seeds), starved: c.generator.kind === 'starved' });
    log(`${c.name}: ${o.seeds} runs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const gateStats: GateStats[] = [];
  for (const c of gates) {
    const t0 = Date.now();
    gateStats.push(await runGate(c, o.seeds));
    log(`${c.name}: ${o.seeds} × 3 runs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const parts: string[] = [];
  if (rows.length > 0) parts.push(caseTable(rows));
  if (gateStats.length > 0) parts.push(gateTable(gateStats));
  return { rows, gates: gateStats, markdown: parts.join('\n\n'), misses: missList(rows) };
}

/** What `--help` prints. */
export function usage(): string {
  const names = (cs: readonly SimCase[]) => cs.map((c) => c.name).join(', ');
  return [
    'usage: npm run validate-decisions -- [--seeds N] [--case NAME]... [--plan default|ci] [--noise] [--misses]',
    'How often the capacity search and the gate are wrong, on simulated services of known capacity (README "Decision quality").',
    '  --seeds N      seeded runs per case (default 1000; about 1 hour on one core for every case)',
    '  --case NAME    one case, repeatable (default: all):',
    `                 ${names(allCases())}`,
    `                 ${names(gateCases())}`,
    `  --plan NAME    the load plan every case runs: ${Object.keys(PLANS).join(', ')} (default: default, the loader's 30 s steps)`,
    '  --noise        jitter and pauses on every service',
    '  --misses       list the wrong answers by seed (first 5 per case)',
    'Markdown tables on stdout, progress on stderr; exit 2 on a bad flag.',
  ].join('\n');
}

/** Flags → options; a bad flag is one line on stderr and exit code 2. */
export function parseArgs(argv: readonly string[]): ValidateOptions & { misses: boolean; help: boolean } {
  const o = { seeds: 1000, cases: [] as string[], noise: false, misses: false, help: false, plan: 'default' as PlanName };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--seeds') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--seeds: expected a whole number ≥ 1, found '${argv[i] ?? ''}'`);
      o.seeds = n;
    } else if (a === '--case') {
      const name = argv[++i];
      const known = [...allCases(), ...gateCases()].map((c) => c.name);
      if (!name || !known.includes(name)) throw new Error(`--case: expected one of ${known.join(', ')}, found '${name ?? ''}'`);
      o.cases.push(name);
    } else if (a === '--plan') {
      const name = argv[++i];
      if (!name || !(name in PLANS)) throw new Error(`--plan: expected one of ${Object.keys(PLANS).join(', ')}, found '${name ?? ''}'`);
      o.plan = name as PlanName;
    } else if (a === '--noise') o.noise = true;
    else if (a === '--misses') o.misses = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`unknown flag '${a}' (flags: --seeds N, --case NAME, --plan default|ci, --noise, --misses, --help)`);
  }
  return o;
}

async function cli(): Promise<void> {
  let o: ReturnType<typeof parseArgs>;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`validate-decisions: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (o.help) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const t0 = Date.now();
  const v = await validateDecisions({ ...o, log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`${v.markdown}\n`);
  if (o.misses && v.misses) process.stdout.write(`\nMisses (first ${5} per case):\n${v.misses}\n`);
  const cpu = process.cpuUsage();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  process.stderr.write(`validate-decisions: ${o.seeds} seeds in ${((Date.now() - t0) / 1000).toFixed(0)} s (CPU ${cpuS.toFixed(0)} s)\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void cli();
