// `loadtest k8s`: the Kubernetes manifests for a distributed run, as YAML. Pure: options in, text out.
//
//   ConfigMap <name>-scenario     the scenario file, mounted into the controller
//   Service   <name>-controller   where agents connect (the controller's port, ClusterIP)
//   Job       <name>-controller   one pod: `loadtest run /scenario/<file> --agents N --agents-wait 600 --listen 0.0.0.0:<port>`
//                                 and where its reports go: a volume `results` at /results, also its
//                                 working directory. With resultsClaim (`--results-claim`), that
//                                 PersistentVolumeClaim, and every report on it:
//                                 /results/<slug>.{json,html,md,xml,steps.jsonl}. Without, an emptyDir
//                                 for the step log, and `--json /dev/stdout`: the JSON report is in the
//                                 container's log (before the verdict), which `kubectl logs` still reads
//                                 after the container has exited, when `kubectl cp` reaches no file
//   Job       <name>-agents       Indexed: completions = parallelism = agents; each pod's index
//                                 (annotation batch.kubernetes.io/job-completion-index, also
//                                 JOB_COMPLETION_INDEX) is its LOADTEST_AGENT_ID; runs
//                                 `loadtest agent --connect <name>-controller:<port>`
// The token (LOADTEST_AGENT_TOKEN) comes from a Secret the user creates; it is referenced, never
// rendered. The image must have `loadtest` on its PATH.
//
// Resource rule (agentResources): an agent's peak rate is the plan's peak over the agents (equal
// split, rate-split.ts); it needs ceil(peak / RPS_PER_CORE) generator threads, RPS_PER_CORE being
// the rate one thread sustains comfortably (traffic/generator/workers.ts RATE_PER_THREAD, measured by
// `npm run bench`); with more than one thread, one more core for the main thread, which merges
// them. Memory: 256 MiB + 128 MiB per core (histograms are fixed-size; the rest is sockets and
// buffers). No CPU limit: CFS throttling would stall the generator mid-schedule and it would report
// itself limited for a quota, not for a lack of CPU. Memory limit = request.
// Agents prefer separate nodes (pod anti-affinity): agents sharing a node share its CPU and NIC.
import { stringify } from 'yaml';
import { slug } from '../controller/run-scenario.js';
import { RATE_PER_THREAD } from '../traffic/generator/workers.js';

/** Requests/s one generator thread — one core — sustains comfortably. */
export const RPS_PER_CORE = RATE_PER_THREAD;
export const DEFAULT_AGENT_PORT = 7000;
/** How long the controller waits for its agents, and an agent for its controller, in pods (s). */
export const POD_WAIT_S = 600;
const INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

export interface K8sOptions {
  /** Base name for every object (the scenario's name); made DNS-1123-valid. */
  name: string;
  agents: number;
  image: string;
  /** The plan's peak rate, requests/s (the last level of step-plan.ts plannedRamp). */
  peakRps: number;
  /** The scenario file's text and its file name (mounted at /scenario/<fileName>). */
  scenario: { fileName: string; text: string };
  port?: number;
  namespace?: string;
  /** The Secret holding the token; default <name>-agent-token, key `token`. */
  tokenSecret?: { name: string; key: string };
  /** `--agents-min` for the controller; omitted: the controller's default. */
  agentsMin?: number;
  /**
   * An existing PersistentVolumeClaim mounted at /results in the controller: every report written
   * there. Omitted: an emptyDir there, and the JSON report printed into the log (`--json /dev/stdout`).
   */
  resultsClaim?: string;
}

export const RESULTS_DIR = '/results';

/** The controller's report flags: every report on the claim, or (no claim) the JSON report into its log. */
export function controllerReportArgs(name: string, withClaim: boolean): string[] {
  // slug(): the name `loadtest run` gives results/<name>.json. `--log` given too: a scenario's own
  // report.log would otherwise move it, and next to /dev/stdout it would land in results/ under the cwd.
  const at = `${RESULTS_DIR}/${slug(name)}`;
  const log = ['--log', `${at}.steps.jsonl`];
  if (!withClaim) return ['--json', '/dev/stdout', ...log];
  return ['--json', `${at}.json`, ...log, '--html', `${at}.html`, '--markdown', `${at}.md`, '--junit', `${at}.xml`];
}

export interface AgentResources {
  perAgentRps: number;
  cores: number;
  cpu: string;
  memory: string;
}

/** The documented rule above. */
export function agentResources(peakRps: number, agents: number): AgentResources {
  const perAgentRps = Math.max(0, peakRps) / Math.max(1, agents);
  const threads = Math.max(1, Math.ceil(perAgentRps / RPS_PER_CORE));
  const cores = threads === 1 ? 1 : threads + 1;
  return { perAgentRps, cores, cpu: String(cores), memory: `${256 + 128 * cores}Mi` };
}

const DNS_LABEL_MAX = 63;

/**
 * A DNS-1123 label (also a valid DNS-1035 one, as Service names need: starts with a letter):
 * lowercase, [a-z0-9-], no leading or trailing '-', at most 63 characters with `-<suffix>` appended.
 */
export function dnsName(base: string, suffix = ''): string {
  let b = base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(b)) b = b === '' ? 'loadtest' : `lt-${b}`;
  const tail = suffix === '' ? '' : `-${suffix}`;
  b = b.slice(0, DNS_LABEL_MAX - tail.length).replace(/-+$/, '');
  return `${b}${tail}`;
}

