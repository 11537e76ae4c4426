// The command shifter: the same shift Traffic, but weights are read and set by the user's own shell
// commands (Envoy admin, Istio, a cloud LB's CLI …). `{server}` and `{weight}` are replaced by
// shell-quoted values, so a server name can never inject shell syntax. get_weight must print the
// server's current weight (an integer) on stdout; set_weight must exit 0 once the weight is applied.
import { execFile } from 'node:child_process';
import { LoadtestError } from '../../errors.js';
import type { Sampler } from '../../metrics/samplers/sampler.js';
import type { CommandShifterSpec, ShiftLimits } from '../../scenario/scenario.js';
import { createShiftTraffic, type ShiftTraffic, type WeightControl, pickTuning } from './shift-traffic.js';

/** POSIX single-quote escaping: 'it'\''s'. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Fills {server} and {weight} (shell-quoted) into a command template. */
export function fillTemplate(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(server|weight)\}/g, (whole, k: string) => (k in vars ? shellQuote(String(vars[k])) : whole));
}

/** Runs a filled command with `sh -c`; resolves with stdout, rejects with a LoadtestError quoting stderr. */
export function runShell(command: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const why = err.killed ? `timed out after ${timeoutMs} ms` : `exit code ${String((err as { code?: unknown }).code ?? '?')}`;
        const tail = String(stderr).trim().split('\n').slice(-1)[0];
        reject(new LoadtestError(`command failed (${why}): ${command}${tail ? ` — ${tail}` : ''}`));
      } else resolve(String(stdout));
    });
  });
}

export function parseWeightOutput(out: string, server: string, command: string): number {
  const t = out.trim().split(/\s+/)[0] ?? '';
  const w = Number(t);
  if (t === '' || !Number.isInteger(w) || w < 0 || w > 256) {
    throw new LoadtestError(`get_weight for ${server} printed '${out.trim().slice(0, 60)}', expected an integer weight 0..256 (${command})`);
  }
  return w;
}

export function commandWeightControl(spec: Pick<CommandShifterSpec, 'pool' | 'getWeight' | 'setWeight'>, timeoutMs = 10_000): WeightControl {
  return {
    description: `command shifter (pool ${spec.pool.join(', ')})`,
    journalShifter: { type: 'command', setWeight: spec.setWeight },
    async readWeights() {
      const out: Record<string, number> = {};
      for (const server of spec.pool) {
        const cmd = fillTemplate(spec.getWeight, { server });
        out[server] = parseWeightOutput(await runShell(cmd, timeoutMs), server, cmd);
      }
      return out;
    },
    async setWeight(server, weight) {
      await runShell(fillTemplate(spec.setWeight, { server, weight }), timeoutMs);
    },
  };
}

export interface CommandShifterOptions {
  spec: CommandShifterSpec;
  limits: ShiftLimits;
  journalFile: string;
  stopFile?: string;
  /** The command shifter has no metrics of its own: Prometheus or a /metrics scrape. */
  makeSampler: (targets: string[], controls: string[]) => Sampler;
  scenarioName?: string;
  windowMs?: number;
  minSamples?: number;
  rampIntervalMs?: number;
  restoreDeadlineMs?: number;
  timeoutMs?: number;
}

export function createCommandShifter(o: CommandShifterOptions): ShiftTraffic {
  return createShiftTraffic({
    controls: [commandWeightControl(o.spec, o.timeoutMs)],
    makeSampler: o.makeSampler,
    targets: o.spec.servers,
    limits: o.limits,
    journalFile: o.journalFile,
    ...pickTuning(o),
  });
}
