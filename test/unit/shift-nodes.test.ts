// The list form of traffic.shift.haproxy (several load-balancer nodes, one set of weights): parsing,
// located validation errors, the v2 journal (and v1 still read), summing HAProxy stats over nodes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.js';
import { combineNodeSnapshots } from '../../src/metrics/samplers/haproxy-sampler.js';
import type { GroupSnapshot } from '../../src/metrics/samplers/sampler.js';
import { parseScenario } from '../../src/scenario/load-scenario.js';
import { haproxyNodes } from '../../src/scenario/read-shift.js';
import type { HaproxyShifterSpec, ShiftTrafficSpec } from '../../src/scenario/scenario.js';
import { journalNodes, journalOf, readJournal, writeJournal } from '../../src/traffic/shifters/journal.js';

const dir = mkdtempSync(join(tmpdir(), 'loadtest-nodes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const doc = (haproxy: string, extra = '') => `name: region
traffic:
  shift:
    haproxy:
${haproxy}
${extra}load: { start: 1x, step: 0.5x, max: 2x, step_duration: 10s, warmup: 2s }
slo: [ error_rate < 1% ]
`;

function problems(text: string): string[] {
  try {
    parseScenario(text, 's.yaml', {});
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return [...e.details];
  }
  throw new Error('loaded without error');
}

describe('traffic.shift.haproxy as a list of nodes', () => {
  it('reads every node (sockets and TCP addresses mixed); the first node is the spec itself', () => {
    const s = parseScenario(
      doc(`      - { socket: /run/haproxy/edge1.sock, backend: web, servers: [web1, web2] }
      - { address: 10.0.0.2:9999, backend: web_b, servers: [web2, web1] }`),
      's.yaml',
      {},
    );
    const t = s.traffic as ShiftTrafficSpec;
    const h = t.shifter as HaproxyShifterSpec;
    expect(h.nodes).toEqual([
      { socket: '/run/haproxy/edge1.sock', backend: 'web', servers: ['web1', 'web2'] },
      { address: '10.0.0.2:9999', backend: 'web_b', servers: ['web2', 'web1'] },
    ]);
    expect(h.socket).toBe('/run/haproxy/edge1.sock');
    expect(h.servers).toEqual(['web1', 'web2']);
    expect(t.journalFile).toBe('.loadtest/journal-web.json');
    expect(t.stopFile).toBe('.loadtest/journal-web.json.stop');
    expect(haproxyNodes(h)).toHaveLength(2);
  });

  it('the single map stays one node, without nodes', () => {
    const s = parseScenario(doc('      { socket: /a.sock, backend: web, servers: [web1] }').replace('haproxy:\n', 'haproxy:'), 's.yaml', {});
    const h = (s.traffic as ShiftTrafficSpec).shifter as HaproxyShifterSpec;
    expect(h.nodes).toBeUndefined();
    expect(haproxyNodes(h)).toEqual([{ socket: '/a.sock', backend: 'web', servers: ['web1'] }]);
  });

  it.each([
    [
      'an empty list',
      doc('      []').replace('haproxy:\n', 'haproxy:'),
      ['s.yaml:4:19: traffic.shift.haproxy: expected at least one HAProxy node: { socket: …, backend: …, servers: […] }'],
    ],
    [
      'a misspelled key in the second node',
      doc(`      - { socket: /a.sock, backend: web, servers: [web1] }
      - { sockt: /b.sock, backend: web, servers: [web1] }`),
      ["s.yaml:6:11: traffic.shift.haproxy[1].sockt: unknown key 'sockt', did you mean 'socket'?"],
    ],
    [
      'a missing backend',
      doc(`      - { socket: /a.sock, backend: web, servers: [web1] }
      - { socket: /b.sock, servers: [web1] }`),
      ["s.yaml:6:9: traffic.shift.haproxy[1].backend: missing required key 'backend': the HAProxy backend whose servers are weighted"],
    ],
    [
      'the same node twice (same socket and backend)',
      doc(`      - { socket: /a.sock, backend: web, servers: [web1] }
      - { socket: /a.sock, backend: web, servers: [web1] }`),
      ['s.yaml:6:9: traffic.shift.haproxy[1]: the same node as traffic.shift.haproxy[0] (socket /a.sock backend web): list each node once'],
    ],
    [
      'nodes naming different servers',
      doc(`      - { socket: /a.sock, backend: web, servers: [web1, web2] }
      - { address: 127.0.0.1:9999, backend: web, servers: [web1] }`),
      [
        's.yaml:6:59: traffic.shift.haproxy[1].servers: every node must list the same servers under test (one set of weights goes to all nodes): traffic.shift.haproxy[0] lists web1, web2, this one web1',
      ],
    ],
    [
      'a bad address and a node that is not a mapping, both reported',
      doc(`      - { socket: /a.sock, backend: web, servers: [web1] }
      - { address: nope, backend: web, servers: [web1] }
      - 7`),
      [
        "s.yaml:6:20: traffic.shift.haproxy[1].address: expected host:port such as 127.0.0.1:9999, found 'nope'",
        's.yaml:7:9: traffic.shift.haproxy[2]: expected a mapping (key: value), found the number 7',
      ],
    ],
    [
      'the stop file is the journal',
      doc('      - { socket: /a.sock, backend: web, servers: [web1] }', '    journal: j.json\n    stop_file: j.json\n'),
      ['s.yaml:7:16: traffic.shift.stop_file: the stop file must not be the journal: creating it would end the run at once and the journal would be lost'],
    ],
  ])('%s: one located line per problem', (_name, text, expected) => {
    expect(problems(text)).toEqual(expected);
  });
});

describe('weight journal with several nodes', () => {
  const nodes = [
    { shifter: { type: 'haproxy' as const, socket: '/e1.sock', backend: 'web' }, weights: { web1: 100, web2: 100 } },
    { shifter: { type: 'haproxy' as const, address: '10.0.0.2:9999', backend: 'web' }, weights: { web1: 100, web2: 100 } },
  ];
  const meta = { pid: 999_999_999, startedAt: '2026-01-01T00:00:00.000Z', scenario: 'region', stopFile: '/tmp/x.stop' };

  it.each([
    ['one node: version 1, exactly the old format', [nodes[0]!], 1, false],
    ['two nodes: version 2 with every node', nodes, 2, true],
  ])('%s', async (_n, list, version, hasNodes) => {
    const f = join(dir, `j${version}.json`);
    await writeJournal(f, journalOf(list, meta));
    const onDisk = JSON.parse(readFileSync(f, 'utf8'));
    expect(onDisk.version).toBe(version);
    expect('nodes' in onDisk).toBe(hasNodes);
    expect(onDisk.weights).toEqual({ web1: 100, web2: 100 });
    expect(onDisk.shifter).toEqual(list[0]!.shifter);
    const back = readJournal(f)!;
    expect(journalNodes(back)).toEqual(list);
    expect(back.stopFile).toBe('/tmp/x.stop');
  });

  it('reads a version 1 journal written before the list form', () => {
    const f = join(dir, 'old.json');
    writeFileSync(
      f,
      JSON.stringify({ kind: 'loadtest.weight-journal', version: 1, shifter: { type: 'haproxy', socket: '/a.sock', backend: 'web' }, weights: { web1: 100 }, pid: 1, startedAt: 'x' }),
    );
    expect(journalNodes(readJournal(f)!)).toEqual([{ shifter: { type: 'haproxy', socket: '/a.sock', backend: 'web' }, weights: { web1: 100 } }]);
  });

  it.each([
    ['version 2 without nodes', { version: 2, nodes: undefined }, /nodes: expected a list/],
    ['a node without a socket', { version: 2, nodes: [nodes[0], { shifter: { type: 'haproxy', backend: 'web' }, weights: {} }] }, /nodes\[1\]\.shifter: expected backend and socket or address/],
    ['a node weight out of range', { version: 2, nodes: [nodes[0], { ...nodes[1], weights: { web1: 300 } }] }, /nodes\[1\]\.weights\.web1: expected an integer 0..256/],
    ['version 3', { version: 3 }, /version: expected 1 or 2/],
  ])('rejects %s', (_n, patch, re) => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ ...journalOf(nodes, meta), ...patch }));
    let details = '';
    try {
      readJournal(f);
    } catch (e) {
      details = ((e as { details?: string[] }).details ?? []).join('\n');
    }
    expect(details).toMatch(re);
  });
});

describe('HAProxy stats summed over nodes (combineNodeSnapshots)', () => {
  const snap = (requests: number, errors: number, queue: number, mean?: number): GroupSnapshot => ({
    requests,
    errors,
    errorClasses: { http: errors, refused: 0, reset: 0 },
    statusCodes: { '2xx': requests - errors, '5xx': errors },
    gauges: { queue, ...(mean !== undefined ? { mean_latency: mean } : {}) },
  });
  it.each([
    // [name, snapshots, weights (requests since the last sample), requests, errors, queue, mean latency]
    ['counters and queues add up; latency weighted by each node’s recent requests', [snap(1000, 10, 2, 10), snap(3000, 30, 1, 30)], [100, 300], 4000, 40, 3, 25],
    ['an idle node (no recent requests) does not pull the mean', [snap(1000, 0, 0, 500), snap(2000, 0, 0, 20)], [0, 200], 3000, 0, 0, 20],
    ['first sample (no weights yet): nodes count equally', [snap(10, 0, 0, 10), snap(10, 0, 0, 30)], [0, 0], 20, 0, 0, 20],
    ['a node without a latency figure is left out of the mean', [snap(10, 1, 0), snap(10, 1, 0, 40)], [5, 5], 20, 2, 0, 40],
    ['no latency anywhere: no mean', [snap(10, 0, 0), snap(5, 0, 4)], [1, 1], 15, 0, 4, undefined],
  ])('%s', (_n, snaps, weights, requests, errors, queue, mean) => {
    const c = combineNodeSnapshots(snaps, weights);
    expect(c.requests).toBe(requests);
    expect(c.errors).toBe(errors);
    expect(c.errorClasses!.http).toBe(errors);
    expect(c.statusCodes!['5xx']).toBe(errors);
    expect(c.gauges.queue).toBe(queue);
    expect(c.gauges.mean_latency).toBe(mean);
  });
});
