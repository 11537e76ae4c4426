// traffic.replay end to end short of sending: a log on disk → the scenario's weighted mix, the
// counts `plan` shows (credential values masked), and every problem located — file:line:col in
// the scenario, file:line(:col) in the log, one line for a missing log.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPlan } from '../../src/cli/commands/plan.js';
import { ScenarioError } from '../../src/errors.js';
import { parseScenario } from '../../src/scenario/load-scenario.js';
import type { GenerateTrafficSpec, Scenario } from '../../src/scenario/scenario.js';
import { createRedactor } from '../../src/report/redact.js';
import { readReplayLog } from '../../src/workload/replay/read-log.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loadtest-replay-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (method: string, target: string, ip = '10.0.0.1') => `${ip} - - [10/Oct/2025:13:55:36 +0000] "${method} ${target} HTTP/1.1" 200 12 "-" "curl/8"`;

function write(name: string, lines: string[]): string {
  writeFileSync(join(dir, name), lines.join('\n') + '\n');
  return name;
}

function scenarioText(replay: string, extra = ''): string {
  return `name: replay test
target: http://127.0.0.1:9
traffic:
  replay: ${replay}
${extra}load: { start: 100, step: 100, max: 200, step_duration: 10s, warmup: 2s }
slo: [p99 < 200ms]
`;
}

const load = (replay: string, extra = ''): Scenario => parseScenario(scenarioText(replay, extra), join(dir, 'scenario.yaml'), {});

function problems(replay: string, extra = ''): string[] {
  try {
    load(replay, extra);
  } catch (e) {
    if (e instanceof ScenarioError) return [...e.details].map((d) => d.replaceAll(dir + '/', ''));
    throw e;
  }
  throw new Error('loaded without error');
}

describe('readReplayLog', () => {
  it('counts distinct requests, most frequent first; skips and leaves out by method', () => {
    const f = write('mix.log', [
      line('GET', '/a'),
      line('GET', '/b?x=1'),
      line('GET', '/a'),
      '',
      'garbage that is no log line',
      line('POST', '/cart'),
      line('HEAD', '/a'),
      line('GET', 'http://shop.example.com/a'),
      line('GET', '/b?x=1', '2001:db8::7'),
      line('GET', '/a'),
    ]);
    const r = readReplayLog(join(dir, f), 'combined', new Set(['GET', 'HEAD']));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.log).toMatchObject({ lines: 9, skipped: 1, requests: 7, excluded: { POST: 1 }, firstSkipped: { line: 5, why: 'not in combined log format' } });
    expect(r.log.entries).toEqual([
      { method: 'GET', target: '/a', count: 4 },
      { method: 'GET', target: '/b?x=1', count: 2 },
      { method: 'HEAD', target: '/a', count: 1 },
    ]);
  });

  it('CRLF line ends and a last line without a newline', () => {
    writeFileSync(join(dir, 'crlf.log'), `${line('GET', '/x')}\r\n${line('GET', '/y')}`);
    const r = readReplayLog(join(dir, 'crlf.log'), 'combined', new Set(['GET']));
    expect(r.ok && r.log.entries.map((e) => e.target)).toEqual(['/x', '/y']);
  });

  it('an overlong line is skipped unread, across chunks or within one', () => {
    const long = 'x'.repeat(3 * 1024 * 1024); // 3 MiB: spans read chunks
    writeFileSync(join(dir, 'long.log'), `${line('GET', '/a')}\n${long}\n${line('GET', '/b')}\n${'y'.repeat(70_000)}\n${line('GET', '/c')}\n${long}`);
    const r = readReplayLog(join(dir, 'long.log'), 'combined', new Set(['GET']));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.log).toMatchObject({ lines: 6, skipped: 3, requests: 3, firstSkipped: { line: 2, why: 'longer than 64 KiB' } });
    expect(r.log.entries.map((e) => e.target)).toEqual(['/a', '/b', '/c']);
  });

  it('a gzip-compressed log says so', () => {
    writeFileSync(join(dir, 'gz.log'), gzipSync(line('GET', '/a')));
    const r = readReplayLog(join(dir, 'gz.log'), 'combined', new Set(['GET']));
    expect(r).toEqual({ ok: false, problems: [{ message: `access log ${join(dir, 'gz.log')} is gzip-compressed; decompress it first (zcat ${join(dir, 'gz.log')} > access.log)` }] });
  });

  it('a log larger than one read chunk (lines cut across chunks)', () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => line('GET', `/p/${i % 100}?pad=${'x'.repeat(i % 7)}`));
    const f = write('big.log', lines);
    const r = readReplayLog(join(dir, f), 'combined', new Set(['GET']));
    expect(r.ok && r.log.requests).toBe(30_000);
    expect(r.ok && r.log.skipped).toBe(0);
  });
});

