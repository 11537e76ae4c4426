// `loadtest k8s` through the CLI, in process (the commands registered as main() registers them):
// stdout is the manifests and nothing else, -o writes them, bad flags and scenarios get one line and
// exit 2. The real binary, with `> loadtest-job.yaml`, is run in test/integration/k8s-cli.test.ts.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { k8sProblems } from '../helpers/k8s-schema.js';
import { ExitCode } from '../../src/exit-codes.js';
import { loadScenario } from '../../src/scenario/load-scenario.js';
import { DEFAULT_IMAGE, peakRequestRate, podNotes } from '../../src/cli/commands/k8s.js';
import { VERSION } from '../../src/version.js';

const ROOT = join(import.meta.dirname, '../..');
const fixtures = join(ROOT, 'test/fixtures');
const dir = mkdtempSync(join(tmpdir(), 'loadtest-k8s-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenario = join(dir, 'scenario.yaml');
writeFileSync(scenario, 'name: Checkout API\ntarget: http://checkout.shop.svc:8080\ntraffic:\n  request: { path: /items }\nload: { start: 1000, factor: 2, max: 50000 }\nslo: [p99 < 250ms]\n');

let stderr: string[];
beforeEach(() => {
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (stderr.push(String(s)), true));
});
afterEach(() => vi.restoreAllMocks());

const objects = (yaml: string) =>
  parseAllDocuments(yaml).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as any;
  });

describe('loadtest k8s', () => {
  it('the issue\'s command line: YAML on stdout (and only YAML), what to do next on stderr', async () => {
    const r = await cliInProcess('k8s', scenario, '--agents', '20');
    expect(r.code).toBe(ExitCode.OK);
    const objs = objects(r.out);
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/checkout-api-scenario',
      'Service/checkout-api-controller',
      'Job/checkout-api-controller',
      'Job/checkout-api-agents',
    ]);
    for (const o of objs) expect(k8sProblems(o)).toEqual([]);
    const agents = objs[3];
    expect(agents.spec).toMatchObject({ completionMode: 'Indexed', completions: 20, parallelism: 20 });
    // 50,000 rps over 20 agents: 2,500 each, one core.
    expect(agents.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '384Mi' }, limits: { memory: '384Mi' } });
    expect(agents.spec.template.spec.containers[0].image).toBe(`ghcr.io/loadtest/loadtest:${VERSION}`);
    expect(objs[0].data).toEqual({ 'scenario.yaml': readFileSync(scenario, 'utf8') });
    expect(stderr.join('')).toBe(
      [
        "20 agents (1 core and 384Mi each) for the plan's peak of 50000 rps",
        'next: kubectl create secret generic checkout-api-agent-token --from-literal=token="$(openssl rand -hex 32)"',
        '      kubectl apply -f <the YAML> && kubectl logs -f job/checkout-api-controller',
        "report: the JSON report is in the controller's log, before the verdict: kubectl logs job/checkout-api-controller | sed -n '/^{$/,/^}$/p' > checkout-api.json",
        '        (--results-claim <pvc> keeps every report on a volume)',
        '',
      ].join('\n'),
    );
    // Without a claim: an emptyDir at /results, the JSON report into the log.
    const pod = objs[2].spec.template.spec;
    expect(pod.containers[0].args.slice(-4)).toEqual(['--json', '/dev/stdout', '--log', '/results/checkout-api.steps.jsonl']);
    expect(pod.volumes[1]).toEqual({ name: 'results', emptyDir: {} });
  });

  it('every flag', async () => {
    const out = join(dir, 'out/job.yaml');
    const r = await cliInProcess('k8s', scenario, '--agents', '4', '--image', 'registry.example/lt:1', '--namespace', 'perf', '--port', '7100',
      '--token-secret', 'lt-token:agent', '--agents-min', '3', '--results-claim', 'perf.loadtest-results', '-o', out);
    expect(r).toEqual({ code: ExitCode.OK, out: '', err: [] });
    const objs = objects(readFileSync(out, 'utf8'));
    for (const o of objs) expect([o.metadata.namespace, k8sProblems(o)]).toEqual(['perf', []]);
    const pod = objs[2].spec.template.spec;
    const ctl = pod.containers[0];
    expect(ctl.image).toBe('registry.example/lt:1');
    expect(ctl.args).toEqual([
      'run', '/scenario/scenario.yaml', '--agents', '4', '--agents-min', '3', '--agents-wait', '600', '--listen', '0.0.0.0:7100',
      '--json', '/results/checkout-api.json', '--log', '/results/checkout-api.steps.jsonl',
      '--html', '/results/checkout-api.html', '--markdown', '/results/checkout-api.md', '--junit', '/results/checkout-api.xml',
    ]);
    expect(ctl.volumeMounts).toContainEqual({ name: 'results', mountPath: '/results' });
    expect(pod.volumes).toContainEqual({ name: 'results', persistentVolumeClaim: { claimName: 'perf.loadtest-results' } });
    expect(stderr.join('')).toContain('reports: /results/checkout-api.json (.html, .md, .xml, .steps.jsonl) on the PersistentVolumeClaim perf.loadtest-results, which must exist\n');
    expect(stderr.join('')).not.toContain('sed -n');
    expect(ctl.env[0].valueFrom.secretKeyRef).toEqual({ name: 'lt-token', key: 'agent' });
    expect(stderr.join('')).toContain(`wrote ${out}: 4 agents (1 core and 384Mi each) for the plan's peak of 50000 rps`);
    expect(stderr.join('')).toContain('kubectl create secret generic lt-token -n perf --from-literal=agent=');
    expect(stderr.join('')).toContain(`kubectl apply -f ${out} && kubectl logs -f -n perf job/checkout-api-controller`);
  });

  it.each([
    [['--agents', '0'], "--agents: expected a whole number from 1 to 100000, found '0'"],
    [['--agents', 'twenty'], "--agents: expected a whole number from 1 to 100000, found 'twenty'"],
    [['--agents', '2.5'], "--agents: expected a whole number from 1 to 100000, found '2.5'"],
    [['--agents', '100001'], "--agents: expected a whole number from 1 to 100000, found '100001'"],
    [['--agents', '4', '--agents-min', '5'], "--agents-min: expected a whole number from 1 to 4, found '5'"],
    [['--agents', '4', '--port', '0'], "--port: expected a whole number from 1 to 65535, found '0'"],
    [['--agents', '4', '--namespace', 'Perf_Team'], "--namespace: expected a Kubernetes namespace (lowercase letters, digits and '-', at most 63), found 'Perf_Team'"],
    [['--agents', '4', '--token-secret', 'Token'], "--token-secret: expected <secret name>[:<key>] (a lowercase DNS name; a key of letters, digits, '-', '_', '.'), found 'Token'"],
    [['--agents', '4', '--token-secret', 'lt:a/b'], "--token-secret: expected <secret name>[:<key>] (a lowercase DNS name; a key of letters, digits, '-', '_', '.'), found 'lt:a/b'"],
    [['--agents', '4', '--image', 'a b'], `--image: expected an image reference such as registry.example/loadtest:${VERSION}, found 'a b'`],
    ...['Results', 'results_claim', '-results', 'results.', 'a..b', '', 'a'.repeat(254)].map((v) => [
      ['--agents', '4', '--results-claim', v],
      `--results-claim: expected a PersistentVolumeClaim name (a lowercase DNS name: letters, digits, '-' and '.', at most 253), found '${v}'`,
    ] as [string[], string]),
  ])('bad flags %j: one line, exit 2', async (flags, line) => {
    const r = await cliInProcess('k8s', scenario, ...flags);
    expect(r).toEqual({ code: ExitCode.USAGE, out: '', err: [`loadtest: ${line}`] });
  });

  it('--agents is required', async () => {
    const r = await cliInProcess('k8s', scenario);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.err).toEqual(["error: required option '--agents <n>' not specified"]);
  });

  it('a shift scenario is refused: agents generate load', async () => {
    const f = join(fixtures, 'valid/shift-haproxy-address.yaml');
    const r = await cliInProcess('k8s', f, '--agents', '2');
    expect(r).toEqual({
      code: ExitCode.USAGE,
      out: '',
      err: [`loadtest: ${f} shifts live traffic (traffic.shift): there is no load for agents to generate; \`loadtest k8s\` needs a generate-mode scenario`],
    });
  });

  it('a missing file and an invalid scenario fail as `plan` does', async () => {
    const missing = join(dir, 'nope.yaml');
    expect(await cliInProcess('k8s', missing, '--agents', '2')).toEqual({ code: ExitCode.USAGE, out: '', err: [`loadtest: cannot read scenario ${missing}: no such file`] });
    const bad = join(fixtures, 'invalid/max-below-start.yaml');
    const r = await cliInProcess('k8s', bad, '--agents', '2');
    expect(r).toEqual({ ...(await cliInProcess('plan', bad)), err: ['loadtest: invalid scenario: 1 problem', `  ${bad}:8:8: load.max: max (100 rps) is below start (500 rps)`] });
  });

  it('an unwritable --output: exit 2, nothing on stdout', async () => {
    const blocker = join(dir, 'file');
    writeFileSync(blocker, '');
    const r = await cliInProcess('k8s', scenario, '--agents', '2', '-o', join(blocker, 'job.yaml'));
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.out).toBe('');
    expect(r.err[0]).toMatch(new RegExp(`^loadtest: cannot write ${join(blocker, 'job.yaml')}: `));
  });

  it('--help says the image needs loadtest on its PATH', async () => {
    const r = await cliInProcess('k8s', '--help');
    expect(r.out.replace(/\s+/g, ' ')).toContain(`container image with \`loadtest\` on its PATH (default ${DEFAULT_IMAGE})`);
  });
});

