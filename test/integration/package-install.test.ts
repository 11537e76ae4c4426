// The install story as a new user lives it: `npm pack` the clone, install the tarball into an empty
// project, and run the `loadtest` command from node_modules/.bin: --version, a short demo (two
// steps, one refinement), and a short `run --url` against a local server (two steps). Catches a
// package that installs but cannot run: dist/ or scenarios/ left out of `files`, a runtime import
// from a devDependency, a bin that resolves dist/ from the wrong place.
//
// Offline, from npm's cache (that `npm ci` fills; .ci/run runs it first), never from the network.
// `npm i <range>` would ask the registry for full packuments that `npm ci` does not cache, so the
// empty project gets a package-lock.json pinning the runtime dependencies exactly as this clone's
// lock does: `npm ci --offline` then needs only the tarballs already in the cache. A dependency
// missing from the cache fails fast (ENOTCACHED) and the test says which and what to run.
import { execFile } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli-process.js';
import { startTestServer } from '../helpers/http-servers.js';

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  bin: Record<string, string>;
  engines?: Record<string, string>;
  dependencies: Record<string, string>;
}
interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  [k: string]: unknown;
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const dir = mkdtempSync(join(tmpdir(), 'loadtest-pack-'));
const project = join(dir, 'project');
let tarball = '';
let packed: string[] = [];

/** Runs a command to its end within `timeoutMs` (then SIGKILL): never hangs the suite. */
function sh(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
      (e, out, err) => {
        const code = e ? (typeof e.code === 'number' ? e.code : e.killed ? -1 : 1) : 0;
        if (e?.killed) err += `\n(killed after ${timeoutMs} ms)`;
        resolve({ code, out, err });
      },
    );
  });
}

/** The empty project: the tarball as a devDependency, the runtime dependencies pinned from this clone's lock. */
function writeProject(tgz: string): void {
  mkdirSync(project, { recursive: true });
  const spec = `file:${tgz}`;
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const packages: Record<string, unknown> = {
    '': { name: 'my-service', version: '1.0.0', devDependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: spec,
      dev: true,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  // Only what the package needs at run time: an entry marked dev in this clone's lock is left out,
  // so an import of a devDependency from dist/ fails here as it would for a user.
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && !entry.dev && !entry.devOptional) packages[path] = { ...entry, dev: true };
  }
  const manifest = { name: 'my-service', version: '1.0.0', private: true, devDependencies: { [pkg.name]: spec } };
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ ...manifest, lockfileVersion: 3, requires: true, packages }, null, 2));
}

beforeAll(async () => {
  // dist/ was built by the integration globalSetup; --ignore-scripts skips the prepack/prepare
  // rebuild (a type-checked tsc run is `npm run typecheck`'s job, and `npm pack` does it for real).
  const r = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT, 60_000);
  if (r.code !== 0) throw new Error(`npm pack failed (${r.code}): ${r.err}`);
  const [info] = JSON.parse(r.out) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(dir, info!.filename);
  packed = info!.files.map((f) => f.path);
}, 90_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('npm pack → npm i -D ./the.tgz → npx loadtest', () => {
  it('packs the built CLI, the bundled scenarios and the README; no sources, tests or source maps', () => {
    expect(pkg.name).not.toBe('loadtest'); // an unrelated package owns that name on the registry
    expect(pkg.bin).toEqual({ loadtest: 'bin/loadtest.js' });
    expect(packed).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'bin/loadtest.js', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'dist/demo/demo-server.js', 'scenarios/demo.yaml']),
    );
    expect(packed.filter((p) => /^(src|test|\.ci|scripts)\/|\.map$|^node_modules\//.test(p))).toEqual([]);
  });

  it('installs offline into an empty project and runs from node_modules/.bin', async () => {
    writeProject(tarball);
    const install = await sh('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], project, 120_000);
    if (install.code !== 0) {
      const missing = /request to (\S+) failed: cache mode is 'only-if-cached'/.exec(install.err)?.[1];
      throw new Error(
        missing
          ? `npm's cache has no copy of ${missing} (ENOTCACHED). This test installs offline from the cache that \`npm ci\` fills: run \`npm ci\` in this clone (or set npm_config_cache to a filled cache), then run the test again.`
          : `npm ci --offline in the empty project failed (${install.code}):\n${install.err}`,
      );
    }
    expect(lstatSync(join(project, 'node_modules/.bin/loadtest')).isSymbolicLink()).toBe(true);

    // --no: never fetch a package of that name (it would be the unrelated `loadtest`).
    const version = await sh('npx', ['--no', '--', 'loadtest', '--version'], project, 30_000);
    expect(version, version.err).toMatchObject({ code: 0, out: `${pkg.version}\n` });

    // A short demo: the demo service (dist/demo) and scenarios/demo.yaml are found from inside
    // node_modules, and the whole loop runs to its verdict. 2 workers × 1/10 ms = 200 rps (its SLOs
    // hold to 175): 100 rps passes, 300 (1.5× the pool's ceiling) fails, and one refinement at 200
    // brings the bracket within the refine of 100%. (The finer plan this replaced ran a dozen steps
    // near the capacity, a minute, for the same proof.)
    const demo = await sh(
      'npx',
      ['--no', '--', 'loadtest', 'demo', '--workers', '2', '--service-time', '10ms', '--json', join(dir, 'demo.json'),
        '--set', 'load.start=100', '--set', 'load.step=200', '--set', 'load.max=300', '--set', 'load.refine=100%',
        '--set', 'load.step_duration=2s', '--set', 'load.warmup=500ms'],
      project,
      90_000,
    );
    expect(demo.out).toMatch(/^true capacity: +\d+ rps/m);
    expect(demo.out).toMatch(/^found capacity: \d+ rps/m);
    // 0: within ±10% of the true capacity; 1: not (a machine too busy to drive it). Either way the
    // package ran the demo to its end; its accuracy is demo.test.ts's question.
    expect([0, 1], demo.err).toContain(demo.code);
    expect(JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8'))).toMatchObject({ status: 'completed', tool: { name: 'loadtest' } });

    // Ad-hoc mode from the installed package, against a local server: two steps (at 400 and 600 rps,
    // 1.3 and 1 s hold the 381 requests its p99 rule needs; 20–40 rps steps were stretched to 4 s).
    // What is tested is that the installed command runs them and writes its report: 0 with an answer, or —
    // on a machine so busy the generator's sends ran late (CI saw 16 ms) — 5, naming the generator.
    const server = await startTestServer();
    try {
      const run = await sh(
        'npx',
        ['--no', '--', 'loadtest', 'run', '--url', `${server.url}/items`, '--start', '400', '--max', '600', '--step-duration', '1s', '--json', join(dir, 'adhoc.json')],
        project,
        60_000,
      );
      expect([0, 5], run.out + run.err).toContain(run.code);
      if (run.code === 5) expect(run.out).toMatch(/^no trustworthy answer: the load generator, not the service, was the limit/m);
      else expect(run.out).toMatch(/^max servable load: /m);
      expect(JSON.parse(readFileSync(join(dir, 'adhoc.json'), 'utf8'))).toMatchObject({ status: 'completed', scenario: { target: server.url } });
      expect(server.requests).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});
