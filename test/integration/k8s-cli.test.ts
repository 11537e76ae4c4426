// The real binary, as issue #14 writes it: `loadtest k8s scenario.yaml --agents 20 > loadtest-job.yaml`.
// Stdout (a file here, as with `>`) holds the manifests and nothing else; what to do next is on
// stderr; bad input is one line and exit 2, never a stack trace.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, ROOT, spawnCli } from '../helpers/cli-process.js';
import { freePort } from '../helpers/haproxy.js';
import { startTestServer } from '../helpers/http-servers.js';
import { k8sProblems } from '../helpers/k8s-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'loadtest-k8s-'));
afterAll(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});
writeFileSync(join(dir, 'scenario.yaml'), 'name: checkout\ntarget: http://checkout.shop.svc:8080\ntraffic:\n  request: { path: / }\nload: { start: 1000, step: 1000, max: 400000 }\nslo: [p99 < 250ms]\n');
writeFileSync(join(dir, 'shift.yaml'), 'name: live\ntraffic:\n  shift:\n    haproxy: { address: 127.0.0.1:9999, backend: app, servers: [s1, s2] }\nload: { start: 1x, step: 0.5x, max: 2x }\nslo: [error_rate < 1%]\n');

/** `loadtest <args> > <stdoutFile>` in the temp folder: the exit code, the file's text, stderr. */
async function k8s(args: string[], stdoutFile = 'loadtest-job.yaml'): Promise<{ code: number | null; out: string; err: string }> {
  const outPath = join(dir, stdoutFile);
  const fd = openSync(outPath, 'w');
  const child = spawn(process.execPath, [join(ROOT, 'bin/loadtest.js'), ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  clearTimeout(timer);
  return { code, out: readFileSync(outPath, 'utf8'), err };
}

describe('loadtest k8s (the binary)', () => {
  it('loadtest k8s scenario.yaml --agents 20 > loadtest-job.yaml', async () => {
    const r = await k8s(['k8s', 'scenario.yaml', '--agents', '20']);
    expect(r.code, r.err).toBe(0);
    const docs = parseAllDocuments(r.out);
    for (const d of docs) expect(d.errors).toEqual([]);
    const objs = docs.map((d) => d.toJS() as any);
    expect(objs.map((o) => o.kind)).toEqual(['ConfigMap', 'Service', 'Job', 'Job']);
    for (const o of objs) expect(k8sProblems(o), o.kind).toEqual([]);
    expect(objs[3].spec).toMatchObject({ completionMode: 'Indexed', completions: 20, parallelism: 20 });
    // 400,000 rps over 20 agents: 20,000 each, 2 generator threads + the main thread.
    expect(objs[3].spec.template.spec.containers[0].resources.requests).toEqual({ cpu: '3', memory: '640Mi' });
    expect(r.err.split('\n')).toEqual([
      "20 agents (3 cores and 640Mi each) for the plan's peak of 400000 rps",
      'next: kubectl create secret generic checkout-agent-token --from-literal=token="$(openssl rand -hex 32)"',
      '      kubectl apply -f <the YAML> && kubectl logs -f job/checkout-controller',
      "report: the JSON report is in the controller's log, before the verdict: kubectl logs job/checkout-controller | sed -n '/^{$/,/^}$/p' > checkout.json",
      '        (--results-claim <pvc> keeps every report on a volume)',
      '',
    ]);
    const ctl = objs[2].spec.template.spec;
    expect(ctl.containers[0].args.slice(-4)).toEqual(['--json', '/dev/stdout', '--log', '/results/checkout.steps.jsonl']);
    expect(ctl.volumes[1]).toEqual({ name: 'results', emptyDir: {} });
  });

  it('--results-claim: the controller writes every report on that claim, mounted at /results', async () => {
    const r = await k8s(['k8s', 'scenario.yaml', '--agents', '2', '--results-claim', 'loadtest-results']);
    expect(r.code, r.err).toBe(0);
    const objs = parseAllDocuments(r.out).map((d) => d.toJS() as any);
    for (const o of objs) expect(k8sProblems(o), o.kind).toEqual([]);
    const pod = objs[2].spec.template.spec;
    expect(pod.containers[0].args).toEqual([
      'run', '/scenario/scenario.yaml', '--agents', '2', '--agents-wait', '600', '--listen', '0.0.0.0:7000',
      '--json', '/results/checkout.json', '--log', '/results/checkout.steps.jsonl',
      '--html', '/results/checkout.html', '--markdown', '/results/checkout.md', '--junit', '/results/checkout.xml',
    ]);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'scenario', mountPath: '/scenario', readOnly: true },
      { name: 'results', mountPath: '/results' },
    ]);
    expect(pod.volumes[1]).toEqual({ name: 'results', persistentVolumeClaim: { claimName: 'loadtest-results' } });
    expect(r.err).toContain('reports: /results/checkout.json (.html, .md, .xml, .steps.jsonl) on the PersistentVolumeClaim loadtest-results, which must exist\n');
  });

  it('-o writes the file; stdout stays empty', async () => {
    const r = await k8s(['k8s', 'scenario.yaml', '--agents', '2', '-o', 'out/job.yaml'], 'stdout.txt');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('');
    expect(parseAllDocuments(readFileSync(join(dir, 'out/job.yaml'), 'utf8'))).toHaveLength(4);
    expect(r.err).toMatch(/^wrote out\/job\.yaml: 2 agents/);
  });

  it.each([
    ['--agents 0', ['k8s', 'scenario.yaml', '--agents', '0'], "loadtest: --agents: expected a whole number from 1 to 100000, found '0'"],
    ['a shift scenario', ['k8s', 'shift.yaml', '--agents', '2'], 'loadtest: shift.yaml shifts live traffic (traffic.shift): there is no load for agents to generate; `loadtest k8s` needs a generate-mode scenario'],
    ['a missing file', ['k8s', 'nope.yaml', '--agents', '2'], 'loadtest: cannot read scenario nope.yaml: no such file'],
    ['a bad --results-claim', ['k8s', 'scenario.yaml', '--agents', '2', '--results-claim', 'Results_PVC'], "loadtest: --results-claim: expected a PersistentVolumeClaim name (a lowercase DNS name: letters, digits, '-' and '.', at most 253), found 'Results_PVC'"],
  ])('%s: one line on stderr, nothing on stdout, exit 2', async (_name, args, line) => {
    const r = await k8s(args, 'bad.yaml');
    expect(r).toEqual({ code: 2, out: '', err: `${line}\n` });
  });
});

