// The lean client's HTTP/1.1 response parser: framing of valid responses, rejection of invalid ones, split/reused-buffer invariance, and how its errors classify.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/traffic/generator/classify.js';
import { FAILED, HttpParseError, MAX_HEAD_BYTES, NEED_MORE, ResponseParser } from '../../src/traffic/generator/http1-response-parser.js';
import { everySplit, frameConnection, type Framing } from '../helpers/frame-connection.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Feeds `raw` in one execute on a fresh parser. */
function whole(raw: string | Buffer, isHead = false): { p: ResponseParser; r: number } {
  const p = new ResponseParser();
  p.begin(isHead);
  const buf = typeof raw === 'string' ? bytes(raw) : raw;
  return { p, r: p.execute(buf, 0, buf.length) };
}

/** Feeds `raw` in pieces of `size` bytes (fresh Buffers); returns the first non-NEED_MORE result as an absolute offset. */
function inPieces(raw: string | Buffer, size: number, isHead = false): { p: ResponseParser; r: number } {
  const p = new ResponseParser();
  p.begin(isHead);
  const buf = typeof raw === 'string' ? bytes(raw) : raw;
  for (let at = 0; at < buf.length; at += size) {
    const piece = Buffer.from(buf.subarray(at, Math.min(at + size, buf.length)));
    const r = p.execute(piece, 0, piece.length);
    if (r === FAILED) return { p, r };
    if (r >= 0) return { p, r: at + r };
  }
  return { p, r: NEED_MORE };
}

// Something after the response on the wire: the parser must stop before it and report where.
const NEXT = 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n';

