// The pieces the engine runs sessions with: the due-queue think times wait in, and a response as
// a capture reads it from the lean client's raw bytes (chunked or not, capped) or from undici's.
import { describe, expect, it } from 'vitest';
import { DueQueue } from '../../src/traffic/generator/due-queue.js';
import { MAX_CAPTURE_RAW, rawCapturedResponse, ResponseTee, undiciCapturedResponse } from '../../src/workload/session/captured-response.js';
import { mulberry32 } from '../../src/traffic/generator/schedule.js';

describe('DueQueue', () => {
  it('pops in due order whatever the push order (ties: both come out)', () => {
    const q = new DueQueue<number>();
    const rand = mulberry32(7);
    const dues = Array.from({ length: 500 }, () => Math.floor(rand() * 100));
    dues.forEach((d, i) => q.push(d, i));
    expect(q.size).toBe(500);
    const out: number[] = [];
    for (let x = q.pop(); x !== undefined; x = q.pop()) out.push(x.due);
    expect(out).toEqual([...dues].sort((a, b) => a - b));
    expect(q.nextAt).toBe(Infinity);
  });

  it('clear() hands back what waited', () => {
    const q = new DueQueue<string>();
    q.push(5, 'a');
    q.push(1, 'b');
    expect(q.nextAt).toBe(1);
    expect(q.clear().sort()).toEqual(['a', 'b']);
    expect(q.size).toBe(0);
  });
});

const tee = (...parts: string[]) => {
  const t = new ResponseTee();
  for (const p of parts) t.add(Buffer.from(p, 'latin1'));
  return t;
};

describe('a captured response', () => {
  it('lean client: headers (first of each, any case) and a content-length body, split anywhere', () => {
    const raw = 'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nLocation: /items/7\r\nlocation: /ignored\r\nContent-Length: 9\r\n\r\n{"id": 7}';
    for (let cut = 1; cut < raw.length; cut += 13) {
      const r = rawCapturedResponse(201, tee(raw.slice(0, cut), raw.slice(cut)));
      expect(r.header('location')).toBe('/items/7');
      expect(r.body?.toString()).toBe('{"id": 7}');
    }
  });

  it('lean client: a chunked body is de-chunked (extensions and trailers aside)', () => {
    const r = rawCapturedResponse(200, tee('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\n{"id"\r\n6\r\n: "a"}\r\n0\r\nx-trailer: 1\r\n\r\n'));
    expect(r.body?.toString()).toBe('{"id": "a"}');
  });

  it('past the cap: no body (the capture fails and says so), headers still read', () => {
    const t = new ResponseTee();
    t.add(Buffer.from('HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\n'));
    t.add(Buffer.alloc(MAX_CAPTURE_RAW));
    expect(t.over).toBe(true);
    const r = rawCapturedResponse(200, t);
    expect(r.body).toBeNull();
    expect(r.header('x-a')).toBe('1');
  });

  it("undici: its raw header list and body chunks", () => {
    const r = undiciCapturedResponse(201, [Buffer.from('Location'), Buffer.from('/x'), Buffer.from('X-N'), Buffer.from('2')], tee('{"a":', '1}'));
    expect([r.status, r.header('location'), r.header('x-n'), r.body?.toString()]).toEqual([201, '/x', '2', '{"a":1}']);
  });
});
