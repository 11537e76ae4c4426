#!/usr/bin/env node
// The README's test command, `npm test`: the whole suite on a fresh machine, set-up included. The
// integration tests start real peers (HAProxy, nginx + wrk, Prometheus, Chromium) and use openssl,
// xmllint and ps. This checks they are on PATH; installs the missing ones from Debian's packages
// when it can (root and apt-get, as on CI); otherwise lists what is missing and how to install it,
// and stops. Then it runs vitest with the arguments given (`npm test -- test/unit/x.test.ts`).
//
// The quick loop, with no set-up at all: `npm run test:unit`.
// LOADTEST_TEST_NO_INSTALL=1: check and explain, never install (root on a machine you care about).
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Every program the suite starts, the Debian package that brings it, and what needs it. Keep .ci/run's list. */
export const REQUIRED = [
  { program: 'haproxy', pkg: 'haproxy', why: 'live-traffic (shift) tests' },
  { program: 'nginx', pkg: 'nginx-light', why: 'generator tests, benchmark' },
  { program: 'wrk', pkg: 'wrk', why: 'generator tests, benchmark' },
  { program: 'prometheus', pkg: 'prometheus', why: 'Prometheus metrics source tests' },
  { program: 'chromium', pkg: 'chromium', why: 'HTML report rendering' },
  { program: 'openssl', pkg: 'openssl', why: 'TLS tests (a self-signed certificate)' },
  { program: 'xmllint', pkg: 'libxml2-utils', why: 'JUnit report schema check' },
  { program: 'ps', pkg: 'procps', why: 'process checks' },
  { program: 'ip', pkg: 'iproute2', why: 'agents as separate hosts (network namespaces)' },
];

const APT_FLAGS = ['-y', '-qq', '--no-install-recommends'];

/** The full path of `program` on `path` (a PATH string), or undefined. */
export function findProgram(program, path = process.env.PATH ?? '') {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, program);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * What to do about the missing programs (pure): run the tests, install with apt-get (only as root,
 * with apt-get on PATH, and not told not to), or explain and stop.
 */
export function setupPlan(missing, { root, aptGet, noInstall }) {
  if (missing.length === 0) return { action: 'run' };
  const packages = [...new Set(missing.map((m) => m.pkg))];
  if (root && aptGet && !noInstall) return { action: 'install', packages };
  const why = noInstall
    ? 'LOADTEST_TEST_NO_INSTALL is set, so nothing is installed'
    : !aptGet
      ? 'this is not a Debian/Ubuntu machine (no apt-get on PATH): install them with its own package manager'
      : 'installing them with apt-get needs root, and this is not root';
  return {
    action: 'explain',
    lines: [
      `npm test: ${missing.length} program${missing.length === 1 ? '' : 's'} the integration tests start ${missing.length === 1 ? 'is' : 'are'} not on PATH:`,
      ...missing.map((m) => `  ${m.program.padEnd(10)} (Debian package ${m.pkg}): ${m.why}`),
      `${why}. On Debian or Ubuntu:`,
      `  sudo apt-get update && sudo apt-get install ${['-y', '--no-install-recommends'].join(' ')} ${packages.join(' ')}`,
      'then run `npm test` again (run as root, `npm test` installs them itself).',
      'Unit tests only (they need none of these but xmllint): npm run test:unit',
    ],
  };
}

/** Checks, installs or explains; returns the exit code to stop with, or undefined to go on to the tests. */
function setUp() {
  const missingNow = () => REQUIRED.filter((r) => findProgram(r.program) === undefined);
  const plan = setupPlan(missingNow(), {
    root: process.getuid?.() === 0,
    aptGet: findProgram('apt-get') !== undefined,
    noInstall: Boolean(process.env.LOADTEST_TEST_NO_INSTALL),
  });
  if (plan.action === 'run') return undefined;
  if (plan.action === 'explain') {
    process.stderr.write(plan.lines.join('\n') + '\n');
    return 1;
  }
  process.stderr.write(`npm test: installing what the integration tests need (apt-get, as root): ${plan.packages.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', ...APT_FLAGS, ...plan.packages]]) {
    // apt's progress is noise in a test log; its errors are not.
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) {
      process.stderr.write(`npm test: \`apt-get ${args.join(' ')}\` failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})\n`);
      return 1;
    }
  }
  const still = missingNow();
  if (still.length > 0) {
    process.stderr.write(`npm test: still not on PATH after apt-get install: ${still.map((m) => `${m.program} (${m.pkg})`).join(', ')}\n`);
    return 1;
  }
  return undefined;
}

function main() {
  const code = setUp();
  if (code !== undefined) process.exit(code);
  const root = fileURLToPath(new URL('..', import.meta.url));
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const child = spawn(process.execPath, [vitest, 'run', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  // Ctrl-C reaches vitest through the terminal's process group: wait for it to clean up. A SIGTERM
  // or SIGHUP sent to this process alone (a CI timeout) is passed on.
  process.on('SIGINT', () => {});
  for (const s of ['SIGTERM', 'SIGHUP']) process.on(s, () => child.kill(s));
  child.on('exit', (status, signal) => process.exit(status ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 1)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
