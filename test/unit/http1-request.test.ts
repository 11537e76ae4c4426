// The lean client's request serializer: exact wire bytes (host, header order, content-length) and refusal of requests that would split on the wire.
import { describe, expect, it } from 'vitest';
import type { RequestSpec } from '../../src/scenario/scenario.js';
import { serializeRequest } from '../../src/traffic/generator/http1-request.js';

const ORIGIN = new URL('http://example.com:8080');

const req = (over: Partial<RequestSpec> = {}): RequestSpec => ({ name: 'home', method: 'GET', path: '/', headers: {}, weight: 1, ...over });

/** The serialized request as a latin1 string (every byte one character), for exact comparisons. */
const wire = (origin: URL, r: RequestSpec): string => serializeRequest(origin, r).toString('latin1');

describe('serializeRequest: request line and host', () => {
  it('a plain GET: request line, host with port, blank line, nothing else', () => {
    expect(wire(ORIGIN, req({ path: '/a/b?c=1&d=%20' }))).toBe('GET /a/b?c=1&d=%20 HTTP/1.1\r\nhost: example.com:8080\r\n\r\n');
  });

  it.each([
    ['http://example.com', 'example.com'],
    // The default port is not written (URL.host drops it), as browsers and undici send it.
    ['http://example.com:80', 'example.com'],
    ['https://example.com:443', 'example.com'],
    ['https://example.com:8443', 'example.com:8443'],
    ['http://127.0.0.1:3000', '127.0.0.1:3000'],
    ['http://[::1]:8080', '[::1]:8080'],
    ['http://[::1]', '[::1]'],
    ['http://EXAMPLE.com:81', 'example.com:81'],
  ])('origin %s → host: %s', (origin, host) => {
    expect(wire(new URL(origin), req())).toBe(`GET / HTTP/1.1\r\nhost: ${host}\r\n\r\n`);
  });

  it.each(['GET', 'HEAD', 'DELETE', 'OPTIONS'])('%s without body has no content-length', (method) => {
    expect(wire(ORIGIN, req({ method }))).toBe(`${method} / HTTP/1.1\r\nhost: example.com:8080\r\n\r\n`);
  });
});

describe('serializeRequest: headers', () => {
  it('scenario headers follow host, in the scenario order, names and values as given', () => {
    const headers = { 'User-Agent': 'loadtest/1', accept: '*/*', 'x-b': '2', 'x-a': 'one, two', authorization: 'Bearer a.b.c' };
    expect(wire(ORIGIN, req({ headers }))).toBe(
      'GET / HTTP/1.1\r\nhost: example.com:8080\r\nUser-Agent: loadtest/1\r\naccept: */*\r\nx-b: 2\r\nx-a: one, two\r\nauthorization: Bearer a.b.c\r\n\r\n',
    );
  });

  it('an empty header value is sent as such', () => {
    expect(wire(ORIGIN, req({ headers: { 'x-empty': '' } }))).toBe('GET / HTTP/1.1\r\nhost: example.com:8080\r\nx-empty: \r\n\r\n');
  });

  it.each(['host', 'Host', 'HOST', 'hOsT'])('a scenario %s header replaces ours, in its own position', (name) => {
    const out = wire(ORIGIN, req({ headers: { accept: '*/*', [name]: 'virtual.example' } }));
    expect(out).toBe(`GET / HTTP/1.1\r\naccept: */*\r\n${name}: virtual.example\r\n\r\n`);
    expect(out.toLowerCase().split('\r\n').filter((l) => l.startsWith('host:'))).toHaveLength(1);
  });
});

