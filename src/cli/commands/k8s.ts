// `loadtest k8s <scenario> --agents N`: the Kubernetes manifests of a distributed run (issue #14) as
// multi-document YAML on stdout (or atomically into -o FILE): the scenario's ConfigMap, the
// controller's Service and Job, and an Indexed Job of N agents (agents/k8s.ts renders them). The
// scenario is loaded as `plan` loads it, so a bad file fails the same way (file:line:col, exit 2);
// the agents' resources are sized from the plan's peak. `--results-claim` puts the controller's
// reports on that PersistentVolumeClaim; without it the JSON report goes into the controller's log.
// Stdout carries only YAML: what to do next, where the reports will be, and what a pod will lack (a
// loopback target, files beside the scenario, ${VAR}s), go to stderr.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { agentResources, DEFAULT_AGENT_PORT, DNS_1123_LABEL, dnsName, renderK8s, RESULTS_DIR, type K8sOptions } from '../../agents/k8s.js';
import { slug } from '../../controller/run-scenario.js';
import { plannedRamp } from '../../controller/step-plan.js';
import { LoadtestError, UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { writeFileAtomic } from '../../report/atomic-write.js';
import { loadScenario } from '../../scenario/load-scenario.js';
import type { Scenario } from '../../scenario/scenario.js';
import { VERSION } from '../../version.js';
import { displayPath } from '../../workload/data/table.js';
import { requestsPerArrival } from '../../workload/requests-per-arrival.js';
import type { SetExit } from '../commands.js';

/** The image a release would publish; none is published yet (README "On Kubernetes": build one). */
export const DEFAULT_IMAGE = `ghcr.io/loadtest/loadtest:${VERSION}`;
/** Kubernetes' own bound on an Indexed Job's completions and parallelism. */
const MAX_INDEXED_COMPLETIONS = 100_000;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

export interface K8sCommandOptions {
  file: string;
  agents: number;
  image?: string;
  namespace?: string;
  port?: number;
  tokenSecret?: { name: string; key: string };
  agentsMin?: number;
  /** An existing PersistentVolumeClaim for the controller's reports (mounted at /results). */
  resultsClaim?: string;
  /** Write the YAML here (atomically) instead of stdout. */
  output?: string;
  write?: (text: string) => void;
  note?: (line: string) => void;
}

/** Requests/s at the plan's last level: the level itself, or sessions/s × the requests a session sends. */
export function peakRequestRate(s: Scenario): number {
  const ramp = plannedRamp(s.load);
  const peak = ramp[ramp.length - 1] ?? 0;
  const perArrival = s.traffic.kind === 'generate' && s.traffic.sessions ? requestsPerArrival(s.traffic) : 1;
  return Math.ceil(peak * perArrival);
}

/** What the controller's pod will not have that this machine had: said on stderr, not refused. */
export function podNotes(s: Scenario, text: string): string[] {
  const notes: string[] = [];
  if (s.traffic.kind === 'generate') {
    const host = new URL(s.traffic.target).hostname.replace(/^\[|\]$/g, '');
    if (host === 'localhost' || host === '::1' || host === '0.0.0.0' || /^127\./.test(host)) {
      notes.push(`the target ${s.traffic.target} is a loopback address: from a pod it is the pod itself; give an address the cluster reaches`);
    }
  }
  const files = [...Object.values(s.data ?? {}).map((d) => d.file), ...(s.traffic.kind === 'generate' && s.traffic.replay ? [s.traffic.replay.file] : [])];
  if (files.length > 0) {
    notes.push(`the scenario reads ${files.map(displayPath).join(', ')}: the controller's pod gets only the scenario file, in /scenario/ (relative paths resolve there); add a volume with them, or build them into the image at the absolute paths the scenario gives`);
  }
  const vars = [...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))];
  if (vars.length > 0) notes.push(`the scenario reads \${${vars.join('}, ${')}} from the environment: in the pod, that of the controller's container; add them to its env`);
  return notes;
}

