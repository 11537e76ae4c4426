// renderK8s' objects are valid Kubernetes: every variant checked against the API's published
// OpenAPI schema (kubernetes-models' validators, strict about unknown fields: test/helpers/k8s-schema.ts),
// the checker shown to catch broken objects, and what the schema cannot say asserted here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { agentResources, DNS_1123_LABEL, dnsName, renderK8s, type K8sOptions } from '../../src/agents/k8s.js';
import { slug } from '../../src/controller/run-scenario.js';
import { k8sProblems } from '../helpers/k8s-schema.js';

type Obj = any;
const base: K8sOptions = {
  name: 'checkout',
  agents: 20,
  image: 'registry.example/loadtest:0.1.0',
  peakRps: 400_000,
  scenario: { fileName: 'checkout.yaml', text: 'name: checkout\n' },
};

const variants: Array<[string, Partial<K8sOptions>]> = [
  ['1 agent, a low peak', { agents: 1, peakRps: 100 }],
  ['20 agents', {}],
  ['a namespace', { namespace: 'perf' }],
  ['a custom secret and key', { tokenSecret: { name: 'team.loadtest-token', key: 'agent_token.v1' } }],
  ['--agents-min and another port', { agentsMin: 15, port: 17000 }],
  ['a long, odd scenario name', { name: `Checkout API (prod) — ${'very '.repeat(20)}long`, scenario: { fileName: 'perf/Checkout (prod) v2!.yaml', text: 'name: x\n' } }],
  ['a name starting with a digit', { name: '2024 Q3 capacity' }],
  ['a name with nothing usable', { name: '日本語', scenario: { fileName: '日本.yaml', text: 'name: 日本語\n' } }],
  ['a scenario with tabs, quotes and a document marker', { scenario: { fileName: 's.yaml', text: 'name: "x"\n---\n\tbody: \'{"a": 1}\'\n' } }],
  ['100,000 agents (an Indexed Job\'s most)', { agents: 100_000, peakRps: 10_000_000 }],
  ['a results claim', { resultsClaim: 'loadtest-results' }],
  ['a results claim with dots, and everything else', { resultsClaim: 'team.perf.results', namespace: 'perf', port: 17000, agentsMin: 2, agents: 3, name: 'Checkout (prod)' }],
];

function render(over: Partial<K8sOptions>): { opts: K8sOptions; objs: Obj[]; text: string } {
  const opts = { ...base, ...over };
  const text = renderK8s(opts).yaml;
  const docs = parseAllDocuments(text);
  for (const d of docs) expect(d.errors).toEqual([]);
  return { opts, objs: docs.map((d) => d.toJS()), text };
}
const find = (objs: Obj[], kind: string, suffix: string) => objs.find((x) => x.kind === kind && x.metadata.name.endsWith(suffix));

