// Templates as the scenario loader reads them: which fields get a template, the names requests keep
// (one per template, not one per rendered path), ${VAR} still substituted at load time, a
// structured body's holes JSON-escaped, and `plan`'s samples (secrets masked).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load-scenario.js';
import { renderPlan } from '../../src/cli/commands/plan.js';
import { createRedactor } from '../../src/report/redact.js';
import type { GenerateTrafficSpec } from '../../src/scenario/scenario.js';
import { templateSource } from '../../src/workload/template.js';

const file = join(import.meta.dirname, '../fixtures/valid/templates.yaml');
const load = (env: Record<string, string> = {}) => parseScenario(readFileSync(file, 'utf8'), 'templates.yaml', env);
const requests = (env: Record<string, string> = {}) => (load(env).traffic as GenerateTrafficSpec).requests;

describe('templates in a scenario', () => {
  it('a request keeps one name: `name:` or its template text', () => {
    expect(requests().map((r) => r.name)).toEqual(['GET /r/{{ seq }}?u={{ random.int(1, 1000000) }}', 'search', 'create', 'structured']);
  });

  it('only fields with holes get a template; the text is kept as written', () => {
    const [a, b, c, d] = requests();
    expect(Object.keys(a!.template!)).toEqual(['path']);
    expect(a!.path).toBe('/r/{{ seq }}?u={{ random.int(1, 1000000) }}');
    expect(Object.keys(b!.template!)).toEqual(['path', 'headers']);
    expect(Object.keys(b!.template!.headers!)).toEqual(['x-request-id']);
    expect(Object.keys(c!.template!)).toEqual(['body']);
    expect(Object.keys(d!.template!)).toEqual(['path', 'body']);
    expect(templateSource(c!.template!.body!)).toBe(c!.body);
  });

  it('${VAR} is still substituted at load time (and masked), beside templates', () => {
    const b = requests({ TOKEN: 'from-env-123' })[1]!;
    expect(b.headers.authorization).toBe('Bearer from-env-123');
    expect(load({ TOKEN: 'from-env-123' }).secrets).toContain('Bearer from-env-123');
  });

  it('a {{ that only a ${VAR} brought in is literal text, not a hole', () => {
    const s = parseScenario("name: x\ntarget: http://a\ntraffic: { request: { path: /, headers: { x-t: '${T}' } } }\nload: { start: 1, step: 1, max: 2 }\nslo: [p99 < 1s]\n", 'x.yaml', { T: 'a{{b}}' });
    const r = (s.traffic as GenerateTrafficSpec).requests[0]!;
    expect(r.headers['x-t']).toBe('a{{b}}');
    expect(r.template).toBeUndefined();
  });

  it('a structured body: the JSON text, every hole JSON-escaped, its string arguments as written', () => {
    const d = requests()[3]!;
    // The holes as written (their quotes not JSON-escaped): the template text the reports show.
    expect(d.body).toBe('{"name":"item-{{ random.string(6) }}","tag":"{{ random.pick(\'a"b\') }}"}');
    expect(d.headers['content-type']).toBe('application/json');
    const holes = d.template!.body!.filter((p) => typeof p !== 'string');
    expect(holes.map((h) => (h as { json: boolean }).json)).toEqual([true, true]);
  });

  it('plan shows samples of every templated request, filled in and encoded, secrets masked', () => {
    const s = load({ TOKEN: 'sekret-token' });
    const lines = createRedactor(s.secrets)(renderPlan(s).join('\n')).split('\n');
    const at = lines.indexOf('sample requests (templates filled in as a run fills them):');
    expect(at).toBeGreaterThan(0);
    const samples = lines.slice(at + 1);
    expect(samples).toHaveLength(4 * 4);
    expect(samples[0]).toBe('  GET /r/{{ seq }}?u={{ random.int(1, 1000000) }}');
    expect(samples.slice(1, 4).map((l) => /^ {4}GET \/r\/(\d+)\?u=\d+$/.exec(l)?.[1])).toEqual(['1', '2', '3']);
    for (const l of samples.slice(5, 8)) {
      expect(l).toMatch(/^ {4}GET \/search\?q=(red%20shoes|caf%C3%A9|a%26b)&page=[1-5] {2}x-request-id: [0-9a-f-]{36}$/);
    }
    for (const l of samples.slice(9, 12)) {
      const body = /body: (.*)$/.exec(l)![1]!;
      expect(JSON.parse(body)).toMatchObject({ note: 'say "hi"' });
    }
    for (const l of samples.slice(13, 16)) {
      const body = JSON.parse(/body: (.*)$/.exec(l)![1]!) as { name: string; tag: string };
      expect(body.name).toMatch(/^item-[A-Za-z0-9]{6}$/);
      expect(body.tag).toBe('a"b');
    }
    expect(lines.join('\n')).not.toContain('sekret-token');
  });

  it('plan: a secret templated header shows as *** (its literal part may be the credential)', () => {
    const s = parseScenario(
      "name: x\ntarget: http://a\ntraffic: { request: { path: /, headers: { x-key: { value: 'k-s3cr3t-{{ seq }}', secret: true }, x-id: '{{ seq }}' } } }\nload: { start: 1, step: 1, max: 2 }\nslo: [p99 < 1s]\n",
      'x.yaml',
      {},
    );
    const samples = renderPlan(s).filter((l) => l.startsWith('    GET'));
    expect(samples).toEqual(['    GET /  x-key: ***  x-id: 2', '    GET /  x-key: ***  x-id: 4', '    GET /  x-key: ***  x-id: 6']);
  });

  it('a scenario without templates shows no samples', () => {
    const s = parseScenario('name: x\ntarget: http://a\ntraffic: { request: { path: / } }\nload: { start: 1, step: 1, max: 2 }\nslo: [p99 < 1s]\n', 'x.yaml', {});
    expect(renderPlan(s).some((l) => l.startsWith('sample requests'))).toBe(false);
  });
});