export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function renderK8s(o: K8sOptions): { objects: Array<Record<string, unknown>>; yaml: string } {
  if (!Number.isInteger(o.agents) || o.agents < 1) throw new Error(`--agents must be a whole number ≥ 1, got ${o.agents}`);
  if (o.agentsMin !== undefined && (!Number.isInteger(o.agentsMin) || o.agentsMin < 1 || o.agentsMin > o.agents)) {
    throw new Error(`--agents-min must be a whole number from 1 to --agents (${o.agents}), got ${o.agentsMin}`);
  }
  const port = o.port ?? DEFAULT_AGENT_PORT;
  const base = dnsName(o.name);
  const svc = dnsName(base, 'controller');
  const secret = o.tokenSecret ?? { name: dnsName(base, 'agent-token'), key: 'token' };
  // A ConfigMap key is [-._a-zA-Z0-9]+ (at most 253): `Checkout (prod).yaml` is mounted as `Checkout-prod-.yaml`.
  const key = o.scenario.fileName.replace(/^.*[\\/]/, '').replace(/[^-._a-zA-Z0-9]+/g, '-').slice(-253);
  const fileName = key === '' || key === '.' || key === '..' ? 'scenario.yaml' : key;
  const ns = o.namespace !== undefined ? { namespace: o.namespace } : {};
  const labels = (component: string) => ({ 'app.kubernetes.io/name': 'loadtest', 'app.kubernetes.io/instance': base, 'app.kubernetes.io/component': component });
  const tokenEnv = { name: 'LOADTEST_AGENT_TOKEN', valueFrom: { secretKeyRef: { name: secret.name, key: secret.key } } };
  const res = agentResources(o.peakRps, o.agents);

  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: dnsName(base, 'scenario'), ...ns, labels: labels('controller') },
    data: { [fileName]: o.scenario.text },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: svc, ...ns, labels: labels('controller') },
    spec: { selector: labels('controller'), ports: [{ name: 'agents', port, targetPort: port, protocol: 'TCP' }] },
  };
  const controller = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: svc, ...ns, labels: labels('controller') },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 0, // a restarted controller would start the search over: fail visibly instead
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: labels('controller') },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'controller',
              image: o.image,
              command: ['loadtest'],
              args: [
                'run',
                `/scenario/${fileName}`,
                '--agents',
                String(o.agents),
                ...(o.agentsMin !== undefined ? ['--agents-min', String(o.agentsMin)] : []),
                // Pods start in any order and images take a while to pull: both sides wait 10 minutes.
                '--agents-wait',
                String(POD_WAIT_S),
                '--listen',
                `0.0.0.0:${port}`,
                ...controllerReportArgs(o.name, o.resultsClaim !== undefined),
              ],
              // Relative paths in the scenario (report.history, gate.baseline) resolve on the volume too.
              workingDir: RESULTS_DIR,
              ports: [{ name: 'agents', containerPort: port, protocol: 'TCP' }],
              env: [tokenEnv],
              resources: { requests: { cpu: '1', memory: '512Mi' }, limits: { memory: '512Mi' } },
              volumeMounts: [
                { name: 'scenario', mountPath: '/scenario', readOnly: true },
                { name: 'results', mountPath: RESULTS_DIR },
              ],
            },
          ],
          volumes: [
            { name: 'scenario', configMap: { name: configMap.metadata.name } },
            o.resultsClaim !== undefined ? { name: 'results', persistentVolumeClaim: { claimName: o.resultsClaim } } : { name: 'results', emptyDir: {} },
          ],
        },
      },
    },
  };
  const agents = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: dnsName(base, 'agents'), ...ns, labels: labels('agent') },
    spec: {
      completionMode: 'Indexed',
      completions: o.agents,
      parallelism: o.agents,
      backoffLimit: 0, // a lost agent is the controller's to handle (--agents-min), not a silent restart
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: labels('agent') },
        spec: {
          restartPolicy: 'Never',
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels('agent') } } },
              ],
            },
          },
          containers: [
            {
              name: 'agent',
              image: o.image,
              command: ['loadtest'],
              args: ['agent', '--connect', `${svc}:${port}`, '--connect-timeout', String(POD_WAIT_S)],
              env: [{ name: 'LOADTEST_AGENT_ID', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${INDEX_ANNOTATION}']` } } }, tokenEnv],
              resources: { requests: { cpu: res.cpu, memory: res.memory }, limits: { memory: res.memory } },
            },
          ],
        },
      },
    },
  };
  const objects = [configMap, service, controller, agents] as Array<Record<string, unknown>>;
  const header =
    `# loadtest k8s: ${o.agents} agents for a peak of ${o.peakRps} rps (${res.perAgentRps.toFixed(0)} rps each: ` +
    `${res.cores} core${res.cores === 1 ? '' : 's'} at ${RPS_PER_CORE} rps per core).\n` +
    `# First create the token's Secret (it is referenced here, never written):\n` +
    `#   kubectl create secret generic ${secret.name}${o.namespace ? ` -n ${o.namespace}` : ''} --from-literal=${secret.key}="$(openssl rand -hex 32)"\n` +
    (o.resultsClaim !== undefined
      ? `# The reports go to the PersistentVolumeClaim ${o.resultsClaim} (it must exist): ${RESULTS_DIR}/${slug(o.name)}.json, .html, .md, .xml, .steps.jsonl\n`
      : `# The JSON report is printed into the controller's log (kubectl logs), before the verdict; --results-claim keeps every report on a volume.\n`);
  return { objects, yaml: header + objects.map((x) => stringify(x, { lineWidth: 0 })).join('---\n') };
}