export async function k8sCommand(opts: K8sCommandOptions): Promise<number> {
  const write = opts.write ?? ((t: string) => void process.stdout.write(t));
  const note = opts.note ?? ((l: string) => void process.stderr.write(`${l}\n`));
  if (!(Number.isInteger(opts.agents) && opts.agents >= 1 && opts.agents <= MAX_INDEXED_COMPLETIONS)) {
    throw new UsageError(`--agents: expected a whole number from 1 to ${MAX_INDEXED_COMPLETIONS}, found '${opts.agents}'`);
  }
  if (opts.agentsMin !== undefined && !(Number.isInteger(opts.agentsMin) && opts.agentsMin >= 1 && opts.agentsMin <= opts.agents)) {
    throw new UsageError(`--agents-min: expected a whole number from 1 to --agents (${opts.agents}), found '${opts.agentsMin}'`);
  }
  const scenario = await loadScenario(opts.file);
  if (scenario.traffic.kind === 'shift') {
    throw new UsageError(`${opts.file} shifts live traffic (traffic.shift): there is no load for agents to generate; \`loadtest k8s\` needs a generate-mode scenario`);
  }
  // The text as written (not as loaded): the pod interpolates ${VAR}s and resolves paths itself.
  const text = await readFile(opts.file, 'utf8');
  const peakRps = peakRequestRate(scenario);
  const options: K8sOptions = {
    name: scenario.name,
    agents: opts.agents,
    image: opts.image ?? DEFAULT_IMAGE,
    peakRps,
    scenario: { fileName: basename(opts.file), text },
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    ...(opts.tokenSecret !== undefined ? { tokenSecret: opts.tokenSecret } : {}),
    ...(opts.agentsMin !== undefined ? { agentsMin: opts.agentsMin } : {}),
    ...(opts.resultsClaim !== undefined ? { resultsClaim: opts.resultsClaim } : {}),
  };
  const { yaml } = renderK8s(options);
  if (opts.output) {
    try {
      await writeFileAtomic(opts.output, yaml);
    } catch (e) {
      throw new LoadtestError(`cannot write ${opts.output}: ${(e as Error).message}`, ExitCode.USAGE);
    }
  } else {
    write(yaml);
  }
  // The names renderK8s gives (base name, then suffix), for the next commands.
  const base = dnsName(scenario.name);
  const secret = opts.tokenSecret ?? { name: dnsName(base, 'agent-token'), key: 'token' };
  const ns = opts.namespace !== undefined ? ` -n ${opts.namespace}` : '';
  const res = agentResources(peakRps, opts.agents);
  const each = `${res.cores} core${res.cores === 1 ? '' : 's'} and ${res.memory}`;
  note(`${opts.output ? `wrote ${opts.output}: ` : ''}${opts.agents} agent${opts.agents === 1 ? '' : 's'} (${each} each) for the plan's peak of ${peakRps} rps`);
  for (const n of podNotes(scenario, text)) note(`note: ${n}`);
  note(`next: kubectl create secret generic ${secret.name}${ns} --from-literal=${secret.key}="$(openssl rand -hex 32)"`);
  note(`      kubectl apply -f ${opts.output ?? '<the YAML>'} && kubectl logs -f${ns} job/${dnsName(base, 'controller')}`);
  const file = slug(scenario.name);
  if (opts.resultsClaim !== undefined) {
    note(`reports: ${RESULTS_DIR}/${file}.json (.html, .md, .xml, .steps.jsonl) on the PersistentVolumeClaim ${opts.resultsClaim}, which must exist`);
  } else {
    note(`report: the JSON report is in the controller's log, before the verdict: kubectl logs${ns} job/${dnsName(base, 'controller')} | sed -n '/^{$/,/^}$/p' > ${file}.json`);
    note('        (--results-claim <pvc> keeps every report on a volume)');
  }
  return ExitCode.OK;
}