// What the pods run, run here: the controller's rendered command (its /results a folder, as the
// volume is; its listen address on loopback) and one agent. The controller's stdout and stderr go
// into one stream, as they do into a container's log, and the README's extraction is applied to it.
describe('the rendered controller command, run', () => {
  it.each([
    ['without --results-claim: the JSON report is in the log; the README\'s sed cuts it out, `loadtest report` renders it', []],
    ['with --results-claim: every report on the volume', ['--results-claim', 'loadtest-results']],
  ])('%s', async (_name, flags) => {
    const server = await startTestServer();
    const token = 'k8s-test-token-0123456789abcdef0123';
    try {
      const folder = join(dir, `run-${flags.length}`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'e2e.yaml'), `name: checkout e2e\ntarget: ${server.url}\ntraffic:\n  request: { path: / }\nload: { start: 200, step: 200, max: 400, step_duration: 2s, warmup: 0s }\nslo: [error_rate < 1%]\n`);
      const r = await k8s(['k8s', join(folder, 'e2e.yaml'), '--agents', '1', ...flags], `e2e-${flags.length}.yaml`);
      expect(r.code, r.err).toBe(0);
      const ctl = parseAllDocuments(r.out)[2]!.toJS().spec.template.spec.containers[0];
      const volume = join(folder, 'results');
      mkdirSync(volume);
      const port = await freePort();
      const args = (ctl.args as string[]).map((a) => a.replace(/^\/scenario\//, `${folder}/`).replace(/^\/results\//, `${volume}/`).replace(/^0\.0\.0\.0:\d+$/, `127.0.0.1:${port}`));
      const env = { LOADTEST_AGENT_TOKEN: token };
      const controller = spawn('sh', ['-c', 'exec "$@" 2>&1', 'sh', process.execPath, join(ROOT, 'bin/loadtest.js'), ...args], {
        cwd: volume, // workingDir
        env: { ...process.env, ...env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let log = '';
      controller.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
      const timer = setTimeout(() => controller.kill('SIGKILL'), 60_000);
      const agent = spawnCli(['agent', '--connect', `127.0.0.1:${port}`], { env, deadlineMs: 60_000 });
      const code = await new Promise<number | null>((res) => controller.on('close', res));
      clearTimeout(timer);
      expect(code, log).toBe(0);
      expect((await agent.exited).code, agent.stderr()).toBe(0);
      if (flags.length === 0) {
        expect(readdirSync(volume)).toEqual(['checkout-e2e.steps.jsonl']);
        const json = execFileSync('sh', ['-c', "sed -n '/^{$/,/^}$/p'"], { input: log, encoding: 'utf8' });
        expect(JSON.parse(json)).toMatchObject({ schema: 'loadtest.report', status: 'completed', scenario: { name: 'checkout e2e' } });
        writeFileSync(join(folder, 'checkout-e2e.json'), json);
        execFileSync(process.execPath, [join(ROOT, 'bin/loadtest.js'), 'report', join(folder, 'checkout-e2e.json'), '-o', join(folder, 'checkout-e2e.html')], { stdio: 'ignore' });
        expect(existsSync(join(folder, 'checkout-e2e.html'))).toBe(true);
        // The verdict still ends the log, after the report.
        expect(log.slice(log.lastIndexOf('\n}\n'))).toMatch(/max servable load: .*\nreport: \/dev\/stdout, .*checkout-e2e\.steps\.jsonl\n$/);
      } else {
        expect(readdirSync(volume).sort()).toEqual(['checkout-e2e.html', 'checkout-e2e.json', 'checkout-e2e.md', 'checkout-e2e.steps.jsonl', 'checkout-e2e.xml']);
        expect(JSON.parse(readFileSync(join(volume, 'checkout-e2e.json'), 'utf8'))).toMatchObject({ status: 'completed' });
        expect(log).not.toMatch(/^\{$/m);
      }
    } finally {
      await server.close();
    }
  });
});