describe('peakRequestRate and podNotes', () => {
  it('the plan\'s last level; with sessions, times the requests a session sends', async () => {
    expect(peakRequestRate(await loadScenario(scenario))).toBe(50_000);
    // 400 sessions/s; 3 in 10 are buyers (2 requests), 7 browsers (1): 1.3 requests each.
    expect(peakRequestRate(await loadScenario(join(ROOT, 'scenarios/sessions.yaml')))).toBe(520);
  });

  it('what a pod lacks: a loopback target, files beside the scenario, ${VAR}s', async () => {
    const copy = join(dir, 'feeders');
    cpSync(join(ROOT, 'scenarios'), copy, { recursive: true });
    const f = join(copy, 'feeders.yaml');
    const s = await loadScenario(f);
    const notes = podNotes(s, readFileSync(f, 'utf8') + 'x-env: "${TOKEN} ${HOST:-x} ${TOKEN}"\n');
    expect(notes).toEqual([
      'the target http://127.0.0.1:8080 is a loopback address: from a pod it is the pod itself; give an address the cluster reaches',
      `the scenario reads ${join(copy, 'data/users.csv')}: the controller's pod gets only the scenario file, in /scenario/ (relative paths resolve there); add a volume with them, or build them into the image at the absolute paths the scenario gives`,
      "the scenario reads ${TOKEN}, ${HOST} from the environment: in the pod, that of the controller's container; add them to its env",
    ]);
    expect(podNotes(await loadScenario(scenario), readFileSync(scenario, 'utf8'))).toEqual([]);
  });
});