// Flags → options: one line naming the flag and what it expects.
function whole(flag: string, v: string, min: number, max: number): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${flag}: expected a whole number from ${min} to ${max}, found '${v}'`);
  return n;
}

function namespaceFlag(v: string): string {
  if (!(DNS_1123_LABEL.test(v) && v.length <= 63)) throw new UsageError(`--namespace: expected a Kubernetes namespace (lowercase letters, digits and '-', at most 63), found '${v}'`);
  return v;
}

/** `<name>[:key]`: a Secret name (DNS-1123 subdomain) and the key of the token in it (default `token`). */
export function tokenSecretFlag(v: string): { name: string; key: string } {
  const i = v.indexOf(':');
  const name = i < 0 ? v : v.slice(0, i);
  const key = i < 0 ? 'token' : v.slice(i + 1);
  if (!(DNS_1123_SUBDOMAIN.test(name) && name.length <= 253) || !(SECRET_KEY.test(key) && key.length <= 253 && key !== '.' && key !== '..')) {
    throw new UsageError(`--token-secret: expected <secret name>[:<key>] (a lowercase DNS name; a key of letters, digits, '-', '_', '.'), found '${v}'`);
  }
  return { name, key };
}

/** An existing PersistentVolumeClaim's name: a DNS-1123 subdomain. */
export function resultsClaimFlag(v: string): string {
  if (!(DNS_1123_SUBDOMAIN.test(v) && v.length <= 253)) {
    throw new UsageError(`--results-claim: expected a PersistentVolumeClaim name (a lowercase DNS name: letters, digits, '-' and '.', at most 253), found '${v}'`);
  }
  return v;
}

interface K8sFlags {
  agents: string;
  image?: string;
  namespace?: string;
  port?: string;
  tokenSecret?: string;
  agentsMin?: string;
  resultsClaim?: string;
  output?: string;
}

export function registerK8s(program: Command, setExit: SetExit): void {
  program
    .command('k8s')
    .description('print Kubernetes manifests for a distributed run: the controller (Job + Service) and an Indexed Job of agents')
    .argument('<scenario>', 'scenario YAML file (generate mode)')
    .requiredOption('--agents <n>', 'agents (pods) generating the load; the controller waits for them')
    .option('--image <ref>', `container image with \`loadtest\` on its PATH (default ${DEFAULT_IMAGE})`)
    .option('--namespace <ns>', 'namespace of every object (default: kubectl\'s current one)')
    .option('--port <p>', `port the controller listens on for agents (default ${DEFAULT_AGENT_PORT})`)
    .option('--token-secret <name[:key]>', 'Secret holding LOADTEST_AGENT_TOKEN (default <scenario>-agent-token, key token)')
    .option('--agents-min <m>', 'the controller goes on with at least this many agents')
    .option('--results-claim <pvc>', `an existing PersistentVolumeClaim for the controller's reports, mounted at ${RESULTS_DIR} (default: the JSON report is printed into its log)`)
    .option('-o, --output <file>', 'write the YAML to a file (atomically) instead of stdout')
    .addHelpText('after', '\nThe agents\' CPU and memory are sized from the plan\'s peak rate (README "On Kubernetes").')
    .action(async (file: string, f: K8sFlags) => {
      const agents = whole('--agents', f.agents, 1, MAX_INDEXED_COMPLETIONS);
      // Checked before the file is read: a flag is wrong whatever the scenario says.
      if (f.image !== undefined && !/^\S+$/.test(f.image)) throw new UsageError(`--image: expected an image reference such as registry.example/loadtest:${VERSION}, found '${f.image}'`);
      setExit(
        await k8sCommand({
          file,
          agents,
          ...(f.image !== undefined ? { image: f.image } : {}),
          ...(f.namespace !== undefined ? { namespace: namespaceFlag(f.namespace) } : {}),
          ...(f.port !== undefined ? { port: whole('--port', f.port, 1, 65_535) } : {}),
          ...(f.tokenSecret !== undefined ? { tokenSecret: tokenSecretFlag(f.tokenSecret) } : {}),
          ...(f.agentsMin !== undefined ? { agentsMin: whole('--agents-min', f.agentsMin, 1, agents) } : {}),
          ...(f.resultsClaim !== undefined ? { resultsClaim: resultsClaimFlag(f.resultsClaim) } : {}),
          ...(f.output !== undefined ? { output: f.output } : {}),
        }),
      );
    });
}