describe.each(variants)('%s', (_name, over) => {
  const { opts, objs, text } = render(over);
  const agents = find(objs, 'Job', '-agents');
  const controller = find(objs, 'Job', '-controller');
  const service = find(objs, 'Service', '-controller');
  const configMap = find(objs, 'ConfigMap', '-scenario');
  const agent = agents.spec.template.spec.containers[0];
  const ctl = controller.spec.template.spec.containers[0];

  it('every object is valid against the published schema, with no unknown field', () => {
    expect(objs.map((x) => x.kind)).toEqual(['ConfigMap', 'Service', 'Job', 'Job']);
    for (const x of objs) expect(k8sProblems(x), `${x.kind} ${x.metadata.name}`).toEqual([]);
  });

  it('what the schema leaves to the API server: names, ports, ConfigMap keys, images, namespace', () => {
    for (const x of objs) {
      expect(x.metadata.name).toMatch(DNS_1123_LABEL);
      expect(x.metadata.name.length).toBeLessThanOrEqual(63);
      for (const v of Object.values(x.metadata.labels)) expect(String(v)).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(x.metadata.namespace).toBe(opts.namespace);
    }
    expect(service.metadata.name).toMatch(/^[a-z]/); // DNS-1035
    for (const key of Object.keys(configMap.data)) expect(key).toMatch(/^[-._a-zA-Z0-9]{1,253}$/);
    const port = opts.port ?? 7000;
    expect(service.spec.ports[0]).toEqual({ name: 'agents', port, targetPort: port, protocol: 'TCP' });
    expect(ctl.ports[0].containerPort).toBe(port);
    expect([agent.image, ctl.image]).toEqual([opts.image, opts.image]);
    // The controller runs the mounted scenario, under the ConfigMap key it was given.
    const key = Object.keys(configMap.data)[0];
    expect(ctl.args.slice(0, 2)).toEqual(['run', `/scenario/${key}`]);
    expect(ctl.volumeMounts[0].mountPath).toBe('/scenario');
    // Every mount names a volume of the pod (the API server checks it, not the schema).
    const volumes = controller.spec.template.spec.volumes;
    for (const m of ctl.volumeMounts) expect(volumes.map((v: Obj) => v.name)).toContain(m.name);
  });

  it('the reports: a volume at /results (the claim, else an emptyDir), the controller\'s working directory; the report flags', () => {
    const volumes = controller.spec.template.spec.volumes;
    expect(ctl.volumeMounts).toContainEqual({ name: 'results', mountPath: '/results' });
    expect(ctl.workingDir).toBe('/results');
    const results = volumes.find((v: Obj) => v.name === 'results');
    const file = `/results/${slug(opts.name)}`;
    const flags = ctl.args.slice(ctl.args.indexOf('--json'));
    if (opts.resultsClaim !== undefined) {
      expect(results).toEqual({ name: 'results', persistentVolumeClaim: { claimName: opts.resultsClaim } });
      expect(flags).toEqual(['--json', `${file}.json`, '--log', `${file}.steps.jsonl`, '--html', `${file}.html`, '--markdown', `${file}.md`, '--junit', `${file}.xml`]);
    } else {
      expect(results).toEqual({ name: 'results', emptyDir: {} });
      expect(flags).toEqual(['--json', '/dev/stdout', '--log', `${file}.steps.jsonl`]);
    }
    // The agents write no report and mount nothing.
    expect(agent.volumeMounts).toBeUndefined();
  });

  it('agents: Indexed, completions = parallelism = agents, the id from the completion index', () => {
    expect(agents.spec).toMatchObject({ completionMode: 'Indexed', completions: opts.agents, parallelism: opts.agents });
    expect(agents.spec.completions).toBeLessThanOrEqual(100_000); // the API server's bound for Indexed Jobs
    // What the Job controller also puts in JOB_COMPLETION_INDEX: the pod's completion-index annotation.
    expect(agent.env[0]).toEqual({ name: 'LOADTEST_AGENT_ID', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
    expect(agent.args).toEqual(['agent', '--connect', `${service.metadata.name}:${opts.port ?? 7000}`, '--connect-timeout', '600']);
    expect(ctl.args).toContain(String(opts.agents));
    if (opts.agentsMin !== undefined) expect(ctl.args.join(' ')).toContain(`--agents-min ${opts.agentsMin}`);
    else expect(ctl.args).not.toContain('--agents-min');
  });

  it('the token only by secretKeyRef, on both sides; no Secret rendered', () => {
    const secret = opts.tokenSecret ?? { name: dnsName(dnsName(opts.name), 'agent-token'), key: 'token' };
    const tokenEnv = { name: 'LOADTEST_AGENT_TOKEN', valueFrom: { secretKeyRef: secret } };
    expect(agent.env).toContainEqual(tokenEnv);
    expect(ctl.env).toEqual([tokenEnv]);
    expect(objs.some((x) => x.kind === 'Secret')).toBe(false);
    expect(text).not.toMatch(/LOADTEST_AGENT_TOKEN\s*\n\s*value:/);
  });

  it('agent resources from agentResources; memory limited, CPU not', () => {
    const r = agentResources(opts.peakRps, opts.agents);
    expect(agent.resources).toEqual({ requests: { cpu: r.cpu, memory: r.memory }, limits: { memory: r.memory } });
  });
});

describe('the checker is really on', () => {
  const { objs } = render({});
  const agents = () => structuredClone(find(objs, 'Job', '-agents'));
  const service = () => structuredClone(find(objs, 'Service', '-controller'));
  const configMap = () => structuredClone(find(objs, 'ConfigMap', '-scenario'));

  it.each<[string, () => Obj, RegExp]>([
    ['completionMode: Bogus', () => ({ ...agents(), spec: { ...agents().spec, completionMode: 'Bogus' } }), /completionMode must be equal to one of the allowed values/],
    ['parallelism as a string', () => ({ ...agents(), spec: { ...agents().spec, parallelism: '20' } }), /parallelism must be integer/],
    ['a container without a name', () => {
      const j = agents();
      delete j.spec.template.spec.containers[0].name;
      return j;
    }, /containers\/0 must have required property 'name'|containers\/0 must have required property name/],
    ['an env var from an unknown source', () => {
      const j = agents();
      j.spec.template.spec.containers[0].env[1] = { name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 1 } } };
      return j;
    }, /key must be string/],
    ['restartPolicy: Sometimes', () => {
      const j = agents();
      j.spec.template.spec.restartPolicy = 'Sometimes';
      return j;
    }, /restartPolicy must be equal to one of the allowed values/],
    ['a Service port as text', () => ({ ...service(), spec: { ...service().spec, ports: [{ port: 'seven thousand' }] } }), /port must be integer/],
    ['a ConfigMap value that is not a string', () => ({ ...configMap(), data: { 'a.yaml': 3 } }), /must be string/],
    ['a claim volume without its claim name', () => {
      const j = structuredClone(find(render({ resultsClaim: 'r' }).objs, 'Job', '-controller'));
      delete j.spec.template.spec.volumes[1].persistentVolumeClaim.claimName;
      return j;
    }, /persistentVolumeClaim must have required property 'claimName'|persistentVolumeClaim must have required property claimName/],
    ['a misspelt field (strict)', () => ({ ...agents(), spec: { ...agents().spec, complettions: 20 } }), /^Job\.spec\.complettions: unknown field$/],
    ['a field at the wrong level (strict)', () => {
      const j = agents();
      j.spec.template.spec.containers[0].restartPolicy = 'Never';
      j.spec.template.spec.containers[0].replicas = 3;
      return j;
    }, /^Job\.spec\.template\.spec\.containers\[0\]\.replicas: unknown field$/],
  ])('%s', (_name, broken, msg) => {
    const problems = k8sProblems(broken());
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(msg);
  });

  it('the schema leaves a container image optional (controllers may default it): the tests above assert it', () => {
    const j = agents();
    delete j.spec.template.spec.containers[0].image;
    expect(k8sProblems(j)).toEqual([]);
  });
});

