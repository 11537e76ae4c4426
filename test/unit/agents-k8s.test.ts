import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { agentResources, controllerReportArgs, dnsName, DNS_1123_LABEL, renderK8s, RPS_PER_CORE, type K8sOptions } from '../../src/agents/k8s.js';
import { plannedRamp } from '../../src/controller/step-plan.js';

const opts: K8sOptions = {
  name: 'Checkout API (prod)',
  agents: 20,
  image: 'registry.example/loadtest:0.1.0',
  peakRps: 400_000,
  scenario: { fileName: 'scenarios/checkout.yaml', text: 'name: checkout\n' },
};

type Obj = any;
function docs(o: K8sOptions = opts): Obj[] {
  const parsed = parseAllDocuments(renderK8s(o).yaml);
  for (const d of parsed) expect(d.errors).toEqual([]);
  return parsed.map((d) => d.toJS());
}
const byKindName = (objs: Obj[], kind: string, suffix: string) => objs.find((x) => x.kind === kind && x.metadata.name.endsWith(suffix));

describe('renderK8s', () => {
  const objs = docs();
  const agents = byKindName(objs, 'Job', '-agents');
  const controller = byKindName(objs, 'Job', '-controller');
  const service = byKindName(objs, 'Service', '-controller');
  const configMap = byKindName(objs, 'ConfigMap', '-scenario');

  it('kinds and apiVersions: ConfigMap, Service (v1), two Jobs (batch/v1)', () => {
    expect(objs.map((x) => [x.kind, x.apiVersion])).toEqual([
      ['ConfigMap', 'v1'],
      ['Service', 'v1'],
      ['Job', 'batch/v1'],
      ['Job', 'batch/v1'],
    ]);
  });

  it('every name is a DNS-1123 label (and a Service name starts with a letter)', () => {
    for (const x of objs) {
      expect(x.metadata.name).toMatch(DNS_1123_LABEL);
      expect(x.metadata.name.length).toBeLessThanOrEqual(63);
    }
    expect(service.metadata.name).toMatch(/^[a-z]/);
    expect(service.metadata.name).toBe('checkout-api-prod-controller');
  });

  it('agents: an Indexed Job, completions = parallelism = agents, id from the completion index, token from the Secret', () => {
    expect(agents.spec).toMatchObject({ completionMode: 'Indexed', completions: 20, parallelism: 20, backoffLimit: 0 });
    const pod = agents.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const c = pod.containers[0];
    expect(c.image).toBe(opts.image);
    expect(c.args).toEqual(['agent', '--connect', 'checkout-api-prod-controller:7000', '--connect-timeout', '600']);
    expect(c.env).toEqual([
      { name: 'LOADTEST_AGENT_ID', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
      { name: 'LOADTEST_AGENT_TOKEN', valueFrom: { secretKeyRef: { name: 'checkout-api-prod-agent-token', key: 'token' } } },
    ]);
    // The pod template's labels match its own anti-affinity selector.
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels).toEqual(
      agents.spec.template.metadata.labels,
    );
  });

  it('the Service selects the controller pod on the port the controller listens on and agents connect to', () => {
    expect(service.spec.selector).toEqual(controller.spec.template.metadata.labels);
    expect(service.spec.ports).toEqual([{ name: 'agents', port: 7000, targetPort: 7000, protocol: 'TCP' }]);
    const c = controller.spec.template.spec.containers[0];
    expect(c.args).toEqual(['run', '/scenario/checkout.yaml', '--agents', '20', '--agents-wait', '600', '--listen', '0.0.0.0:7000', '--json', '/dev/stdout', '--log', '/results/checkout-api-prod.steps.jsonl']);
    expect(c.ports[0].containerPort).toBe(7000);
    expect(c.env[0].valueFrom.secretKeyRef.name).toBe('checkout-api-prod-agent-token');
    expect(controller.spec.template.spec.volumes[0].configMap.name).toBe(configMap.metadata.name);
    expect(configMap.data).toEqual({ 'checkout.yaml': 'name: checkout\n' });
  });

  it('the token is referenced, never rendered; the header says how to create its Secret', () => {
    const text = renderK8s(opts).yaml;
    expect(objs.some((x) => x.kind === 'Secret')).toBe(false);
    expect(text).toMatch(/^# .*\n# First create .*\n#   kubectl create secret generic checkout-api-prod-agent-token --from-literal=token=/);
  });

  it('resources from the rule: 400,000 rps over 20 agents = 20,000 each → 2 threads + the main thread', () => {
    const c = agents.spec.template.spec.containers[0];
    expect(c.resources).toEqual({ requests: { cpu: '3', memory: '640Mi' }, limits: { memory: '640Mi' } });
    expect(c.resources.limits.cpu).toBeUndefined(); // no CPU limit: throttling would make the generator late
  });

  it('options: namespace, port, secret, --agents-min', () => {
    const o = docs({ ...opts, namespace: 'perf', port: 7100, tokenSecret: { name: 'lt-token', key: 'k' }, agentsMin: 15 });
    for (const x of o) expect(x.metadata.namespace).toBe('perf');
    const a = byKindName(o, 'Job', '-agents').spec.template.spec.containers[0];
    expect(a.args).toEqual(['agent', '--connect', 'checkout-api-prod-controller:7100', '--connect-timeout', '600']);
    expect(a.env[1].valueFrom.secretKeyRef).toEqual({ name: 'lt-token', key: 'k' });
    expect(byKindName(o, 'Job', '-controller').spec.template.spec.containers[0].args).toEqual([
      'run', '/scenario/checkout.yaml', '--agents', '20', '--agents-min', '15', '--agents-wait', '600', '--listen', '0.0.0.0:7100', '--json', '/dev/stdout', '--log', '/results/checkout-api-prod.steps.jsonl',
    ]);
    expect(renderK8s({ ...opts, namespace: 'perf' }).yaml).toContain('kubectl create secret generic checkout-api-prod-agent-token -n perf');
  });

  it('no results claim: an emptyDir at /results (the step log; the working directory), the JSON report into the log', () => {
    const pod = controller.spec.template.spec;
    const c = pod.containers[0];
    expect(c.workingDir).toBe('/results');
    expect(c.volumeMounts).toEqual([
      { name: 'scenario', mountPath: '/scenario', readOnly: true },
      { name: 'results', mountPath: '/results' },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'scenario', configMap: { name: 'checkout-api-prod-scenario' } },
      { name: 'results', emptyDir: {} },
    ]);
    expect(c.args.slice(-4)).toEqual(['--json', '/dev/stdout', '--log', '/results/checkout-api-prod.steps.jsonl']);
    expect(renderK8s(opts).yaml).toContain("# The JSON report is printed into the controller's log (kubectl logs), before the verdict; --results-claim keeps every report on a volume.\n");
  });

  it('resultsClaim: that PersistentVolumeClaim at /results, every report on it under the name `run` gives', () => {
    const o = docs({ ...opts, resultsClaim: 'team.loadtest-results' });
    const pod = byKindName(o, 'Job', '-controller').spec.template.spec;
    const c = pod.containers[0];
    expect(c.args).toEqual([
      'run', '/scenario/checkout.yaml', '--agents', '20', '--agents-wait', '600', '--listen', '0.0.0.0:7000',
      '--json', '/results/checkout-api-prod.json',
      '--log', '/results/checkout-api-prod.steps.jsonl',
      '--html', '/results/checkout-api-prod.html',
      '--markdown', '/results/checkout-api-prod.md',
      '--junit', '/results/checkout-api-prod.xml',
    ]);
    expect(c.workingDir).toBe('/results');
    expect(c.volumeMounts[1]).toEqual({ name: 'results', mountPath: '/results' });
    expect(pod.volumes[1]).toEqual({ name: 'results', persistentVolumeClaim: { claimName: 'team.loadtest-results' } });
    // Only the controller writes reports: the agents mount nothing, the other objects are unchanged.
    expect(byKindName(o, 'Job', '-agents')).toEqual(byKindName(objs, 'Job', '-agents'));
    expect(renderK8s({ ...opts, resultsClaim: 'team.loadtest-results' }).yaml).toContain(
      '# The reports go to the PersistentVolumeClaim team.loadtest-results (it must exist): /results/checkout-api-prod.json, .html, .md, .xml, .steps.jsonl\n',
    );
  });

  it('controllerReportArgs: the file name is slug(), as `loadtest run` names results/<name>.json', () => {
    expect(controllerReportArgs('2024 Q3: Checkout!', true).slice(0, 2)).toEqual(['--json', '/results/2024-q3-checkout.json']);
    expect(controllerReportArgs('日本語', false)).toEqual(['--json', '/dev/stdout', '--log', '/results/run.steps.jsonl']);
  });

  it.each([
    [{ agents: 0 }, /--agents must be a whole number ≥ 1, got 0/],
    [{ agents: 2.5 }, /--agents must be/],
    [{ agentsMin: 21 }, /--agents-min must be a whole number from 1 to --agents \(20\), got 21/],
  ])('rejects %j', (over, msg) => {
    expect(() => renderK8s({ ...opts, ...over })).toThrow(msg);
  });
});

