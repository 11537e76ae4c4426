// Templated path, header and body through both clients, on one thread and on worker threads,
// against a node:http server that records what arrived: every value filled in and encoded, every
// content-length right for its variable body (node's parser would reject a wrong one), `seq`
// unique across threads, the request counted under its one template name.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGenerator } from '../../src/traffic/generator/generator.js';
import { parseScenario } from '../../src/scenario/load-scenario.js';
import type { GenerateTrafficSpec } from '../../src/scenario/scenario.js';
import { stepReq } from './generator-helpers.js';

interface Seen {
  method: string;
  url: string;
  id: string | undefined;
  length: string | undefined;
  body: string;
}
let seen: Seen[] = [];
let server: http.Server;
let url = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, id: req.headers['x-id'] as string | undefined, length: req.headers['content-length'], body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

function spec(client: string, workers: number): GenerateTrafficSpec {
  const yaml = `name: t
target: ${url}
traffic:
  client: ${client}
  workers: ${workers}
  connections: 8
  requests:
    - name: create
      method: POST
      path: "/items/{{ seq }}?q={{ random.pick('a b', 'é/x') }}"
      headers: { x-id: '{{ uuid }}', content-type: application/json }
      body: { owner: 'user-{{ random.string(8) }}', sku: '{{ random.int(1, 1000) }}', note: "{{ random.pick('say \\"hi\\"', 'ünï') }}" }
load: { start: 1, step: 1, max: 2 }
slo: [p99 < 1s]
`;
  return parseScenario(yaml, 't.yaml', {}).traffic as GenerateTrafficSpec;
}

describe('templated requests through each client', () => {
  it.each([
    ['lean', 1],
    ['undici', 1],
    ['lean', 2],
  ])('%s client, %d thread(s)', async (client, workers) => {
    seen = [];
    const gen = createGenerator(spec(client, workers));
    try {
      await gen.prepare(new AbortController().signal);
      const stats = await gen.runStep(stepReq(400, 1500, 0));
      expect(stats.errorCount).toBe(0);
      expect(stats.byRequest.map((r) => r.name)).toEqual(['create']);
      // The probe and every request of the step.
      expect(seen).toHaveLength(stats.sent + 1);
    } finally {
      await gen.close();
    }
    const seqs = new Set<number>();
    for (const s of seen) {
      const m = /^\/items\/(\d+)\?q=(a%20b|%C3%A9%2Fx)$/.exec(s.url);
      expect(m, s.url).not.toBeNull();
      seqs.add(Number(m![1]));
      expect(s.method).toBe('POST');
      expect(s.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Number(s.length)).toBe(Buffer.byteLength(s.body));
      const b = JSON.parse(s.body) as { owner: string; sku: string; note: string };
      expect(b.owner).toMatch(/^user-[A-Za-z0-9]{8}$/);
      expect(Number(b.sku)).toBeGreaterThanOrEqual(1);
      expect(Number(b.sku)).toBeLessThanOrEqual(1000);
      expect(['say "hi"', 'ünï']).toContain(b.note);
    }
    expect(seqs.size).toBe(seen.length);
    expect(new Set(seen.map((s) => s.id)).size).toBe(seen.length);
  });
});
