// Secrets never leave the process unmasked: a scenario with a header from ${API_TOKEN}, a header
// marked `secret: true` and a target with `user:password@` runs through the real CLI; the secrets
// reach the server (so the test means something) and appear nowhere in stdout, stderr, the JSON
// report, the JSONL step log, the JSON-lines stream, JUnit/Markdown/HTML, or any other file the run
// wrote. The token is also in the scenario's name, so it really reaches every output and must be
// masked there (without that the test could pass because nothing quoted it).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, spawnCli } from '../helpers/cli-process.js';
import { refusedPort, startFaultServer, type FaultServer } from '../helpers/fault-server.js';

const TOKEN = 'tok_9f8e7d6c5b4a-SECRET';
const MARKED = 'marked-secret-Zq81x';
const PASSWORD = 'pw-Hunter2-secret';
const BASIC = Buffer.from(`alice:${PASSWORD}`).toString('base64');
const FORBIDDEN = [TOKEN, MARKED, PASSWORD, BASIC, encodeURIComponent(TOKEN)];

let server: FaultServer;
let dir: string;
beforeAll(async () => {
  server = await startFaultServer({ fault: 'ok' });
  dir = mkdtempSync(join(tmpdir(), 'loadtest-secrets-'));
});
afterAll(async () => {
  await killAll();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function scenario(name: string, port: number): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name} \${API_TOKEN}
target: http://alice:${PASSWORD}@127.0.0.1:${port}
traffic:
  requests:
    - name: home
      path: /q?key=\${API_TOKEN}
      headers:
        x-token: \${API_TOKEN}
        x-marked: { value: '${MARKED}', secret: true }
  timeout: 1s
  workers: 1
load:
  start: 200
  step: 200
  max: 400
  step_duration: 1s
  warmup: 500ms
slo:
  - error_rate < 1%
report:
  json: ${join(dir, name, 'report.json')}
  log: ${join(dir, name, 'steps.jsonl')}
`,
  );
  return file;
}

/** Every file under a directory, with its text. */
function filesUnder(d: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push([p, readFileSync(p, 'utf8')]);
  }
  return out;
}

function expectNoSecret(where: string, text: string): void {
  for (const s of FORBIDDEN) expect(text.includes(s), `${where} contains a secret (${s.slice(0, 4)}…)`).toBe(false);
}

describe('secrets', () => {
  it('are sent to the target but masked in every output of a run', async () => {
    const file = scenario('ok-run', server.port);
    const out = join(dir, 'ok-run');
    const cli = spawnCli(
      ['run', file, '--json-lines', join(out, 'events.jsonl'), '--junit', join(out, 'junit.xml'), '--markdown', join(out, 'summary.md'), '--html', join(out, 'report.html')],
      { env: { API_TOKEN: TOKEN }, deadlineMs: 60_000 },
    );
    const { code } = await cli.exited;
    // The server really got them (else masking would be trivially true).
    expect(server.lastHeaders['x-token']).toBe(TOKEN);
    expect(server.lastHeaders['x-marked']).toBe(MARKED);
    expect(server.lastHeaders.authorization).toBe(`Basic ${BASIC}`);
    expect(code, cli.stderr()).toBe(0);

    expectNoSecret('stdout', cli.stdout());
    expectNoSecret('stderr', cli.stderr());
    const files = filesUnder(join(dir, 'ok-run'));
    expect(files.map(([p]) => p).sort()).toEqual(
      ['events.jsonl', 'junit.xml', 'report.html', 'report.json', 'steps.jsonl', 'summary.md'].map((f) => join(out, f)),
    );
    for (const [p, text] of files) expectNoSecret(p, text);
    const report = JSON.parse(readFileSync(join(dir, 'ok-run', 'report.json'), 'utf8'));
    expect(report.status).toBe('completed');
    expect(report.steps.length).toBeGreaterThan(0);
    // The target is still recognisable, with the password masked or removed.
    expect(report.scenario.target).toContain(`127.0.0.1:${server.port}`);
    // The token really reached the outputs (through the scenario name) and was masked there.
    expect(report.scenario.name).toBe('ok-run ***');
    expect(cli.stdout()).toContain('ok-run ***');
  });

  it('are masked in the error line when the target is down before the first step', async () => {
    const port = await refusedPort();
    const file = scenario('refused-run', port);
    const cli = spawnCli(['run', file], { env: { API_TOKEN: TOKEN }, deadlineMs: 60_000 });
    const { code } = await cli.exited;
    expect(code).toBe(1);
    expect(cli.stderr()).toMatch(/refused/);
    expectNoSecret('stdout', cli.stdout());
    expectNoSecret('stderr', cli.stderr());
    for (const [p, text] of filesUnder(dir).filter(([p]) => p.includes('refused-run') && !p.endsWith('.yaml'))) expectNoSecret(p, text);
  });

  it('are masked in scenario problems that quote them (exit 2)', async () => {
    const file = scenario('bad-run', server.port);
    writeFileSync(file, readFileSync(file, 'utf8').replace('timeout: 1s', 'timeout: ${API_TOKEN}'));
    for (const cmd of ['run', 'validate']) {
      const cli = spawnCli([cmd, file], { env: { API_TOKEN: TOKEN }, deadlineMs: 30_000 });
      expect((await cli.exited).code).toBe(2);
      expect(cli.stderr()).toMatch(/traffic\.timeout: .*found '\*\*\*'/);
      expectNoSecret('stdout', cli.stdout());
      expectNoSecret('stderr', cli.stderr());
    }
  });

  it.each(['validate', 'plan'])('are masked in `%s` output too (which echoes the scenario)', async (cmd) => {
    const file = scenario(`${cmd}-run`, server.port);
    const cli = spawnCli([cmd, file], { env: { API_TOKEN: TOKEN }, deadlineMs: 30_000 });
    expect((await cli.exited).code, cli.stderr()).toBe(0);
    expect(cli.stdout()).toContain(`${cmd}-run ***`);
    expectNoSecret('stdout', cli.stdout());
    expectNoSecret('stderr', cli.stderr());
  });
});