// README "On Kubernetes" (Collecting the report): the claim it creates and the pod that copies the
// reports out, checked as the manifests are. The pod is what `kubectl run --overrides` makes: its
// generated Pod with the override merged in (a JSON merge patch, kubectl's default: the override's
// containers replace the generated ones).
describe('README: the results claim and the copying pod', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('**Collecting the report.**'), readme.indexOf('**Sizing the agents.**'));

  it('the PersistentVolumeClaim (the heredoc) is valid, and named as --results-claim then says', () => {
    const doc = /kubectl apply -f - <<'EOF'\n([\s\S]*?)\n\s*EOF\n/.exec(section)![1]!;
    const pvc = parseDocument(doc).toJS();
    expect(pvc.kind).toBe('PersistentVolumeClaim');
    expect(k8sProblems(pvc)).toEqual([]);
    expect(section).toContain(`--results-claim ${pvc.metadata.name} `);
  });

  it('the pod of `kubectl run … --overrides` is valid and mounts that claim', () => {
    const run = /kubectl run (\S+) --image=(\S+) --restart=Never --overrides='([^']*)'/.exec(section)!;
    const [, name, image, overrides] = run;
    const generated = { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { run: name } }, spec: { containers: [{ name, image, resources: {} }], restartPolicy: 'Never', dnsPolicy: 'ClusterFirst' } };
    const patch = JSON.parse(overrides!);
    expect(patch.apiVersion).toBe('v1'); // kubectl run requires it in an override
    const pod = { ...generated, spec: { ...generated.spec, ...patch.spec } };
    expect(k8sProblems(pod)).toEqual([]);
    expect(pod.spec.volumes[0].persistentVolumeClaim.claimName).toBe('loadtest-results');
    expect(pod.spec.containers[0].volumeMounts[0].mountPath).toBe('/results');
    expect(section).toContain(`kubectl cp ${name}:/results `);
  });
});