describe('serializeRequest: body and content-length', () => {
  it('POST with a multi-byte UTF-8 body: content-length counts bytes, the body is UTF-8', () => {
    const body = 'héllo € 🚀'; // 10 UTF-16 units, 15 bytes
    expect(Buffer.byteLength(body)).toBe(15);
    const out = serializeRequest(ORIGIN, req({ name: 'buy', method: 'POST', path: '/buy', headers: { 'content-type': 'text/plain; charset=utf-8' }, body }));
    const head = 'POST /buy HTTP/1.1\r\nhost: example.com:8080\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 15\r\n\r\n';
    expect(out.equals(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body, 'utf8')]))).toBe(true);
    expect(out.subarray(head.length).toString('utf8')).toBe(body);
  });

  it('a JSON body', () => {
    const body = '{"sku":"a-1","qty":2}';
    expect(wire(ORIGIN, req({ method: 'PUT', headers: { 'content-type': 'application/json' }, body }))).toBe(
      `PUT / HTTP/1.1\r\nhost: example.com:8080\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    );
  });

  it.each(['POST', 'PUT', 'PATCH'])('%s without a body sends content-length: 0', (method) => {
    expect(wire(ORIGIN, req({ method }))).toBe(`${method} / HTTP/1.1\r\nhost: example.com:8080\r\ncontent-length: 0\r\n\r\n`);
  });

  it('POST with an empty body string sends content-length: 0 and no body bytes', () => {
    expect(wire(ORIGIN, req({ method: 'POST', body: '' }))).toBe('POST / HTTP/1.1\r\nhost: example.com:8080\r\ncontent-length: 0\r\n\r\n');
  });

  it('any method with a body gets its content-length (DELETE with a body)', () => {
    expect(wire(ORIGIN, req({ method: 'DELETE', body: 'id=7' }))).toBe('DELETE / HTTP/1.1\r\nhost: example.com:8080\r\ncontent-length: 4\r\n\r\nid=7');
  });

  it.each(['content-length', 'Content-Length', 'CONTENT-LENGTH'])('a scenario %s header is not duplicated', (name) => {
    const out = wire(ORIGIN, req({ method: 'POST', headers: { [name]: '5' }, body: 'hello' }));
    expect(out).toBe(`POST / HTTP/1.1\r\nhost: example.com:8080\r\n${name}: 5\r\n\r\nhello`);
    expect(out.toLowerCase().match(/content-length:/g)).toHaveLength(1);
  });

  it('a scenario transfer-encoding means no content-length of ours', () => {
    const out = wire(ORIGIN, req({ method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: '5\r\nhello\r\n0\r\n\r\n' }));
    expect(out).toBe('POST / HTTP/1.1\r\nhost: example.com:8080\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
  });

  it('serializing twice gives the same bytes (the client sends one Buffer again and again)', () => {
    const r = req({ method: 'POST', headers: { a: '1' }, body: 'x' });
    expect(serializeRequest(ORIGIN, r).equals(serializeRequest(ORIGIN, r))).toBe(true);
  });
});

describe('serializeRequest: requests that would split on the wire throw, naming the request', () => {
  it.each([
    ['CRLF in a header value', { headers: { 'x-a': 'ok\r\nx-injected: 1' } }],
    ['LF in a header value', { headers: { 'x-a': 'ok\nx-injected: 1' } }],
    ['CR in a header value', { headers: { 'x-a': 'ok\rx' } }],
    ['NUL in a header value', { headers: { 'x-a': 'ok\0' } }],
    ['CRLF in a header name', { headers: { 'x-a\r\nx-b': '1' } }],
    ['colon in a header name', { headers: { 'x-a:b': '1' } }],
    ['space around a header name', { headers: { ' x-a': '1' } }],
    ['empty header name', { headers: { '': '1' } }],
    ['CRLF in a host header', { headers: { host: 'a\r\n\r\nGET /x HTTP/1.1' } }],
    ['a space in the path', { path: '/a b' }],
    ['a path smuggling a second request line', { path: '/ HTTP/1.1\r\nx: y' }],
    ['LF in the path', { path: '/a\nb' }],
    ['NUL in the path', { path: '/a\0' }],
  ] as Array<[string, Partial<RequestSpec>]>)('%s', (_name, over) => {
    expect(() => serializeRequest(ORIGIN, req({ name: 'checkout-step', ...over }))).toThrow(Error);
    expect(() => serializeRequest(ORIGIN, req({ name: 'checkout-step', ...over }))).toThrow(/request checkout-step\b/);
  });

  it('a tab inside a header value is allowed (it is legal field content)', () => {
    expect(wire(ORIGIN, req({ headers: { 'x-a': 'a\tb' } }))).toBe('GET / HTTP/1.1\r\nhost: example.com:8080\r\nx-a: a\tb\r\n\r\n');
  });
});
