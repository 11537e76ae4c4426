// scripts/test.mjs (`npm test`) decides, from what is missing and who runs it, whether to run the
// suite, install with apt-get, or explain and stop. The decision is pure; this is its table.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, no type declarations
import { REQUIRED, setupPlan } from '../../scripts/test.mjs';

type Req = { program: string; pkg: string; why: string };
const req = (program: string) => (REQUIRED as Req[]).find((r) => r.program === program)!;

describe('npm test set-up plan', () => {
  it('keeps .ci/run’s list of Debian packages', () => {
    expect((REQUIRED as Req[]).map((r) => r.pkg).sort()).toEqual(
      ['chromium', 'haproxy', 'iproute2', 'libxml2-utils', 'nginx-light', 'openssl', 'procps', 'prometheus', 'wrk'],
    );
  });

  it.each([
    [[], { root: false, aptGet: false, noInstall: false }, 'run'],
    [[], { root: true, aptGet: true, noInstall: true }, 'run'],
    [['wrk'], { root: true, aptGet: true, noInstall: false }, 'install'],
    [['wrk'], { root: false, aptGet: true, noInstall: false }, 'explain'],
    [['wrk'], { root: true, aptGet: false, noInstall: false }, 'explain'],
    [['wrk'], { root: true, aptGet: true, noInstall: true }, 'explain'],
  ])('missing %j, %j → %s', (missing, who, action) => {
    expect(setupPlan((missing as string[]).map(req), who).action).toBe(action);
  });

  it('installs each missing program’s package once, by its Debian name', () => {
    expect(setupPlan([req('nginx'), req('xmllint'), req('ps')], { root: true, aptGet: true, noInstall: false })).toEqual({
      action: 'install',
      packages: ['nginx-light', 'libxml2-utils', 'procps'],
    });
  });

  it('not root: lists what is missing, why, and the one command that installs it', () => {
    const plan = setupPlan([req('haproxy'), req('chromium')], { root: false, aptGet: true, noInstall: false });
    expect(plan.lines).toEqual([
      'npm test: 2 programs the integration tests start are not on PATH:',
      '  haproxy    (Debian package haproxy): live-traffic (shift) tests',
      '  chromium   (Debian package chromium): HTML report rendering',
      'installing them with apt-get needs root, and this is not root. On Debian or Ubuntu:',
      '  sudo apt-get update && sudo apt-get install -y --no-install-recommends haproxy chromium',
      'then run `npm test` again (run as root, `npm test` installs them itself).',
      'Unit tests only (they need none of these but xmllint): npm run test:unit',
    ]);
  });

  it('says why nothing was installed', () => {
    const why = (who: { root: boolean; aptGet: boolean; noInstall: boolean }) => setupPlan([req('wrk')], who).lines[2];
    expect(why({ root: true, aptGet: false, noInstall: false })).toMatch(/^this is not a Debian\/Ubuntu machine \(no apt-get on PATH\)/);
    expect(why({ root: true, aptGet: true, noInstall: true })).toMatch(/^LOADTEST_TEST_NO_INSTALL is set/);
  });
});
