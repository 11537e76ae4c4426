// `npm test` on a machine that lacks what the integration tests start: scripts/test.mjs, the real
// script, with a PATH of stub programs. Nothing is installed for real: "apt-get" is a stub that logs
// its arguments and "installs" a package by creating a stub program of that name.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli-process.js';

const SCRIPT = join(ROOT, 'scripts/test.mjs');
const PROGRAMS = ['haproxy', 'nginx', 'wrk', 'prometheus', 'chromium', 'openssl', 'xmllint', 'ps', 'ip'];
const dirs: string[] = [];
const isRoot = process.getuid?.() === 0;

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A directory to use as the whole PATH: a stub for each of `programs`, and apt-get if asked. */
function stubPath(programs: string[], aptGet = false): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-path-'));
  dirs.push(dir);
  const log = join(dir, 'apt-get.log');
  const write = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  for (const p of programs) write(p, 'exit 0');
  if (aptGet) {
    // "Installs" a package by creating a stub of that name (the missing ones here are named as their package).
    write(
      'apt-get',
      `echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> '${log}'
if [ "$1" = install ]; then
  for a in "$@"; do
    case "$a" in -*|install) ;; *) printf '#!/bin/sh\\nexit 0\\n' > '${dir}'/"$a"; ${process.execPath} -e "require('fs').chmodSync(process.argv[1], 0o755)" '${dir}'/"$a";; esac
  done
fi`,
    );
  }
  return { dir, log };
}

function npmTest(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    // A clean environment: no VITEST_* of this run leaks into the nested one.
    const child = spawn(process.execPath, [SCRIPT, ...args], { cwd: ROOT, env: { HOME: tmpdir(), NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const deadline = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, out, err });
    });
  });
}

const missingTwo = PROGRAMS.filter((p) => p !== 'wrk' && p !== 'chromium');
const quickFilter = ['--project', 'unit', 'test/unit/test-setup.test.ts'];

describe('npm test (scripts/test.mjs) sets up what the suite needs', () => {
  it('no apt-get: lists what is missing and how to install it, exits 1, runs no test', async () => {
    const { dir } = stubPath(missingTwo);
    const r = await npmTest(quickFilter, { PATH: dir });
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.split('\n')).toEqual([
      'npm test: 2 programs the integration tests start are not on PATH:',
      '  wrk        (Debian package wrk): generator tests, benchmark',
      '  chromium   (Debian package chromium): HTML report rendering',
      'this is not a Debian/Ubuntu machine (no apt-get on PATH): install them with its own package manager. On Debian or Ubuntu:',
      '  sudo apt-get update && sudo apt-get install -y --no-install-recommends wrk chromium',
      'then run `npm test` again (run as root, `npm test` installs them itself).',
      'Unit tests only (they need none of these but xmllint): npm run test:unit',
      '',
    ]);
  });

  it('LOADTEST_TEST_NO_INSTALL: explains, never calls apt-get', async () => {
    const { dir, log } = stubPath(missingTwo, true);
    const r = await npmTest(quickFilter, { PATH: dir, LOADTEST_TEST_NO_INSTALL: '1' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^LOADTEST_TEST_NO_INSTALL is set, so nothing is installed\. On Debian or Ubuntu:$/m);
    expect(existsSync(log)).toBe(false);
  });

  it.skipIf(!isRoot)('as root: apt-get update, then install only the missing packages, then hands the arguments to vitest', async () => {
    const { dir, log } = stubPath(missingTwo, true);
    const r = await npmTest(quickFilter, { PATH: dir });
    expect(r.err).toContain('npm test: installing what the integration tests need (apt-get, as root): wrk chromium');
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'DEBIAN_FRONTEND=noninteractive update -qq',
      'DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends wrk chromium',
    ]);
    // The hand-off: vitest ran exactly the filtered file, and its status is npm test's.
    expect(r.out).toMatch(/Test Files +1 passed \(1\)/);
    expect(r.out).toContain('test/unit/test-setup.test.ts');
    expect(r.code, r.err).toBe(0);
  });

  it('everything present: straight to vitest, whose failure is npm test’s exit status', async () => {
    const { dir, log } = stubPath(PROGRAMS, true);
    const r = await npmTest(['--project', 'unit', 'test/unit/no-such-test-file'], { PATH: dir });
    expect(existsSync(log)).toBe(false);
    expect(r.err + r.out).toMatch(/No test files found/);
    expect(r.code).toBe(1);
  });
});
