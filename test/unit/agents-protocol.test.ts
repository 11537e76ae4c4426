import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, parseMessage, readMessages, writeMessage, type Message } from '../../src/agents/protocol.js';

const stepStart: Message = {
  type: 'step-start',
  step: 3,
  rate: 333.3,
  phase: 0.5,
  seed: 123456,
  startAt: 1_700_000_000_123.25,
  durationMs: 30_000,
  warmupMs: 5_000,
  tailThresholdsMs: [250],
};
const messages: Message[] = [
  { type: 'hello', protocol: 1, agentId: '0', version: '0.1.0', cores: 4 },
  { type: 'challenge', nonce: 'n'.repeat(44) },
  { type: 'ping', id: 1, t0: 12.5 },
  stepStart,
  { type: 'stop', reason: 'done — ünïcödé' }, // multi-byte UTF-8: lengths are bytes, not characters
  { type: 'heartbeat', at: 1 },
];
const bytes = Buffer.concat(messages.map((m) => encodeFrame(m)));

function feed(chunks: Buffer[], max?: number): Message[] {
  const dec = new FrameDecoder(max);
  const out = chunks.flatMap((c) => dec.push(c));
  expect(dec.pendingBytes).toBe(0);
  return out;
}

describe('framing', () => {
  it('a frame is a 4-byte big-endian length and UTF-8 JSON', () => {
    const f = encodeFrame({ type: 'heartbeat', at: 7 });
    const body = '{"type":"heartbeat","at":7}';
    expect(f.readUInt32BE(0)).toBe(body.length);
    expect(f.subarray(4).toString()).toBe(body);
  });

  it('all messages in one chunk', () => {
    expect(feed([bytes])).toEqual(messages);
  });

  it('split in two at every byte position', () => {
    for (let i = 0; i <= bytes.length; i++) expect(feed([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(messages);
  });

  it('split in three at every pair of positions (first 120 bytes × all)', () => {
    for (let i = 0; i < 120; i++) {
      for (let j = i; j <= bytes.length; j += 7) expect(feed([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)])).toEqual(messages);
    }
  });

  it('one byte at a time', () => {
    expect(feed(Array.from(bytes, (b) => Buffer.from([b])))).toEqual(messages);
  });

  it('nothing is returned until a frame is whole', () => {
    const dec = new FrameDecoder();
    const one = encodeFrame(stepStart);
    expect(dec.push(one.subarray(0, one.length - 1))).toEqual([]);
    expect(dec.pendingBytes).toBe(one.length - 1);
    expect(dec.push(one.subarray(one.length - 1))).toEqual([stepStart]);
  });

  function frameOf(body: Buffer | string, length?: number): Buffer {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    const h = Buffer.alloc(4);
    h.writeUInt32BE(length ?? b.length, 0);
    return Buffer.concat([h, b]);
  }

  it.each([
    ['a zero length', frameOf('', 0), /frame length 0 is outside 1\.\.1024 bytes/],
    ['a length over the limit (refused from the header alone)', frameOf('', 1025).subarray(0, 4), /frame length 1025 is outside/],
    ['a huge garbage header', Buffer.from('GET / HTTP/1.1\r\n'), /frame length 1195725856 is outside/],
    ['a body that is not JSON', frameOf('{not json'), /frame of 9 bytes is not JSON/],
    ['JSON that is not an object', frameOf('[1,2]'), /message is not a JSON object/],
    ['an unknown type', frameOf('{"type":"shutdown"}'), /unknown message type "shutdown"/],
    ['no type', frameOf('{"at":1}'), /unknown message type undefined/],
    ['a missing field', frameOf('{"type":"ping","id":1}'), /ping: field "t0" must be a number/],
    ['a field of the wrong kind', frameOf('{"type":"hello","protocol":1,"agentId":0,"version":"x","cores":1}'), /hello: field "agentId" must be a string/],
    ['a non-finite number', frameOf('{"type":"heartbeat","at":null}'), /heartbeat: field "at" must be a number/],
    ['bad thresholds', frameOf(JSON.stringify({ ...stepStart, tailThresholdsMs: ['250'] })), /field "tailThresholdsMs" must be an array of numbers/],
    ['a step result without its recorder', frameOf('{"type":"step-result","step":1,"result":{"agentId":"0","windowMs":1,"partial":false,"health":{}}}'), /step-result\.result: field "rec" must be an object/],
  ])('rejects %s, and stays failed', (_what, chunk, msg) => {
    const dec = new FrameDecoder(1024);
    expect(() => dec.push(chunk)).toThrow(msg);
    expect(() => dec.push(encodeFrame({ type: 'heartbeat', at: 1 }))).toThrow(msg); // no resync after a bad frame
  });

  it('refuses to encode a message over the limit', () => {
    expect(() => encodeFrame({ type: 'stop', reason: 'x'.repeat(2000) }, 1024)).toThrow(/stop message of 2027 bytes exceeds the 1024-byte frame limit/);
  });

  it('parseMessage accepts what encodeFrame wrote', () => {
    for (const m of messages) expect(parseMessage(JSON.parse(JSON.stringify(m)))).toEqual(m);
  });
});

describe('over a stream', () => {
  it('writeMessage → a Duplex → readMessages', async () => {
    const pipe = new PassThrough();
    for (const m of messages) writeMessage(pipe, m);
    pipe.end();
    const got: Message[] = [];
    for await (const m of readMessages(pipe)) got.push(m);
    expect(got).toEqual(messages);
  });

  it('a stream cut in the middle of a frame is an error, after the whole frames before it', async () => {
    const cut = bytes.subarray(0, bytes.length - 3);
    const got: Message[] = [];
    await expect(
      (async () => {
        for await (const m of readMessages(Readable.from([cut.subarray(0, 50), cut.subarray(50)]))) got.push(m);
      })(),
    ).rejects.toThrow(/connection closed in the middle of a frame \(\d+ bytes pending\)/);
    expect(got).toEqual(messages.slice(0, -1));
  });
});
