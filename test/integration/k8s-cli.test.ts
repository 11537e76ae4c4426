// The real binary, as issue #14 writes it: `loadtest k8s scenario.yaml --agents 20 > loadtest-job.yaml`.
// Stdout (a file here, as with `>`) holds the manifests and nothing else; what to do next is on
// stderr; bad input is one line and exit 2, never a stack trace.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli-process.js';
import { k8sProblems } from '../helpers/k8s-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'loadtest-k8s-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
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
      '',
    ]);
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
  ])('%s: one line on stderr, nothing on stdout, exit 2', async (_name, args, line) => {
    const r = await k8s(args, 'bad.yaml');
    expect(r).toEqual({ code: 2, out: '', err: `${line}\n` });
  });
});