describe('agentResources', () => {
  it.each([
    // peak, agents → cores, cpu, memory
    [100, 1, 1, '1', '384Mi'],
    [RPS_PER_CORE, 1, 1, '1', '384Mi'], // one thread exactly: the main thread does it
    [RPS_PER_CORE + 1, 1, 3, '3', '640Mi'], // two threads + the main thread
    [60_000, 2, 3, '3', '640Mi'],
    [1_000_000, 10, 8, '8', '1280Mi'], // 100,000 each: 7 threads + 1
    [0, 3, 1, '1', '384Mi'],
  ])('%s rps over %s agents → %s cores', (peak, n, cores, cpu, memory) => {
    expect(agentResources(peak, n)).toMatchObject({ cores, cpu, memory, perAgentRps: peak / n });
  });

  it('sized from the plan\'s peak (plannedRamp\'s last level)', () => {
    const ramp = plannedRamp({ unit: 'rps', start: 1000, factor: 2, max: 50_000, stepDurationMs: 30_000 } as Parameters<typeof plannedRamp>[0]);
    expect(ramp[ramp.length - 1]).toBe(50_000);
    expect(agentResources(ramp[ramp.length - 1]!, 2).cores).toBe(3);
  });
});

describe('dnsName', () => {
  it.each([
    ['checkout', '', 'checkout'],
    ['Checkout API (prod)', 'agents', 'checkout-api-prod-agents'],
    ['--weird__name--', '', 'weird-name'],
    ['9lives', 'controller', 'lt-9lives-controller'], // a Service name must start with a letter
    ['', 'agents', 'loadtest-agents'],
    ['ünïcödé', '', 'n-c-d'],
    ['a'.repeat(80), 'controller', `${'a'.repeat(52)}-controller`],
    [`${'a'.repeat(50)}-${'b'.repeat(20)}`, 'agent-token', `${'a'.repeat(50)}-agent-token`], // no '-' left dangling at the cut
  ])('%j + %j → %j', (base, suffix, out) => {
    expect(dnsName(base, suffix)).toBe(out);
    expect(out).toMatch(DNS_1123_LABEL);
    expect(out.length).toBeLessThanOrEqual(63);
  });
});