describe('traffic.replay in a scenario', () => {
  it('builds the mix: weights are counts, one name for every replayed request, defaults GET/HEAD', () => {
    write('shop.log', [line('GET', '/a'), line('GET', '/a'), line('GET', '/b'), line('DELETE', '/a')]);
    const s = load('{ file: shop.log, format: combined }');
    const t = s.traffic as GenerateTrafficSpec;
    expect(t.requests.map((r) => [r.name, r.method, r.path, r.weight])).toEqual([
      ['replay', 'GET', '/a', 2],
      ['replay', 'GET', '/b', 1],
    ]);
    expect(t.replay).toMatchObject({ file: join(dir, 'shop.log'), format: 'combined', mode: 'mix', methods: ['GET', 'HEAD'], name: 'replay', lines: 4, skipped: 0, requests: 3, distinct: 2, excluded: { DELETE: 1 } });
  });

  it.each([
    ['haproxy', ['Feb  6 12:14:14 lb haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] fe be/s1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET /h?x=1 HTTP/1.1"', 'Feb  6 12:14:15 lb haproxy[14389]: Proxy fe started.']],
    ['jsonl', ['{"time":"2025-10-10T13:55:36Z","method":"GET","uri":"/h","args":"x=1","status":200}', '{"msg":"reloaded"}']],
  ])('format %s through the scenario', (format, lines) => {
    write(`f.${format}`, lines);
    const t = load(`{ file: f.${format}, format: ${format} }`).traffic as GenerateTrafficSpec;
    expect(t.requests.map((r) => `${r.method} ${r.path} ${r.weight}`)).toEqual(['GET /h?x=1 1']);
    expect(t.replay).toMatchObject({ lines: 2, skipped: 1, firstSkipped: { line: 2 } });
  });

  it('methods, name and headers; p99{name} is a known request', () => {
    write('m.log', [line('GET', '/a'), line('post', '/lower'), line('POST', '/b')]);
    const s = load('{ file: m.log, format: combined, methods: [get, post], name: prod, headers: { host: shop.example.com } }', '');
    const t = s.traffic as GenerateTrafficSpec;
    expect(t.requests.map((r) => `${r.name} ${r.method} ${r.path} ${r.headers.host}`)).toEqual(['prod GET /a shop.example.com', 'prod POST /b shop.example.com']);
    expect(t.replay?.excluded).toEqual({ post: 1 });
    expect(() => parseScenario(scenarioText('{ file: m.log, format: combined, name: prod }').replace('p99 < 200ms', '"p99{prod} < 200ms"'), join(dir, 's.yaml'), {})).not.toThrow();
  });

  it('plan: lines read and skipped, distinct requests, the top 10 by share, credentials masked', () => {
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) for (let k = 0; k <= i; k++) lines.push(line('GET', `/item/${i}`));
    for (let k = 0; k < 20; k++) lines.push(line('GET', '/login?user=ann&token=s3cr3t-T0K3N&next=/home'));
    lines.push('not a log line "with quotes"', line('POST', '/cart'));
    write('plan.log', lines);
    const s = load('{ file: plan.log, format: combined }');
    const out = createRedactor(s.secrets)(renderPlan(s).join('\n'));
    expect(out).not.toContain('s3cr3t');
    const replay = out.split('\n').filter((l) => l.startsWith('replay:') || l.startsWith('  '));
    expect(replay.slice(0, 15)).toEqual([
      `replay: ${join(dir, 'plan.log')} (combined, weighted mix): 100 lines read, 1 skipped`,
      "  98 GET/HEAD requests, 13 distinct, all recorded as 'replay' (p99{replay})",
      `  ${join(dir, 'plan.log')}: 1 of 100 lines skipped (first at line 99: not in combined log format: "not a log line \\"with quotes\\"")`,
      `  ${join(dir, 'plan.log')}: 1 request left out by method (POST 1; traffic.replay.methods: GET, HEAD)`,
      '  top 10 by share (93.9% of the requests):',
      '     20.4%  GET /login?user=ann&token=***&next=/home',
      '     12.2%  GET /item/11',
      '     11.2%  GET /item/10',
      '     10.2%  GET /item/9',
      '     9.18%  GET /item/8',
      '     8.16%  GET /item/7',
      '     7.14%  GET /item/6',
      '     6.12%  GET /item/5',
      '     5.10%  GET /item/4',
      '     4.08%  GET /item/3',
    ]);
    // The request sent keeps the real value.
    expect((s.traffic as GenerateTrafficSpec).requests[0]!.path).toBe('/login?user=ann&token=s3cr3t-T0K3N&next=/home');
  });
});