describe('ResponseParser: valid responses', () => {
  type Case = [name: string, raw: string, isHead: boolean, status: number, bodyBytes: number];
  const cases: Case[] = [
    ['content-length body', 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello', false, 200, 5],
    ['content-length 0', 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n', false, 200, 0],
    ['no reason phrase', 'HTTP/1.1 404\r\ncontent-length: 2\r\n\r\nno', false, 404, 2],
    ['empty reason phrase', 'HTTP/1.1 500 \r\ncontent-length: 1\r\n\r\nx', false, 500, 1],
    ['reason phrase with a tab and obs-text', 'HTTP/1.1 200 O\tK \xe9\r\ncontent-length: 1\r\n\r\nx', false, 200, 1],
    // llhttp takes any byte but CR and LF in a reason phrase.
    ['control character in the reason', 'HTTP/1.1 200 O\x01K\0\r\ncontent-length: 1\r\n\r\nx', false, 200, 1],
    ['HTTP/2.0 status line (framed as HTTP/1.0, as llhttp does)', 'HTTP/2.0 200 OK\r\ncontent-length: 1\r\n\r\nx', false, 200, 1],
    ['HTTP/1.0 content-length', 'HTTP/1.0 200 OK\r\ncontent-length: 3\r\n\r\nabc', false, 200, 3],
    ['body containing CRLFCRLF and a status line', 'HTTP/1.1 200 OK\r\ncontent-length: 22\r\n\r\n\r\n\r\nHTTP/1.1 500 X\r\n\r\n', false, 200, 22],
    ['HEAD: content-length but no body', 'HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n', true, 200, 0],
    ['HEAD: chunked but no body', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n', true, 200, 0],
    ['HEAD: no length at all is not until-close', 'HTTP/1.1 200 OK\r\n\r\n', true, 200, 0],
    ['204 without body', 'HTTP/1.1 204 No Content\r\n\r\n', false, 204, 0],
    ['304 without body', 'HTTP/1.1 304 Not Modified\r\netag: "x"\r\n\r\n', false, 304, 0],
    // A 304 may carry the length of the representation it stands for; no body follows.
    ['304 with content-length', 'HTTP/1.1 304 Not Modified\r\ncontent-length: 50\r\n\r\n', false, 304, 0],
    ['chunked, several chunks', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n', false, 200, 11],
    ['chunked, empty body', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n', false, 200, 0],
    ['chunked, extensions', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n3;x;y="q"\r\nabc\r\n0;last\r\n\r\n', false, 200, 8],
    ['chunked, trailers', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nx-checksum: 1\r\nx-other: two\r\n\r\n', false, 200, 2],
    ['chunked, upper-case hex', `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1F\r\n${'x'.repeat(31)}\r\nA\r\n${'y'.repeat(10)}\r\n0\r\n\r\n`, false, 200, 41],
    ['chunked, lower-case hex', `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1f\r\n${'x'.repeat(31)}\r\nff\r\n${'y'.repeat(255)}\r\n0\r\n\r\n`, false, 200, 286],
    ['chunked, leading zeros in the size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0003\r\nabc\r\n000\r\n\r\n', false, 200, 3],
    ['chunk data containing CRLF and hex', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n7\r\n0\r\n\r\nff\r\n0\r\n\r\n', false, 200, 7],
    ['transfer-encoding: gzip, chunked', 'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', false, 200, 3],
    ['transfer-encoding: gzip,chunked', 'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip,chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', false, 200, 3],
    ['Transfer-Encoding: CHUNKED', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n', false, 200, 3],
    ['header names in upper case', 'HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 4\r\n\r\nabcd', false, 200, 4],
    ['header names in mixed case', 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd', false, 200, 4],
    ['no space after the colon', 'HTTP/1.1 200 OK\r\ncontent-length:4\r\n\r\nabcd', false, 200, 4],
    ['spaces and tabs around the value', 'HTTP/1.1 200 OK\r\ncontent-length: \t 4 \t\r\n\r\nabcd', false, 200, 4],
    ['the same content-length twice', 'HTTP/1.1 200 OK\r\ncontent-length: 4\r\ncontent-length: 4\r\n\r\nabcd', false, 200, 4],
    ['content-length with leading zeros', 'HTTP/1.1 200 OK\r\ncontent-length: 004\r\n\r\nabcd', false, 200, 4],
    ['other headers are ignored', 'HTTP/1.1 201 Created\r\ndate: Mon, 01 Jan 2024 00:00:00 GMT\r\nx-a: 1:2:3\r\nx-empty:\r\ncontent-length: 2\r\n\r\nok', false, 201, 2],
    ['100 Continue before the response', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok', false, 200, 2],
    ['103 Early Hints before the response', 'HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\nnop', false, 404, 3],
    ['100 then 103 then the response', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n', false, 204, 0],
    ['1xx then a HEAD response', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n', true, 200, 0],
    ['599', 'HTTP/1.1 599 Whatever\r\ncontent-length: 0\r\n\r\n', false, 599, 0],
  ];

  it.each(cases)('%s', (_name, raw, isHead, status, bodyBytes) => {
    // Followed by the next response's bytes: `end` must land exactly where they start.
    const { p, r } = whole(raw + NEXT, isHead);
    expect(p.error).toBeNull();
    expect(r).toBe(raw.length);
    expect(p.status).toBe(status);
    expect(p.bodyBytes).toBe(bodyBytes);
    expect(p.untilClose).toBe(false);
  });

  it.each(cases)('%s, fed one byte at a time', (_name, raw, isHead, status, bodyBytes) => {
    const { p, r } = inPieces(raw + NEXT, 1, isHead);
    expect(p.error).toBeNull();
    expect(r).toBe(raw.length);
    expect(p.status).toBe(status);
    expect(p.bodyBytes).toBe(bodyBytes);
  });

  it('returns NEED_MORE while a content-length body is incomplete, then the end', () => {
    const p = new ResponseParser();
    p.begin(false);
    expect(p.execute(bytes('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n0123'))).toBe(NEED_MORE);
    expect(p.bodyBytes).toBe(4);
    expect(p.execute(bytes('456'))).toBe(NEED_MORE);
    expect(p.bodyBytes).toBe(7);
    // The last three body bytes, then the next response: the end is offset 3 of this chunk.
    expect(p.execute(bytes('789HTTP/1.1'))).toBe(3);
    expect(p.bodyBytes).toBe(10);
  });

  it('honours `from` and `end` within the chunk', () => {
    const p = new ResponseParser();
    p.begin(false);
    const buf = bytes('garbageHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokgarbage');
    expect(p.execute(buf, 7, buf.length - 7)).toBe(buf.length - 7);
    expect(p.status).toBe(200);
    expect(p.bodyBytes).toBe(2);
  });

  describe('body until the connection closes', () => {
    it.each([
      ['no content-length, not chunked', 'HTTP/1.1 200 OK\r\n\r\n'],
      ['transfer-encoding without chunked', 'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n'],
      ['chunked not the last coding', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, gzip\r\n\r\n'],
      ['a word ending in chunked is not chunked', 'HTTP/1.1 200 OK\r\ntransfer-encoding: xchunked\r\n\r\n'],
      ['chunked, then another transfer-encoding header', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntransfer-encoding: gzip\r\n\r\n'],
      ['HTTP/1.0 without length', 'HTTP/1.0 200 OK\r\n\r\n'],
      ['keep-alive asked for, but no length', 'HTTP/1.1 200 OK\r\nconnection: keep-alive\r\n\r\n'],
    ])('%s', (_name, head) => {
      const p = new ResponseParser();
      p.begin(false);
      // Bytes that look like chunk framing and a next response are all body here.
      expect(p.execute(bytes(`${head}0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n`))).toBe(NEED_MORE);
      expect(p.untilClose).toBe(true);
      expect(p.keepAlive).toBe(false);
      expect(p.execute(bytes('more body'))).toBe(NEED_MORE);
      expect(p.bodyBytes).toBe(5 + 19 + 9);
      expect(p.eof()).toBe(true);
      expect(p.untilClose).toBe(false);
      expect(p.error).toBeNull();
      expect(p.status).toBe(200);
      expect(p.eof()).toBe(false); // a second close completes nothing
    });

    it('a head split from its until-close body', () => {
      const p = new ResponseParser();
      p.begin(false);
      expect(p.execute(bytes('HTTP/1.1 200 OK\r\n'))).toBe(NEED_MORE);
      expect(p.untilClose).toBe(false);
      expect(p.execute(bytes('\r\n'))).toBe(NEED_MORE);
      expect(p.untilClose).toBe(true);
      expect(p.bodyBytes).toBe(0);
      expect(p.eof()).toBe(true);
    });
  });

  describe('eof() before the response is complete is a cut-short response', () => {
    it.each([
      ['content-length body cut short', 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'],
      ['chunked body cut short in a chunk', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab'],
      ['chunked body cut short before the last chunk', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nabcde\r\n'],
      ['chunked body cut short in the trailers', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx: 1\r\n'],
      ['head cut short', 'HTTP/1.1 200 OK\r\ncontent-le'],
      ['nothing received', ''],
      ['only a 100 Continue received', 'HTTP/1.1 100 Continue\r\n\r\n'],
    ])('%s', (_name, raw) => {
      const p = new ResponseParser();
      p.begin(false);
      if (raw !== '') expect(p.execute(bytes(raw))).toBe(NEED_MORE);
      expect(p.eof()).toBe(false);
    });
  });

  describe('keepAlive', () => {
    it.each([
      ['HTTP/1.1 by default', 'HTTP/1.1', '', true],
      ['HTTP/1.1 connection: close', 'HTTP/1.1', 'connection: close\r\n', false],
      ['HTTP/1.1 Connection: Close', 'HTTP/1.1', 'Connection: Close\r\n', false],
      ['HTTP/1.1 connection: keep-alive, close', 'HTTP/1.1', 'connection: keep-alive, close\r\n', false],
      ['HTTP/1.1 connection: upgrade', 'HTTP/1.1', 'connection: upgrade\r\n', true],
      ['HTTP/1.0 by default', 'HTTP/1.0', '', false],
      ['HTTP/1.0 connection: keep-alive', 'HTTP/1.0', 'connection: keep-alive\r\n', true],
      ['HTTP/1.0 Connection: Keep-Alive', 'HTTP/1.0', 'Connection: Keep-Alive\r\n', true],
      ['HTTP/1.0 connection: close', 'HTTP/1.0', 'connection: close\r\n', false],
    ])('%s → %s', (_name, version, header, keepAlive) => {
      const raw = `${version} 200 OK\r\n${header}content-length: 2\r\n\r\nok`;
      const { p, r } = whole(raw);
      expect(r).toBe(raw.length);
      expect(p.keepAlive).toBe(keepAlive);
    });
  });

  describe('keepAliveHintMs', () => {
    it.each([
      ['keep-alive: timeout=5', 5000],
      ['Keep-Alive: timeout=5, max=1000', 5000],
      ['keep-alive: max=100, timeout=30', 30000],
      ['KEEP-ALIVE: TIMEOUT=2', 2000],
      ['keep-alive: timeout=0', 0],
      ['keep-alive: timeout=abc', 0],
      ['keep-alive: max=5', 0],
      ['x-other: 1', 0],
    ])('%s → %d ms', (header, ms) => {
      const raw = `HTTP/1.1 200 OK\r\n${header}\r\ncontent-length: 0\r\n\r\n`;
      const { p, r } = whole(raw);
      expect(r).toBe(raw.length);
      expect(p.keepAliveHintMs).toBe(ms);
    });
  });

  describe('responses back to back in one buffer', () => {
    it('the first ends where the second starts; begin() + execute from there parses the second', () => {
      const first = 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello';
      const second = 'HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
      const third = 'HTTP/1.1 204 No Content\r\n\r\n';
      const buf = bytes(first + second + third);
      const p = new ResponseParser();
      p.begin(false);
      const e1 = p.execute(buf, 0, buf.length);
      expect(e1).toBe(first.length);
      expect([p.status, p.bodyBytes, p.keepAlive]).toEqual([200, 5, true]);
      p.begin(false);
      const e2 = p.execute(buf, e1, buf.length);
      expect(e2).toBe(first.length + second.length);
      expect([p.status, p.bodyBytes, p.keepAlive]).toEqual([404, 3, false]);
      p.begin(false);
      expect(p.execute(buf, e2, buf.length)).toBe(buf.length);
      expect([p.status, p.bodyBytes, p.keepAlive]).toEqual([204, 0, true]);
    });

    it('a HEAD response followed by the next response', () => {
      const first = 'HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n';
      const second = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
      const buf = bytes(first + second);
      const p = new ResponseParser();
      p.begin(true);
      const e1 = p.execute(buf, 0, buf.length);
      expect(e1).toBe(first.length);
      p.begin(false);
      expect(p.execute(buf, e1, buf.length)).toBe(buf.length);
      expect(p.bodyBytes).toBe(2);
    });

    it('begin() clears the previous response (status, body count, keepAlive, error)', () => {
      const p = new ResponseParser();
      p.begin(false);
      expect(p.execute(bytes('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 3\r\n\r\nabc'))).toBeGreaterThan(0);
      expect(p.keepAlive).toBe(false);
      p.begin(false);
      expect([p.status, p.bodyBytes, p.keepAlive, p.error]).toEqual([0, 0, true, null]);
      expect(p.execute(bytes('HTTP/1.1 banana\r\n\r\n'))).toBe(FAILED);
      p.begin(false);
      expect(p.error).toBeNull();
      expect(p.execute(bytes('HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n'))).toBeGreaterThan(0);
      expect(p.status).toBe(201);
    });

    it('begin() drops a partial head left by an abandoned response', () => {
      const p = new ResponseParser();
      p.begin(false);
      expect(p.execute(bytes('HTTP/1.1 200 OK\r\ncontent-le'))).toBe(NEED_MORE);
      p.begin(false);
      const raw = 'HTTP/1.1 202 Accepted\r\ncontent-length: 1\r\n\r\nx';
      expect(p.execute(bytes(raw))).toBe(raw.length);
      expect(p.status).toBe(202);
    });
  });
});

describe('ResponseParser: invalid responses fail', () => {
  const chunked = (body: string): string => `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${body}`;
  it.each([
    ['garbage status line', 'HTTP/1.1 banana\r\n\r\n'],
    ['not HTTP at all', 'SSH-2.0-OpenSSH_9.6\r\n\r\n'],
    ['lower-case protocol', 'http/1.1 200 OK\r\n\r\n'],
    ['HTTP/3.0', 'HTTP/3.0 200 OK\r\n\r\n'],
    ['HTTP/0.8', 'HTTP/0.8 200 OK\r\n\r\n'],
    ['RTSP status line', 'RTSP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n'],
    ['HTTP/1.2', 'HTTP/1.2 200 OK\r\n\r\n'],
    ['HTTP/1.1 without status', 'HTTP/1.1\r\n\r\n'],
    ['status 099', 'HTTP/1.1 099 Weird\r\n\r\n'],
    ['status 1000', 'HTTP/1.1 1000 Weird\r\n\r\n'],
    ['two-digit status', 'HTTP/1.1 20 OK\r\n\r\n'],
    ['status with a letter', 'HTTP/1.1 2x0 OK\r\n\r\n'],
    ['two spaces before the status', 'HTTP/1.1  200 OK\r\n\r\n'],
    ['status glued to the reason', 'HTTP/1.1 200OK\r\n\r\n'],
    ['bare CR in the reason', 'HTTP/1.1 200 O\rK\r\ncontent-length: 0\r\n\r\n'],
    ['bare LF ending the status line', 'HTTP/1.1 200 OK\ncontent-length: 0\r\n\r\n'],
    ['header line without colon', 'HTTP/1.1 200 OK\r\nfoo\r\ncontent-length: 0\r\n\r\n'],
    ['space before the colon', 'HTTP/1.1 200 OK\r\ncontent-length : 0\r\n\r\n'],
    ['tab before the colon', 'HTTP/1.1 200 OK\r\nx-a\t: 1\r\ncontent-length: 0\r\n\r\n'],
    ['empty header name', 'HTTP/1.1 200 OK\r\n: x\r\ncontent-length: 0\r\n\r\n'],
    ['non-token character in a name', 'HTTP/1.1 200 OK\r\nx(a): 1\r\ncontent-length: 0\r\n\r\n'],
    ['obsolete line folding', 'HTTP/1.1 200 OK\r\nx-a: 1\r\n  folded\r\ncontent-length: 0\r\n\r\n'],
    ['NUL in a value', 'HTTP/1.1 200 OK\r\nx-a: a\0b\r\ncontent-length: 0\r\n\r\n'],
    ['DEL in a value', 'HTTP/1.1 200 OK\r\nx-a: a\x7fb\r\ncontent-length: 0\r\n\r\n'],
    ['bare CR in a value', 'HTTP/1.1 200 OK\r\nx-a: a\rb\r\ncontent-length: 0\r\n\r\n'],
    ['bare LF between headers', 'HTTP/1.1 200 OK\r\nx-a: a\nx-b: b\r\ncontent-length: 0\r\n\r\n'],
    ['content-length not numeric', 'HTTP/1.1 200 OK\r\ncontent-length: abc\r\n\r\n'],
    ['content-length empty', 'HTTP/1.1 200 OK\r\ncontent-length: \r\n\r\n'],
    ['content-length negative', 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n'],
    ['content-length with a sign', 'HTTP/1.1 200 OK\r\ncontent-length: +5\r\n\r\nhello'],
    ['content-length with a fraction', 'HTTP/1.1 200 OK\r\ncontent-length: 5.0\r\n\r\nhello'],
    ['content-length hexadecimal', 'HTTP/1.1 200 OK\r\ncontent-length: 0x5\r\n\r\nhello'],
    ['content-length with an inner space', 'HTTP/1.1 200 OK\r\ncontent-length: 1 2\r\n\r\n'],
    ['content-length of 16 digits', 'HTTP/1.1 200 OK\r\ncontent-length: 1000000000000000\r\n\r\n'],
    ['two different content-lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!'],
    ['a content-length list', 'HTTP/1.1 200 OK\r\ncontent-length: 5, 6\r\n\r\nhello!'],
    ['transfer-encoding and content-length', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
    ['content-length and transfer-encoding', 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
    // A HEAD response has no body, but CL+TE still says someone is smuggling: reject regardless.
    ['transfer-encoding and content-length on a 204', 'HTTP/1.1 204 No Content\r\ntransfer-encoding: gzip\r\ncontent-length: 0\r\n\r\n'],
    ['bad chunk size', chunked('zz\r\n')],
    ['empty chunk size', chunked('\r\n')],
    ['chunk size with a sign', chunked('+5\r\nhello\r\n0\r\n\r\n')],
    // llhttp's strict mode allows no whitespace after a chunk size, not even before a ';'.
    ['chunked, whitespace before the extension', chunked('3 ;a=b\r\nabc\r\n0\r\n\r\n')],
    ['chunk size ended by a bare LF', chunked('5\nhello\r\n0\r\n\r\n')],
    ['chunk size CR not followed by LF', chunked('5\rXhello\r\n0\r\n\r\n')],
    ['chunk size of 13 hex digits', chunked('1000000000000\r\n')],
    ['chunk data longer than its size', chunked('5\r\nhelloX\r\n0\r\n\r\n')],
    ['no CRLF after chunk data', chunked('5\r\nhello0\r\n\r\n')],
    ['CR without LF after chunk data', chunked('5\r\nhello\rX0\r\n\r\n')],
    ['last chunk: CR without LF to end the trailers', chunked('0\r\n\rX')],
    ['101 Switching Protocols', 'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n'],
    ['101 after a 100 Continue', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n\r\n'],
    ['garbage after a 100 Continue', 'HTTP/1.1 100 Continue\r\n\r\nhello\r\n\r\n'],
  ])('%s', (_name, raw) => {
    for (const { p, r } of [whole(raw), inPieces(raw, 1), inPieces(raw, 7)]) {
      expect(r).toBe(FAILED);
      expect(p.error).toBeInstanceOf(HttpParseError);
      expect(p.error?.code).toBe('LOADTEST_HTTP_PARSE');
    }
  });

  it('a failed parser stays failed: eof() is not a completed response', () => {
    const { p, r } = whole('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n');
    expect(r).toBe(FAILED);
    expect(p.eof()).toBe(false);
  });

  describe('head larger than MAX_HEAD_BYTES', () => {
    /** A head of exactly `total` bytes (status line, one padding header, the blank line), content-length 0. */
    const headOf = (total: number): string => {
      const fixed = 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\nx-pad: \r\n\r\n';
      return `HTTP/1.1 200 OK\r\ncontent-length: 0\r\nx-pad: ${'a'.repeat(total - fixed.length)}\r\n\r\n`;
    };

    it('the helper builds heads of the size asked for', () => {
      expect(headOf(MAX_HEAD_BYTES).length).toBe(MAX_HEAD_BYTES);
    });

    it.each([
      ['in one piece', 0],
      ['in 1000-byte pieces', 1000],
      ['in 4096-byte pieces', 4096],
      ['in 1-byte pieces', 1],
    ])('one byte too many fails %s with LOADTEST_HEADERS_OVERFLOW', (_name, size) => {
      const raw = headOf(MAX_HEAD_BYTES + 1);
      const { p, r } = size === 0 ? whole(raw) : inPieces(raw, size);
      expect(r).toBe(FAILED);
      expect(p.error).toBeInstanceOf(HttpParseError);
      expect(p.error?.code).toBe('LOADTEST_HEADERS_OVERFLOW');
      expect(classifyError(p.error)).toBe('protocol');
    });

    it.each([
      ['in one piece', 0],
      ['in 1000-byte pieces', 1000],
      ['in 1-byte pieces', 1],
    ])('exactly MAX_HEAD_BYTES is accepted %s', (_name, size) => {
      const raw = headOf(MAX_HEAD_BYTES);
      const { p, r } = size === 0 ? whole(raw + NEXT) : inPieces(raw + NEXT, size);
      expect(p.error).toBeNull();
      expect(r).toBe(MAX_HEAD_BYTES);
    });

    it('a much larger head fails in one piece even when a body follows', () => {
      const raw = `HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-pad: ${'a'.repeat(3 * MAX_HEAD_BYTES)}\r\n\r\nok`;
      const { p, r } = whole(raw);
      expect(r).toBe(FAILED);
      expect(p.error?.code).toBe('LOADTEST_HEADERS_OVERFLOW');
    });

    it('a head that never ends fails once it passes the limit, without waiting for its end', () => {
      const p = new ResponseParser();
      p.begin(false);
      expect(p.execute(bytes('HTTP/1.1 200 OK\r\n'))).toBe(NEED_MORE);
      let fed = 17;
      let r = NEED_MORE;
      const piece = bytes(`x-pad: ${'a'.repeat(1000)}\r\n`);
      while (r === NEED_MORE && fed < 4 * MAX_HEAD_BYTES) {
        r = p.execute(piece);
        fed += piece.length;
      }
      expect(r).toBe(FAILED);
      expect(p.error?.code).toBe('LOADTEST_HEADERS_OVERFLOW');
      expect(fed).toBeGreaterThan(MAX_HEAD_BYTES);
      expect(fed).toBeLessThanOrEqual(MAX_HEAD_BYTES + piece.length);
    });

    it('each interim 1xx head has its own limit', () => {
      // Two heads, each under the limit, together over it: both are fine.
      const interim = `HTTP/1.1 103 Early Hints\r\nlink: ${'a'.repeat(MAX_HEAD_BYTES - 100)}\r\n\r\n`;
      const final = headOf(MAX_HEAD_BYTES - 100);
      const { p, r } = whole(interim + final);
      expect(p.error).toBeNull();
      expect(r).toBe(interim.length + final.length);
    });
  });
});

describe('ResponseParser: frames every response as llhttp does (issue #11)', () => {
  // Each row: one connection's bytes and what a client must make of them — every response's status,
  // body bytes, end offset and keep-alive, then an error or an unfinished response. Fed whole, byte
  // by byte and split in two at every offset (frameConnection begins again after each response, as
  // the pool does).
  const ok = (status: number, body: number, end: number, keepAlive = true): Framing => ({ status, body, end, keepAlive });
  const ERR: Framing = { error: true };
  const pending = (status: number, body: number, until: 'close' | 'more'): Framing => ({ status, body, pending: until });
  const CH = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n';
  const OK2 = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
  const N = NEXT.length;
  /** `raw`, then the next response: both framed, the connection kept. */
  const kept = (raw: string, status: number, body: number): [string, Framing[]] => [raw + NEXT, [ok(status, body, raw.length), ok(200, 0, raw.length + N)]];
  /** `raw`, then the next response's bytes, which nobody reads: `raw` closes the connection. */
  const closes = (raw: string, status: number, body: number): [string, Framing[]] => [raw + NEXT, [ok(status, body, raw.length, false)]];

  type Row = [name: string, input: string, framing: Framing[]];
  const gzipTab = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,\tchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
  const closeThenKa = 'HTTP/1.1 200 OK\r\nConnection: close\r\nConnection: keep-alive\r\ncontent-length: 2\r\n\r\nok';
  const nm304 = 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n';
  const cont = 'HTTP/1.1 100 Continue\r\n\r\n';
  const proxyClose = 'HTTP/1.1 200 OK\r\nProxy-Connection: close\r\ncontent-length: 2\r\n\r\nok';
  const rows: Row[] = [
    // Misframing: the next response would be read wrong.
    ['transfer-encoding: gzip,<tab>chunked is chunked', gzipTab + NEXT, [ok(200, 3, 66), ok(200, 0, 66 + N)]],
    // Without the fix, `0\r\n` was taken for chunk data and the parser waited.
    ['a bare LF inside a chunk extension', `${CH}3;x\nabc\r\n0\r\n\r\n`, [ERR]],
    ['a bare LF as the last, empty trailer line', `${CH}0\r\n\n${NEXT}`, [ERR]],
    ['a bare LF ending a trailer field', `${CH}0\r\nx-t: 1\n\r\n${NEXT}`, [ERR]],
    ['connection: close, then a separate connection: keep-alive (any close wins)', closeThenKa + NEXT, [ok(200, 2, closeThenKa.length, false)]],
    // Spurious protocol errors: llhttp skips empty lines before a status line.
    ['a stray CRLF after a 304 with a content-length', `${nm304}\r\n${OK2}`, [ok(304, 0, nm304.length), ok(200, 2, nm304.length + 2 + OK2.length)]],
    ['stray CRLFs after a complete response', `${OK2}\r\n\r\n${NEXT}`, [ok(200, 2, OK2.length), ok(200, 0, OK2.length + 4 + N)]],
    ['a stray CRLF at the very start', `\r\n${OK2}`, [ok(200, 2, 2 + OK2.length)]],
    ['bare CRs and LFs before a status line', `\n\r\r\n${OK2}`, [ok(200, 2, 4 + OK2.length)]],
    ['a stray CRLF after a 100 Continue', `${cont}\r\n${OK2}`, [ok(200, 2, cont.length + 2 + OK2.length)]],
    ['only empty lines: nothing is pending', '\r\n\r\n', []],
    // Versions llhttp accepts, framed as HTTP/1.0 (keep-alive only when asked for).
    ['HTTP/0.9 status line with a length', `HTTP/0.9 200 OK\r\ncontent-length: 2\r\n\r\nok${NEXT}`, [ok(200, 2, 40, false)]],
    ['HTTP/0.9 status line without a length: until close', 'HTTP/0.9 200 OK\r\n\r\nbody', [pending(200, 4, 'close')]],
    ['HTTP/2.0 status line with connection: keep-alive', `HTTP/2.0 200 OK\r\nConnection: keep-alive\r\ncontent-length: 2\r\n\r\nok${NEXT}`, [ok(200, 2, 64), ok(200, 0, 64 + N)]],
    // Keep-alive.
    ['proxy-connection: close', proxyClose + NEXT, [ok(200, 2, proxyClose.length, false)]],
    ['Proxy-Connection: Keep-Alive on HTTP/1.0', ...kept('HTTP/1.0 200 OK\r\nProxy-Connection: Keep-Alive\r\ncontent-length: 0\r\n\r\n', 200, 0)],
    ['connection: closed is not close', ...kept('HTTP/1.1 200 OK\r\nConnection: closed\r\ncontent-length: 0\r\n\r\n', 200, 0)],
    ['connection: x-close is not close', ...kept('HTTP/1.1 200 OK\r\nConnection: x-close\r\ncontent-length: 0\r\n\r\n', 200, 0)],
    ['connection: close in a list, tabs around', ...closes('HTTP/1.1 200 OK\r\nConnection: upgrade,\tclose\t\r\ncontent-length: 0\r\n\r\n', 200, 0)],
    ['connection: close in the trailers', `${CH}0\r\nConnection: close\r\n\r\n${NEXT}`, [ok(200, 0, CH.length + 24, false)]],
    // Refused as soon as a line is complete, not when the head's end arrives (it may never).
    ['an LF-only server', 'HTTP/1.1 200 OK\ncontent-length: 0\n\n', [ERR]],
    ['a header line ending in a bare LF', 'HTTP/1.1 200 OK\r\ncontent-length: 0\n\n', [ERR]],
    ['a header line starting with a space', 'HTTP/1.1 200 OK\r\nx-a: 1\r\n x-b: 2', [ERR]],
    ['a header line starting with a tab', 'HTTP/1.1 200 OK\r\n\tx-b: 2', [ERR]],
    ['a bare CR ending the headers', 'HTTP/1.1 200 OK\r\nx-a: 1\r\n\rx', [ERR]],
    ['a peer that does not speak HTTP', 'SSH-2.0-OpenSSH_9.6', [ERR]],
    ['a control character in a header value, line not complete', 'HTTP/1.1 200 OK\r\nx-a: a\x01', [ERR]],
    // Lengths with leading zeros.
    ['a chunk size with 15 leading zeros', ...kept(`${CH}0000000000000003\r\nabc\r\n00000000000000000\r\n\r\n`, 200, 3)],
    ['a content-length with 20 leading zeros', ...kept(`HTTP/1.1 200 OK\r\ncontent-length: ${'0'.repeat(20)}2\r\n\r\nok`, 200, 2)],
    ['a chunk size of 13 significant hex digits', `${CH}1000000000000\r\n`, [ERR]],
    // Chunk extensions, as llhttp's strict grammar has them.
    ['a quoted chunk extension holding ; and an escaped quote', ...kept(`${CH}3;a="x;\\"y";b\r\nabc\r\n0\r\n\r\n`, 200, 3)],
    ['an empty chunk extension name before =', ...kept(`${CH}3;=v\r\nabc\r\n0\r\n\r\n`, 200, 3)],
    ['whitespace after the chunk size', `${CH}3 \r\nabc\r\n0\r\n\r\n`, [ERR]],
    ['a ; with no extension', `${CH}3;\r\nabc\r\n0\r\n\r\n`, [ERR]],
    ['a space after the ;', `${CH}3; a\r\nabc\r\n0\r\n\r\n`, [ERR]],
    ['a CR inside a quoted chunk extension', `${CH}3;a="x\r\nabc\r\n0\r\n\r\n`, [ERR]],
    ['a bare LF ending the chunk size', `${CH}3\nabc\r\n0\r\n\r\n`, [ERR]],
    // Transfer-encoding and content-length together, in the order llhttp judges them.
    ['an empty transfer-encoding, then a content-length: no coding', ...kept('HTTP/1.1 200 OK\r\ntransfer-encoding:\r\ncontent-length: 2\r\n\r\nok', 200, 2)],
    ['a content-length, then an empty transfer-encoding', `HTTP/1.1 200 OK\r\ncontent-length: 2\r\ntransfer-encoding:\r\n\r\nok`, [ERR]],
    ['a content-length in the trailers', `${CH}0\r\ncontent-length: 5\r\n\r\n`, [ERR]],
    ['transfer-encoding: gzip chunked (no comma) is not chunked', `HTTP/1.1 200 OK\r\ntransfer-encoding: gzip chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, [pending(200, 13, 'close')]],
    ['a trailer section with two fields', ...kept(`${CH}1\r\nx\r\n0\r\nx-a: 1\r\nx-b: 2\r\n\r\n`, 200, 1)],
    // Chosen differences from llhttp (README, "Our own HTTP/1.1 client").
    ['transfer-encoding: chunked<tab> is chunked (llhttp: until close)', `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\t\r\n\r\n0\r\n\r\n${NEXT}`, [ok(200, 0, 53), ok(200, 0, 53 + N)]],
    ['HTTP/1.0 connection: keep-alive, close: close wins (llhttp: keep-alive)', ...closes('HTTP/1.0 200 OK\r\nconnection: keep-alive, close\r\ncontent-length: 0\r\n\r\n', 200, 0)],
    ['the same content-length twice is one length (llhttp: an error)', `HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 2\r\n\r\nok${NEXT}`, [ok(200, 2, 59), ok(200, 0, 59 + N)]],
  ];

  it.each(rows)('%s', (_name, input, framing) => {
    const buf = bytes(input);
    for (const cuts of everySplit(buf)) expect(frameConnection(buf, cuts), `cut at ${JSON.stringify(cuts)}`).toEqual(framing);
  });
});

describe('ResponseParser: a reused read buffer', () => {
  // The net client reads into one Buffer per connection: bytes past `end` are left over from an
  // earlier read and must never be taken for part of this response.
  it('a CRLFCRLF past `end` does not end the head', () => {
    const buf = bytes('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello');
    const headEnd = buf.indexOf('\r\n\r\n');
    const p = new ResponseParser();
    p.begin(false);
    expect(p.execute(buf, 0, headEnd)).toBe(NEED_MORE);
    expect(p.status).toBe(0);
    // The rest arrives, read into the same buffer at offset 0.
    const rest = bytes('\r\n\r\nhello');
    rest.copy(buf, 0);
    expect(p.execute(buf, 0, rest.length)).toBe(rest.length);
    expect([p.status, p.bodyBytes]).toEqual([200, 5]);
  });

  it('half a CRLFCRLF inside `end`, the rest in stale bytes', () => {
    const buf = bytes('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    const p = new ResponseParser();
    p.begin(false);
    expect(p.execute(buf, 0, buf.length - 1)).toBe(NEED_MORE);
    buf[0] = 0x0a;
    expect(p.execute(buf, 0, 1)).toBe(1);
    expect(p.status).toBe(200);
  });

  it('a CR past `end` does not end a chunk extension', () => {
    const buf = bytes('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\n\r\n');
    const extCr = buf.indexOf('3;ext=1\r\n') + 7;
    const p = new ResponseParser();
    p.begin(false);
    expect(p.execute(buf, 0, extCr - 2)).toBe(NEED_MORE);
    // Now the parser is inside the extension; only the stale buffer holds the CR.
    const rest = Buffer.from(buf.subarray(extCr - 2));
    const stale = Buffer.alloc(buf.length, 0x0d);
    rest.copy(stale, 0, 0, 1);
    expect(p.execute(stale, 0, 1)).toBe(NEED_MORE);
    // The rest after the '=' just fed, all but its last LF.
    rest.copy(stale, 0, 1);
    expect(p.execute(stale, 0, rest.length - 2)).toBe(NEED_MORE);
    expect(p.bodyBytes).toBe(3);
    stale[0] = 0x0a;
    expect(p.execute(stale, 0, 1)).toBe(1);
  });

  it('an LF past `end` does not end a trailer line', () => {
    const p = new ResponseParser();
    p.begin(false);
    const buf = Buffer.alloc(256, 0x0a);
    const head = bytes('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx-t: 1');
    head.copy(buf, 0);
    expect(p.execute(buf, 0, head.length)).toBe(NEED_MORE);
    bytes('\r\n\r\n').copy(buf, 0);
    expect(p.execute(buf, 0, 4)).toBe(4);
    expect(p.error).toBeNull();
  });
});

// ---- Property: the parse does not depend on how the bytes are cut, nor on stale buffer bytes.

interface Gen {
  version: '1.0' | '1.1';
  status: number;
  conn: '' | 'close' | 'keep-alive';
  hintSecs: number;
  extra: Array<[string, string]>;
  interim: 0 | 100 | 103;
  bodyLen: number;
  pattern: string;
  chunked: false | { cuts: number[]; upper: boolean; ext: boolean; trailers: boolean };
}

const genResponse: fc.Arbitrary<Gen> = fc.record({
  version: fc.constantFrom('1.0' as const, '1.1' as const),
  status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
  conn: fc.constantFrom('' as const, 'close' as const, 'keep-alive' as const),
  hintSecs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 120 })),
  extra: fc.array(
    fc.tuple(fc.stringMatching(/^x-[a-zA-Z0-9-]{1,12}$/), fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,40}[\x21-\x7e])?$/)),
    { maxLength: 5 },
  ),
  interim: fc.constantFrom(0 as const, 0 as const, 100 as const, 103 as const),
  bodyLen: fc.integer({ min: 0, max: 3000 }),
  // Body bytes that look like framing (CRLFCRLF, hex digits, a status line) to catch a parser reading into the body.
  pattern: fc.constantFrom('\r\n\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n', 'abcdef0123456789', '\r\n', '\0\xff'),
  chunked: fc.oneof(
    fc.constant(false as const),
    fc.record({
      cuts: fc.uniqueArray(fc.integer({ min: 1, max: 2999 }), { maxLength: 10 }),
      upper: fc.boolean(),
      ext: fc.boolean(),
      trailers: fc.boolean(),
    }),
  ),
});

function build(g: Gen): string {
  let s = '';
  if (g.interim === 100) s += 'HTTP/1.1 100 Continue\r\n\r\n';
  if (g.interim === 103) s += 'HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n';
  s += `HTTP/${g.version} ${g.status} Reason Phrase\r\n`;
  for (const [k, v] of g.extra) s += `${k}: ${v}\r\n`;
  if (g.conn !== '') s += `connection: ${g.conn}\r\n`;
  if (g.hintSecs > 0) s += `keep-alive: timeout=${g.hintSecs}, max=100\r\n`;
  const body = g.pattern.repeat(Math.ceil(g.bodyLen / g.pattern.length) + 1).slice(0, g.bodyLen);
  if (g.chunked === false) return `${s}content-length: ${g.bodyLen}\r\n\r\n${body}`;
  const c = g.chunked;
  s += 'transfer-encoding: chunked\r\n\r\n';
  const cuts = [0, ...c.cuts.filter((x) => x < g.bodyLen).sort((a, b) => a - b), g.bodyLen];
  for (let i = 1; i < cuts.length; i++) {
    const n = cuts[i]! - cuts[i - 1]!;
    if (n === 0) continue;
    const hex = c.upper ? n.toString(16).toUpperCase() : n.toString(16);
    s += `${hex}${c.ext ? ';a=b' : ''}\r\n${body.slice(cuts[i - 1], cuts[i])}\r\n`;
  }
  return `${s}0${c.ext ? ';last' : ''}\r\n${c.trailers ? 'x-trailer: 1\r\n' : ''}\r\n`;
}

interface Outcome {
  status: number;
  bodyBytes: number;
  end: number;
  keepAlive: boolean;
  keepAliveHintMs: number;
}

const outcome = (p: ResponseParser, end: number): Outcome => ({
  status: p.status,
  bodyBytes: p.bodyBytes,
  end,
  keepAlive: p.keepAlive,
  keepAliveHintMs: p.keepAliveHintMs,
});

/** Piece boundaries for a stream of `len` bytes: every byte, or the given cut points. */
function boundaries(len: number, cuts: number[] | 'bytes'): number[] {
  if (cuts === 'bytes') return Array.from({ length: len + 1 }, (_, i) => i);
  return [...new Set([0, ...cuts.map((c) => c % (len + 1)), len])].sort((a, b) => a - b);
}

function feedFresh(stream: Buffer, bounds: number[]): Outcome {
  const p = new ResponseParser();
  p.begin(false);
  for (let i = 1; i < bounds.length; i++) {
    const piece = Buffer.from(stream.subarray(bounds[i - 1], bounds[i]));
    const r = p.execute(piece, 0, piece.length);
    if (r === FAILED) throw new Error(`FAILED at piece ${i}: ${p.error?.message}`);
    if (r >= 0) return outcome(p, bounds[i - 1]! + r);
  }
  return outcome(p, NEED_MORE);
}

// One read buffer for the whole property, as a connection keeps one: stale bytes from earlier runs
// (and an initial fill of framing-like bytes) stay past each read's end.
const SHARED = Buffer.alloc(64 * 1024);
{
  const stale = bytes('\r\n\r\n0123456789abcdef\r\n0\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n');
  for (let at = 0; at < SHARED.length; at += stale.length) stale.copy(SHARED, at);
}

function feedReused(stream: Buffer, bounds: number[], offset: number): Outcome {
  const p = new ResponseParser();
  p.begin(false);
  for (let i = 1; i < bounds.length; i++) {
    const len = bounds[i]! - bounds[i - 1]!;
    stream.copy(SHARED, offset, bounds[i - 1], bounds[i]);
    const r = p.execute(SHARED, offset, offset + len);
    if (r === FAILED) throw new Error(`FAILED at piece ${i}: ${p.error?.message}`);
    if (r >= 0) return outcome(p, bounds[i - 1]! + (r - offset));
  }
  return outcome(p, NEED_MORE);
}

describe('ResponseParser: property — split and reused-buffer invariance', () => {
  const cutsArb = fc.oneof(
    { weight: 1, arbitrary: fc.constant('bytes' as const) },
    { weight: 4, arbitrary: fc.array(fc.nat(), { maxLength: 40 }) },
  );

  it('any split gives the same status, bodyBytes, end and keep-alive as the whole, fresh or reused buffers', () => {
    fc.assert(
      fc.property(genResponse, cutsArb, fc.integer({ min: 0, max: 64 }), (g, cuts, offset) => {
        const raw = build(g);
        // The next response's bytes follow on the wire: the end must be reported before them.
        const stream = bytes(raw + NEXT);
        const expected: Outcome = {
          status: g.status,
          bodyBytes: g.bodyLen,
          end: raw.length,
          keepAlive: g.version === '1.1' ? g.conn !== 'close' : g.conn === 'keep-alive',
          keepAliveHintMs: g.hintSecs * 1000,
        };
        const bounds = boundaries(stream.length, cuts);
        expect(feedFresh(stream, [0, stream.length])).toEqual(expected);
        expect(feedFresh(stream, bounds)).toEqual(expected);
        expect(feedReused(stream, [0, stream.length], offset)).toEqual(expected);
        expect(feedReused(stream, bounds, offset)).toEqual(expected);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});

describe('classifyError for the lean client', () => {
  it.each([
    ['LOADTEST_SOCKET_CLOSED', 'reset'],
    ['LOADTEST_HTTP_PARSE', 'protocol'],
    ['LOADTEST_HEADERS_OVERFLOW', 'protocol'],
  ])('%s → %s', (code, cls) => {
    expect(classifyError(Object.assign(new Error(code), { code }))).toBe(cls);
  });

  it("the parser's own errors classify as protocol", () => {
    const parse = whole('HTTP/1.1 banana\r\n\r\n').p.error;
    const overflow = whole(`HTTP/1.1 200 OK\r\nx: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`).p.error;
    expect(parse?.code).toBe('LOADTEST_HTTP_PARSE');
    expect(overflow?.code).toBe('LOADTEST_HEADERS_OVERFLOW');
    expect(classifyError(parse)).toBe('protocol');
    expect(classifyError(overflow)).toBe('protocol');
  });
});
