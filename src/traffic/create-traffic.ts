// Builds the Traffic a scenario asks for: the open-model generator for `generate`, a shifter for
// `shift`. The controller only ever sees the Traffic interface.
import type { Scenario } from '../scenario/scenario.js';
import type { Traffic } from './traffic.js';
import { LoadtestError } from '../errors.js';
import { createGenerator, type GeneratorOptions } from './generator/generator.js';
import { createShifter, type ShiftTuning } from './shifters/create-shifter.js';

export interface CreateTrafficOptions {
  /** Generator tuning (health thresholds, cores); generate mode only. */
  generator?: GeneratorOptions;
  /** Shifter tuning (ramp pacing, restore deadline); shift mode only. */
  shift?: ShiftTuning;
}

export function createTraffic(scenario: Scenario, opts: CreateTrafficOptions = {}): Traffic {
  const spec = scenario.traffic;
  switch (spec.kind) {
    case 'generate':
      return createGenerator(spec, { ...opts.generator, ...(scenario.data ? { data: scenario.data } : {}) });
    case 'shift':
      return createShifter(scenario, opts.shift);
    default:
      throw new LoadtestError(`traffic kind '${(spec as { kind: string }).kind}' is not supported`);
  }
}