describe('mode: ordered', () => {
  const at = (sec: number, target: string) => `10.0.0.1 - - [10/Oct/2025:13:55:${String(sec).padStart(2, '0')} +0000] "GET ${target} HTTP/1.1" 200 12 "-" "x"`;

  it('the trace: time order (a line logged late is put back in place), ties spread over their second', () => {
    // Logged when they ENDED: /slow started at :00 but was written after the :01 lines.
    write('ord.log', [at(1, '/x'), at(1, '/y'), at(0, '/slow'), at(3, '/x'), 'junk']);
    const t = load('{ file: ord.log, format: combined, mode: ordered }').traffic as GenerateTrafficSpec;
    const r = t.replay!;
    expect(r.mode).toBe('ordered');
    expect(t.requests.map((q) => q.path)).toEqual(['/x', '/y', '/slow']);
    expect(Array.from(r.trace!.index, (i) => t.requests[i]!.path)).toEqual(['/slow', '/x', '/y', '/x']);
    expect(Array.from(r.trace!.atMs)).toEqual([0, 1000, 1500, 3000]);
    expect(r.trace).toMatchObject({ spanMs: 4000, recordedRps: 1, resolutionMs: 1000 });
  });

  it('plan says how it plays', () => {
    write('ord2.log', Array.from({ length: 50 }, (_, i) => at(Math.floor(i / 10), `/p${i % 3}`)));
    const out = renderPlan(load('{ file: ord2.log, format: combined, mode: ordered }'));
    expect(out).toContain(`replay: ${join(dir, 'ord2.log')} (combined, recorded order): 50 lines read, 0 skipped`);
    expect(out).toContain('  played in recorded order, looping: 5s of log at 10 rps (times to the second, spread evenly within each); at 100 rps it plays 10× faster, one pass every 0.5s');
  });

  it('jsonl lines without a time are skipped in ordered mode (and replayed in mix mode)', () => {
    write('t.jsonl', ['{"ts":1760104536.25,"path":"/a"}', '{"path":"/no-time"}', '{"time":"2025-10-10T13:55:37.5Z","path":"/b"}']);
    const o = load('{ file: t.jsonl, format: jsonl, mode: ordered }').traffic as GenerateTrafficSpec;
    expect(o.replay).toMatchObject({ skipped: 1, requests: 2, firstSkipped: { line: 2, why: 'no time this format can read (mode: ordered needs one)' } });
    expect(Array.from(o.replay!.trace!.atMs)).toEqual([0, 1250]);
    expect(o.replay!.trace!.resolutionMs).toBe(1);
    const m = load('{ file: t.jsonl, format: jsonl }').traffic as GenerateTrafficSpec;
    expect(m.replay).toMatchObject({ skipped: 0, requests: 3 });
  });
});

