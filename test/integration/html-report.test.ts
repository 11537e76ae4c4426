// The HTML report in a real browser: `loadtest report fixture.json -o x.html` through the built CLI,
// then headless Chromium renders it (--dump-dom: the SVG charts are there and drawn; --screenshot:
// test/output/html-report/*.png for a human to look at). A harness page measures, with the browser's
// own text layout (getBBox), that no two axis tick labels overlap — also at 100 steps. Chromium is
// killed (its whole process group) if it hangs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIX = join(ROOT, 'test/fixtures/reports');
const OUT = join(ROOT, 'test/output/html-report');
const CHROMIUM = '/usr/bin/chromium';
mkdirSync(OUT, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), 'loadtest-html-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/loadtest.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs headless Chromium with a hard deadline; the process group is killed when it passes. */
function chromium(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string }> {
  const profile = mkdtempSync(join(tmp, 'profile-'));
  const child = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      // Helpers (zygote, renderer) share the group; make sure none outlive the test.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      resolve({ code, stdout });
    });
  });
}

function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** A run whose every user string tries to break out of its context. */
function hostileFixture(): string {
  const r = JSON.parse(readFileSync(join(FIX, 'generate-baseline.json'), 'utf8'));
  r.scenario.name = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;
  r.scenario.target = 'http://127.0.0.1:8080/"><svg onload=alert(1)>';
  r.scenario.slo = ['p99 < 250ms', "error_rate < 1%'\"><b>x</b>"];
  r.warnings = ['</style><script>document.title="pwned"</script>'];
  r.environment.hostname = '<iframe src="https://example.com">';
  const file = join(tmp, 'hostile.json');
  writeFileSync(file, JSON.stringify(r));
  return file;
}

const reports: Array<[string, string]> = [
  ['generate-baseline', join(FIX, 'generate-baseline.json')],
  ['generate-100-steps', join(FIX, 'generate-100-steps.json')],
  ['shift-live', join(FIX, 'shift-live.json')],
  ['generate-aborted', join(FIX, 'generate-aborted.json')],
];

