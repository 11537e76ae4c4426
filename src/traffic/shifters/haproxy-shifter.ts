// The HAProxy shifter: moves live traffic onto the target servers of one backend by setting their
// weights through HAProxy's runtime API (stats socket at level admin), on one load-balancer node or
// on several (the list form: the same weights on each, metrics summed over all). prepare() checks
// every socket's level, the backend's balance algorithm and the servers, then journals the weights.
import { LoadtestError } from '../../errors.js';
import { createHaproxyNodesSampler, createHaproxySampler } from '../../metrics/samplers/haproxy-sampler.js';
import type { Sampler } from '../../metrics/samplers/sampler.js';
import type { HaproxyNodeSpec, HaproxyShifterSpec, ShiftLimits } from '../../scenario/scenario.js';
import { haproxyNodes } from '../../scenario/read-shift.js';
import { HASH_ALGORITHMS, HaproxyRuntime, describeAddress } from './haproxy-runtime.js';
import { createShiftTraffic, type ShiftTraffic, type WeightControl, pickTuning } from './shift-traffic.js';

export function haproxyWeightControl(spec: HaproxyNodeSpec, runtime?: HaproxyRuntime): WeightControl {
  const rt = runtime ?? new HaproxyRuntime({ socket: spec.socket, address: spec.address });
  let algo = '';
  return {
    description: `HAProxy ${describeAddress(rt.addr)} backend ${spec.backend}`,
    journalShifter: {
      type: 'haproxy',
      backend: spec.backend,
      ...(spec.socket ? { socket: spec.socket } : {}),
      ...(spec.address ? { address: spec.address } : {}),
    },
    async readWeights() {
      await rt.assertAdmin();
      const b = await rt.inspectBackend(spec.backend, spec.servers);
      algo = b.algo;
      return b.weights;
    },
    setWeight: (server, weight) => rt.setWeight(spec.backend, server, weight),
    async verify(expected) {
      // `show servers state` gives every server's user weight in one command.
      const states = await rt.serversState(spec.backend);
      const differ: string[] = [];
      for (const [server, w] of Object.entries(expected)) {
        const st = states.find((x) => x.server === server);
        if (!st) differ.push(`${server} is gone from the backend`);
        else if (st.uweight !== w) differ.push(`${server} reads ${st.uweight}, expected ${w}`);
      }
      if (differ.length > 0) throw new LoadtestError(`HAProxy ${describeAddress(rt.addr)} backend ${spec.backend}: weights read back differ from those set: ${differ.join(', ')}`);
    },
    async probe(original) {
      // Hash algorithms ignore runtime weights with `hash-type map-based` (the default), and nothing
      // in the runtime API tells the hash type: try a one-unit change and put it back at once.
      if (!HASH_ALGORITHMS.some((a) => algo === a || algo.startsWith(`${a}(`))) return;
      const t = spec.servers[0]!;
      const w = original[t]!;
      try {
        await rt.setWeight(spec.backend, t, w < 256 ? w + 1 : w - 1);
      } catch (e) {
        if (e instanceof LoadtestError && /static/i.test(e.message)) {
          throw new LoadtestError(
            `backend "${spec.backend}" uses \`balance ${algo}\` with map-based hashing, which ignores runtime weights`,
            undefined,
            ['add `hash-type consistent` to the backend, or use `balance roundrobin`'],
          );
        }
        throw e;
      } finally {
        await rt.setWeight(spec.backend, t, w).catch(() => undefined);
      }
    },
  };
}

export interface HaproxyShifterOptions {
  spec: HaproxyShifterSpec;
  limits: ShiftLimits;
  journalFile: string;
  stopFile?: string;
  scenarioName?: string;
  windowMs?: number;
  minSamples?: number;
  /** Metrics source; default: HAProxy's own `show stat` on the same socket. */
  makeSampler?: (targets: string[], controls: string[]) => Sampler;
  sampleIntervalMs?: number;
  rampIntervalMs?: number;
  restoreDeadlineMs?: number;
  timeoutMs?: number;
}

export function createHaproxyShifter(o: HaproxyShifterOptions): ShiftTraffic {
  const nodes = haproxyNodes(o.spec);
  const runtimes = nodes.map((n) => new HaproxyRuntime({ socket: n.socket, address: n.address }, o.timeoutMs ?? 5000));
  const interval = o.sampleIntervalMs ?? 1000;
  return createShiftTraffic({
    controls: nodes.map((n, i) => haproxyWeightControl(n, runtimes[i])),
    makeSampler:
      o.makeSampler ??
      ((targets, controls) =>
        nodes.length === 1
          ? createHaproxySampler(runtimes[0]!, nodes[0]!.backend, targets, controls, interval)
          : createHaproxyNodesSampler(nodes.map((n, i) => ({ runtime: runtimes[i]!, backend: n.backend, name: n.socket ?? n.address ?? `node ${i + 1}` })), targets, controls, interval)),
    targets: o.spec.servers,
    limits: o.limits,
    journalFile: o.journalFile,
    ...pickTuning(o),
  });
}