describe('traffic.replay problems', () => {
  it('a missing log: one line at the file key', () => {
    expect(problems('{ file: nope.log, format: combined }')).toEqual([
      `scenario.yaml:4:19: traffic.replay.file: cannot read access log nope.log: no such file`,
    ]);
  });

  it('a log with no usable line', () => {
    write('junk.log', ['hello', 'world']);
    expect(problems('{ file: junk.log, format: combined }')).toEqual([
      `scenario.yaml:4:19: traffic.replay.file: access log junk.log has no usable line: all 2 lines were skipped (line 1: not in combined log format: "hello"); is it in combined format?`,
    ]);
  });

  it('a log of POSTs only, with the default methods', () => {
    write('posts.log', [line('POST', '/a'), line('POST', '/b')]);
    expect(problems('{ file: posts.log, format: combined }')).toEqual([
      `scenario.yaml:4:19: traffic.replay.file: access log posts.log has no GET/HEAD request to replay (found POST 2); traffic.replay.methods chooses the methods replayed`,
    ]);
  });

  it('an empty log', () => {
    write('empty.log', []);
    expect(problems('{ file: empty.log, format: combined }')).toEqual([`scenario.yaml:4:19: traffic.replay.file: access log empty.log is empty: nothing to replay`]);
  });

  it('malformed JSON lines: file:line:col in the log, the value never quoted back', () => {
    write('bad.jsonl', ['{"method":"GET","path":"/a"}', '{"method":"GET","path":"/b?token=abc",}', 'GET /c', '{"msg":"no request"}']);
    expect(problems('{ file: bad.jsonl, format: jsonl }')).toEqual([
      'bad.jsonl:2:39: not a JSON object: Expected double-quoted property name',
      "bad.jsonl:3:1: not a JSON object: Unexpected token 'G'",
    ]);
  });

  it('more than five malformed lines are counted', () => {
    write('worse.jsonl', Array.from({ length: 9 }, () => 'nope'));
    const p = problems('{ file: worse.jsonl, format: jsonl }');
    expect(p).toHaveLength(6);
    expect(p[5]).toBe('worse.jsonl:5:1: … and 4 more lines that are not JSON objects');
  });

  it('keys: format, mode, arrival with ordered, methods, name, replay beside requests', () => {
    expect(problems('{ file: x.log, format: nginx }')).toEqual(["scenario.yaml:4:34: traffic.replay.format: expected combined, haproxy, jsonl, found 'nginx'"]);
    expect(problems('{ file: x.log }')).toEqual(["scenario.yaml:4:3: traffic.replay.format: missing required key 'format': the log's format: combined, haproxy, jsonl"]);
    expect(problems('{ file: x.log, format: combined, mode: orderd }')).toEqual(["scenario.yaml:4:50: traffic.replay.mode: expected mix or ordered, found 'orderd', did you mean 'ordered'?"]);
    expect(problems('{ file: x.log, format: combined, mode: ordered }', '  arrival: uniform\n')).toEqual([
      "scenario.yaml:5:3: traffic.arrival: not used with traffic.replay.mode: ordered: the log's own times (scaled to each step's rate) are the schedule",
    ]);
    expect(problems('{ file: x.log, format: combined, methods: [] }')).toEqual(['scenario.yaml:4:53: traffic.replay.methods: expected at least one method, e.g. [GET, HEAD]']);
    expect(problems('{ file: x.log, format: combined, name: "a{b}" }')).toEqual([
      "scenario.yaml:4:50: traffic.replay.name: expected a non-empty name without '{' or '}' (it is used as p99{name}), found 'a{b}'",
    ]);
    write('ok.log', [line('GET', '/a')]);
    expect(problems('{ file: ok.log, format: combined }', '  requests: [{ path: / }]\n')).toEqual([
      "scenario.yaml:5:3: traffic.requests: give either 'replay' (requests from an access log) or 'requests', not both",
    ]);
    expect(problems('{ file: ok.log, format: combined, fromat: x }')).toEqual([
      "scenario.yaml:4:45: traffic.replay.fromat: unknown key 'fromat', did you mean 'format'?",
    ]);
  });

  it('an SLO on another request name is checked against the replay name', () => {
    write('ok2.log', [line('GET', '/a')]);
    const p = (() => {
      try {
        parseScenario(scenarioText('{ file: ok2.log, format: combined }').replace('p99 < 200ms', '"p99{checkout} < 200ms"'), join(dir, 'scenario.yaml'), {});
      } catch (e) {
        return (e as ScenarioError).details.join('\n');
      }
      return '';
    })();
    expect(p).toContain("no request named 'checkout'");
    expect(p).toContain("'replay'");
  });
});