describe('HTML report in headless Chromium', () => {
  it.each(reports)('%s: self-contained, charts drawn, screenshot written', async (name, json) => {
    const html = join(OUT, `${name}.html`);
    const r = cli(['report', json, '-o', html]);
    expect(r.stderr).toBe(`wrote ${html}\n`);
    expect(r.code).toBe(0);
    const text = readFileSync(html, 'utf8');
    // Self-contained: no script, no external reference of any kind (the SVG namespace is not a fetch).
    expect(text).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(text).not.toMatch(/\s(src|href|xlink:href|action|srcset)\s*=/i);
    expect(text).toContain(`default-src 'none'`);

    const dom = await chromium(['--dump-dom', `file://${html}`]);
    expect(dom.code).toBe(0);
    const charts = [...dom.stdout.matchAll(/<svg[^>]*class="chart" id="([^"]+)"[\s\S]*?<\/svg>/g)];
    const ids = charts.map((m) => m[1]);
    expect(ids).toEqual(
      expect.arrayContaining([
        'chart-rate',
        'chart-latency',
        'chart-errors',
        ...(name === 'shift-live' ? ['chart-shift-latency', 'chart-shift-errors', 'chart-shift-share'] : ['chart-generator', 'chart-percentiles']),
      ]),
    );
    if (name !== 'shift-live') {
      // The HDR percentile curves: one per step shown (at most 8), on the nines axis 0% … 99.9%+.
      const hdr = charts.find((m) => m[1] === 'chart-percentiles')![0];
      const steps = JSON.parse(readFileSync(json, 'utf8')).steps.length;
      expect((hdr.match(/<path class="series"/g) ?? []).length).toBe(Math.min(8, steps));
      expect([...hdr.matchAll(/class="tick x"[^>]*>([^<]+)</g)].map((m) => m[1]).slice(0, 4)).toEqual(['0%', '90%', '99%', '99.9%']);
      expect(hdr).toContain('SLO p99 &lt; 250ms');
    }
    for (const [svg] of charts) {
      // Every chart has at least one drawn line with real coordinates and labelled ticks.
      const paths = [...svg.matchAll(/<path class="series"[^>]* d="([^"]+)"/g)].map((m) => m[1]!);
      expect(paths.length).toBeGreaterThan(0);
      expect(paths.some((d) => (d.match(/L/g) ?? []).length >= 2)).toBe(true);
      expect(svg).not.toMatch(/NaN|Infinity/);
      expect((svg.match(/class="tick x"/g) ?? []).length).toBeGreaterThanOrEqual(2);
      expect((svg.match(/class="tick y"/g) ?? []).length).toBeGreaterThanOrEqual(2);
    }
    const latency = charts.find((m) => m[1] === 'chart-latency')![0];
    expect(latency).toContain('SLO p99 &lt; 250ms');
    if (name !== 'generate-aborted') expect(latency).toMatch(/max servable \d+ rps/);
    const rows = (dom.stdout.match(/<tr class="row-/g) ?? []).length;
    expect(rows).toBe(JSON.parse(readFileSync(json, 'utf8')).steps.length);

    const png = join(OUT, `${name}.png`);
    rmSync(png, { force: true });
    const shot = await chromium([`--screenshot=${png}`, '--window-size=1280,2400', '--hide-scrollbars', `file://${html}`]);
    expect(shot.code).toBe(0);
    expect(pngSize(png)).toEqual({ width: 1280, height: 2400 });
    expect(statSync(png).size).toBeGreaterThan(20_000);
  });

  it('no two tick labels overlap, measured by the browser (100 steps, shift run)', async () => {
    // The report has no script (CSP default-src 'none'); a harness page embeds its SVGs and measures.
    const svgs: string[] = [];
    for (const name of ['generate-100-steps', 'shift-live', 'generate-baseline']) {
      const html = join(tmp, `${name}.html`);
      const r = cli(['report', join(FIX, `${name}.json`), '-o', html]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: `wrote ${html}\n` });
      svgs.push(...(readFileSync(html, 'utf8').match(/<svg[\s\S]*?<\/svg>/g) ?? []));
    }
    const harness = join(tmp, 'harness.html');
    writeFileSync(
      harness,
      // The control chart overlaps on purpose: it proves the measurement can fail.
      `<!DOCTYPE html><html><body>${svgs.join('\n')}
      <svg class="chart" id="control" width="200" height="50"><text class="tick x" x="50" y="20">100</text><text class="tick x" x="60" y="20">200</text><text class="tick y" x="10" y="10">1</text><text class="tick y" x="10" y="40">2</text></svg>
      <script>
        const out = [];
        for (const svg of document.querySelectorAll('svg.chart')) {
          for (const cls of ['tick x', 'tick y', 'threshold-label']) {
            const boxes = [...svg.querySelectorAll('text')].filter((t) => t.getAttribute('class') === cls).map((t) => ({ t: t.textContent, b: t.getBBox() }));
            for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
              const a = boxes[i].b, c = boxes[j].b;
              if (a.x < c.x + c.width && c.x < a.x + a.width && a.y < c.y + c.height && c.y < a.y + a.height) out.push(svg.id + ': ' + boxes[i].t + ' / ' + boxes[j].t);
            }
            if (boxes.length < 2 && cls !== 'threshold-label') out.push(svg.id + ': fewer than 2 ' + cls + ' labels');
          }
        }
        document.body.setAttribute('data-charts', document.querySelectorAll('svg.chart').length);
        document.body.setAttribute('data-overlaps', JSON.stringify(out));
      </script></body></html>`,
    );
    const dom = await chromium(['--dump-dom', `file://${harness}`]);
    expect(dom.code).toBe(0);
    expect(Number(/data-charts="(\d+)"/.exec(dom.stdout)?.[1])).toBe(svgs.length + 1);
    const overlaps = JSON.parse((/data-overlaps="([^"]*)"/.exec(dom.stdout)?.[1] ?? 'null').replace(/&quot;/g, '"'));
    expect(overlaps).toEqual(['control: 100 / 200']);
  });

  it('the cards never break a word: long "limited by" rules get a wider card (measured at 1280 and 700 px)', async () => {
    const r = JSON.parse(readFileSync(join(FIX, 'generate-baseline.json'), 'utf8'));
    r.capacity.limitedBy = ['p99{checkout-with-coupon} < 250ms', 'error_rate{checkout} < 1%', 'throughput > 98%'];
    const json = join(tmp, 'long-limits.json');
    writeFileSync(json, JSON.stringify(r));
    const html = join(tmp, 'long-limits.html');
    expect(cli(['report', json, '-o', html]).code).toBe(0);
    const text = readFileSync(html, 'utf8');
    const style = /<style>[\s\S]*?<\/style>/.exec(text)![0];
    const cards = /<div class="cards">[\s\S]*?<\/div><\/div><\/div>(?=\n)/.exec(text)![0];
    expect(cards).toContain('<span class="rule">p99{checkout-with-coupon} &lt; 250ms</span>');
    const harness = join(tmp, 'cards.html');
    // A word is broken when its characters lie on more than one line (two client rects at different heights).
    writeFileSync(
      harness,
      `<!DOCTYPE html><html><head>${style}</head><body><main>${cards}</main><script>
        const broken = [];
        for (const v of document.querySelectorAll('.card .v')) {
          const walker = document.createTreeWalker(v, NodeFilter.SHOW_TEXT);
          for (let node; (node = walker.nextNode()); ) {
            for (const m of node.textContent.matchAll(/\\S+/g)) {
              const range = document.createRange();
              range.setStart(node, m.index);
              range.setEnd(node, m.index + m[0].length);
              const tops = new Set([...range.getClientRects()].map((b) => Math.round(b.top)));
              if (tops.size > 1) broken.push(m[0]);
            }
          }
          if (v.scrollWidth > v.clientWidth + 1) broken.push('overflow: ' + v.textContent);
        }
        document.body.setAttribute('data-broken', JSON.stringify(broken));
      </script></body></html>`,
    );
    for (const width of [1280, 700]) {
      const dom = await chromium([`--window-size=${width},900`, '--dump-dom', `file://${harness}`]);
      expect(dom.code).toBe(0);
      const broken = JSON.parse((/data-broken="([^"]*)"/.exec(dom.stdout)?.[1] ?? 'null').replace(/&quot;/g, '"'));
      expect(broken, `at ${width} px`).toEqual([]);
    }
  });

  it('escapes every user string: nothing hostile runs or renders as markup', async () => {
    const html = join(OUT, 'hostile.html');
    expect(cli(['report', hostileFixture(), '-o', html]).code).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<(script|img|iframe|b)[\s>]/i);
    expect(text).not.toMatch(/<svg onload/i);
    const dom = await chromium(['--dump-dom', `file://${html}`]);
    expect(dom.stdout).not.toContain('pwned</title>');
    expect(dom.stdout).not.toMatch(/<(script|img|iframe)[\s>]/i);
    expect(dom.stdout).toContain('&lt;img src=x onerror="document.title=\'pwned\'"&gt;');
  });

  it('`loadtest report` refuses what is not a report: one line, exit 2', () => {
    const notJson = join(tmp, 'x.json');
    writeFileSync(notJson, 'hello');
    const r = cli(['report', notJson, '-o', join(tmp, 'x.html')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`loadtest: ${notJson} is not valid JSON (unexpected 'h'): expected a loadtest JSON report\n`);
    const dir = cli(['report', tmp]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toBe(`loadtest: ${tmp} is a directory, not a loadtest JSON report\n`);
  });
});
