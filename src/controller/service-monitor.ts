// Watches the dependencies of `services:` while a step runs: each service's metrics source is
// sampled on its own grid from the step's start, and when the step ends the samples that cover its
// judged window (the last `durationMs` before the end: warm-up and any cool-down before it left
// out) become the service's window stats — the same counters-diffed, gauges-averaged figures
// (metrics/samplers/window.ts) as the targets'. Works beside any Traffic (generate or shift): the
// traffic is not touched, so a failing source never stops the load or a weight restore; it makes
// the service's verdict inconclusive ("metrics missing"). Memory: one step's samples per service.
import { LoadtestError } from '../errors.js';
import { createHaproxySampler, haproxySnapshot } from '../metrics/samplers/haproxy-sampler.js';
import { createPrometheusSampler } from '../metrics/samplers/prometheus-sampler.js';
import type { GroupSample, Sampler } from '../metrics/samplers/sampler.js';
import { createScrapeSampler } from '../metrics/samplers/scrape-sampler.js';
import { groupMetrics, groupWindow, splitWindows } from '../metrics/samplers/window.js';
import type { ServiceStats, StepMetrics } from '../metrics/step-stats.js';
import type { MetricsSourceSpec, ServiceSpec } from '../scenario/scenario.js';
import { HaproxyRuntime } from '../traffic/shifters/haproxy-runtime.js';

export interface ServiceMonitor {
  /** Reads every source once, before any load: a wrong socket, backend or URL fails here, naming the service. */
  prepare(): Promise<void>;
  /** Starts sampling for one step; `finish` must be called (in a finally) to stop it. */
  startStep(): ServiceWatch;
}

export interface ServiceWatch {
  /** Stops sampling and returns each service's stats over the last `judgedMs` (the step's judged window). */
  finish(judgedMs: number): Promise<ServiceStats[]>;
}

export interface ServiceMonitorOptions {
  /** Judging sub-windows (load.window); absent: the judged window is one. */
  windowMs?: number;
  /** Sampling interval for HAProxy stats; default min(1 s, window). */
  haproxyIntervalMs?: number;
  /** Builds a service's sampler (tests); default from its metrics spec. */
  makeSampler?: (s: ServiceSpec) => Sampler;
}

/** Builds the sampler of one service's own metrics source; its readings are the `target` group. */
export function serviceSampler(s: ServiceSpec, haproxyIntervalMs = 1000): Sampler {
  const m: MetricsSourceSpec = s.metrics;
  if (m.type === 'prometheus') {
    // `{server}` in a service's query is the service's name; only its own queries are asked.
    return createPrometheusSampler({ url: m.url, queries: m.queries, intervalMs: m.intervalMs, defaults: false }, [s.name], []);
  }
  if (m.type === 'scrape') return createScrapeSampler({ targetUrls: [m.url], controlUrls: [], histogram: m.histogram, intervalMs: m.intervalMs });
  if (!m.backend || (!m.socket && !m.address)) throw new LoadtestError(`service ${s.name}: HAProxy stats need a socket (or address) and a backend`);
  const runtime = new HaproxyRuntime({ socket: m.socket, address: m.address });
  const backend = m.backend;
  const given = m.servers;
  if (given) return createHaproxySampler(runtime, backend, given, [], haproxyIntervalMs);
  // The whole backend: every server it has at each reading (servers may be added at runtime).
  return {
    source: 'haproxy',
    intervalMs: haproxyIntervalMs,
    async sample(): Promise<GroupSample> {
      const rows = await runtime.showStat(backend);
      const at = performance.now();
      const servers = rows.filter((r) => r.pxname === backend && r.type === 2).map((r) => r.svname);
      if (servers.length === 0) throw new LoadtestError(`HAProxy has no backend "${backend}" with servers`);
      return { at, target: haproxySnapshot(rows, backend, servers), control: { gauges: {} } };
    },
  };
}

/** The samples covering the window [end − judgedMs, end]: from the last one at or before its start (10% slack). */
export function judgedSamples(samples: readonly GroupSample[], judgedMs: number): GroupSample[] {
  if (samples.length < 2) return [];
  const end = samples[samples.length - 1]!.at;
  const start = end - judgedMs;
  let first = 0;
  for (let i = 0; i < samples.length; i++) if (samples[i]!.at <= start + judgedMs * 0.1) first = i;
  return samples.slice(first);
}

/** A service's stats from its judged samples (pure). */
export function serviceStatsOf(name: string, source: Sampler['source'], samples: GroupSample[], windowMs: number | undefined, error?: string): ServiceStats {
  if (samples.length < 2) {
    return { name, source, metrics: {}, errorCount: 0, missing: error ?? 'fewer than two readings of its metrics in the judged window' };
  }
  const at = samples.map((s) => s.at);
  const w = groupWindow([], samples.map((s) => s.target), at);
  const metrics: StepMetrics = groupMetrics(w, '');
  const out: ServiceStats = { name, source, metrics, errorCount: w.errors };
  if (windowMs !== undefined) {
    out.windows = splitWindows(samples, windowMs).map((ws) => groupMetrics(groupWindow([], ws.map((s) => s.target), ws.map((s) => s.at)), ''));
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export function createServiceMonitor(services: readonly ServiceSpec[], o: ServiceMonitorOptions = {}): ServiceMonitor {
  const haproxyEvery = o.haproxyIntervalMs ?? Math.min(1000, o.windowMs ?? 1000);
  const samplers = services.map((s) => (o.makeSampler ? o.makeSampler(s) : serviceSampler(s, haproxyEvery)));
  return {
    async prepare() {
      await Promise.all(
        samplers.map(async (sm, i) => {
          try {
            await sm.sample();
          } catch (e) {
            throw new LoadtestError(`service ${services[i]!.name}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }),
      );
    },
    startStep(): ServiceWatch {
      let stopped = false;
      const samples: GroupSample[][] = services.map(() => []);
      const errors: Array<string | undefined> = services.map(() => undefined);
      const read = async (i: number): Promise<void> => {
        try {
          samples[i]!.push(await samplers[i]!.sample());
        } catch (e) {
          errors[i] = e instanceof Error ? e.message : String(e);
        }
      };
      const loops = samplers.map(async (sm, i) => {
        const every = Math.max(100, Math.min(sm.intervalMs, o.windowMs ?? Infinity));
        const t0 = performance.now();
        for (let k = 0; !stopped; k++) {
          await read(i);
          // On a grid from the step's start, so a slow answer does not push later readings back.
          const next = t0 + (k + 1) * every;
          while (!stopped && performance.now() < next) await sleep(Math.min(50, next - performance.now()));
        }
      });
      return {
        async finish(judgedMs: number): Promise<ServiceStats[]> {
          stopped = true;
          await Promise.all(loops);
          // One reading at the end, so every window reaches the step's end.
          await Promise.all(samplers.map((_, i) => read(i)));
          return services.map((s, i) => serviceStatsOf(s.name, samplers[i]!.source, judgedSamples(samples[i]!, judgedMs), o.windowMs, errors[i]));
        },
      };
    },
  };
}
