// TLS verification through the real CLI: on by default, and real — a certificate the process trusts
// (NODE_EXTRA_CA_CERTS) passes, an untrusted one fails before the first step with a line naming
// `insecure: true`, a trusted one for another name fails too, and `insecure: true` accepts both.
// Certificates are made at test time by `openssl` (test/helpers/fault-server.ts).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, spawnCli } from '../helpers/cli-process.js';
import { makeSelfSignedCert, startFaultServer, type FaultServer } from '../helpers/fault-server.js';

let root: string;
let forIp: { key: string; cert: string };
let forOtherName: { key: string; cert: string };
const servers: FaultServer[] = [];
beforeAll(() => {
  root = join(tmpdir(), `loadtest-tls-${process.pid}`);
  mkdirSync(root, { recursive: true });
  forIp = makeSelfSignedCert();
  forOtherName = makeSelfSignedCert({ cn: 'service.example.invalid', altName: 'DNS:service.example.invalid' });
});
afterAll(async () => {
  await killAll();
  await Promise.all(servers.map((s) => s.close()));
  if (root) rmSync(root, { recursive: true, force: true });
});

async function run(name: string, server: FaultServer, opts: { insecure?: boolean; trust?: string } = {}) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'scenario.yaml');
  writeFileSync(
    file,
    `name: ${name}
target: ${server.url}
traffic:
  requests: [{ name: home, path: / }]
  timeout: 2s
  workers: 1${opts.insecure ? '\n  insecure: true' : ''}
load: { start: 20, step: 20, max: 40, step_duration: 1s, warmup: 0s }
slo: [error_rate < 20%]   # loose: 20 rps × 1 s steps hold too few requests to show 1%
report:
  json: ${join(dir, 'report.json')}
  log: ${join(dir, 'steps.jsonl')}
`,
  );
  const env: Record<string, string> = {};
  if (opts.trust) {
    writeFileSync(join(dir, 'ca.pem'), opts.trust);
    env.NODE_EXTRA_CA_CERTS = join(dir, 'ca.pem');
  }
  const cli = spawnCli(['run', file], { cwd: dir, env, deadlineMs: 60_000 });
  const { code } = await cli.exited;
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  return { code, stderr: cli.stderr(), report, requests: server.requests };
}

async function tlsServer(pair: { key: string; cert: string }): Promise<FaultServer> {
  const s = await startFaultServer({ fault: 'ok', tls: pair });
  servers.push(s);
  return s;
}

describe('TLS verification', () => {
  it('a certificate the process trusts: the run completes without insecure', async () => {
    const s = await tlsServer(forIp);
    const r = await run('trusted', s, { trust: forIp.cert });
    expect(r.code, r.stderr).toBe(0);
    expect(r.report.status).toBe('completed');
    expect(r.report.steps.every((st: { errorCount: number }) => st.errorCount === 0)).toBe(true);
  });

  it('untrusted (self-signed): fails before the first step, naming insecure: true', async () => {
    const s = await tlsServer(forIp);
    const r = await run('untrusted', s);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/TLS certificate is not trusted .*insecure: true/);
    expect(r.report).toMatchObject({ status: 'failed', steps: [] });
    expect(r.requests).toBe(0); // the handshake failed: no request reached the handler
  });

  it('trusted but for another name: fails before the first step', async () => {
    const s = await tlsServer(forOtherName);
    const r = await run('wrong-name', s, { trust: forOtherName.cert });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/TLS certificate is not valid for this host name \(ERR_TLS_CERT_ALTNAME_INVALID\).*insecure: true/);
    expect(r.requests).toBe(0);
  });

  it('insecure: true accepts an untrusted certificate and one for another name', async () => {
    for (const [name, pair] of [['insecure-untrusted', forIp], ['insecure-wrong-name', forOtherName]] as const) {
      const s = await tlsServer(pair);
      const r = await run(name, s, { insecure: true });
      expect(r.code, r.stderr).toBe(0);
      expect(r.report.status).toBe('completed');
      expect(r.requests).toBeGreaterThan(20);
    }
  });
});
