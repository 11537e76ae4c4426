// Access-log parsers (workload/replay/log-formats.ts), one table per format: real lines, odd ones
// (escaped quotes, IPv6 clients, `-` fields, absolute-URI targets), and lines that are no request.
import { describe, expect, it } from 'vitest';
import { parseCombined, parseHaproxy, parseJsonLine, type LineResult } from '../../src/workload/replay/log-formats.js';
import { normalizeTarget } from '../../src/workload/replay/request-target.js';

const req = (method: string, target: string): LineResult => ({ kind: 'request', method, target });
const kindOf = (r: LineResult) => (r.kind === 'request' ? r : r.kind);

describe('combined (nginx/Apache)', () => {
  const ua = '"-" "Mozilla/5.0 (X11; Linux x86_64)"';
  const cases: Array<[string, string, LineResult | 'skip']> = [
    ['nginx default', `203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /products?page=2 HTTP/1.1" 200 612 ${ua}`, req('GET', '/products?page=2')],
    ['common log format (no referer/agent)', '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326', req('GET', '/apache_pb.gif')],
    ['IPv6 client', `2001:db8::1 - - [10/Oct/2025:13:55:36 +0000] "HEAD /health HTTP/1.1" 200 0 ${ua}`, req('HEAD', '/health')],
    ['IPv4-mapped IPv6 client', `::ffff:10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/2.0" 200 5 ${ua}`, req('GET', '/')],
    ['user with a space', '10.0.0.1 - john doe [10/Oct/2025:13:55:36 +0000] "GET /a HTTP/1.1" 200 1', req('GET', '/a')],
    ['`-` status and bytes', '10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /b HTTP/1.1" - -', req('GET', '/b')],
    ['Apache escaped quote in the request', String.raw`10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /s?q=\"x\" HTTP/1.1" 200 1 "-" "ua \"quoted\""`, req('GET', '/s?q=%22x%22')],
    ['nginx \\x22 escape', String.raw`10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /s?q=\x22x\x22 HTTP/1.1" 200 1 "-" "-"`, req('GET', '/s?q=%22x%22')],
    ['escaped backslash', String.raw`10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /a\\b HTTP/1.1" 200 1`, req('GET', '/a%5Cb')],
    ['absolute-URI target (proxy request)', `10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET http://shop.example.com/p?x=1 HTTP/1.1" 200 1 ${ua}`, req('GET', '/p?x=1')],
    ['absolute-URI without a path', `10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET https://shop.example.com HTTP/1.1" 200 1`, req('GET', '/')],
    ['absolute-URI with only a query', `10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET http://h?x=1 HTTP/1.1" 200 1`, req('GET', '/?x=1')],
    ['HTTP/0.9 (no version)', '10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /old" 200 1', req('GET', '/old')],
    ['space inside the target is encoded', '10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /a b HTTP/1.1" 400 1', req('GET', '/a%20b')],
    ['non-ASCII is sent as UTF-8 percent-encoding', '10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /café HTTP/1.1" 200 1', req('GET', '/caf%C3%A9')],
    ['braces are encoded (never a template)', '10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /x/{{id}} HTTP/1.1" 404 1', req('GET', '/x/%7B%7Bid%7D%7D')],
    ['percent-encoding kept as sent', '10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /a%2Fb?q=%20 HTTP/1.1" 200 1', req('GET', '/a%2Fb?q=%20')],
    ['POST is parsed (filtered later by methods)', '10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "POST /cart HTTP/1.1" 201 1', req('POST', '/cart')],
    ['trailing fields (request time)', `10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /t HTTP/1.1" 200 1 ${ua} 0.004 0.003`, req('GET', '/t')],
    ['no request (408)', '10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "-" 408 0 "-" "-"', 'skip'],
    ['TLS handshake on a plain port', String.raw`10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "\x16\x03\x01\x00\xCA\x01\x00" 400 157 "-" "-"`, 'skip'],
    ['OPTIONS * is not a path', '10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "OPTIONS * HTTP/1.1" 200 0', 'skip'],
    ['CONNECT authority-form', '10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "CONNECT example.com:443 HTTP/1.1" 200 0', 'skip'],
    ['an error-log line', '2025/10/10 13:55:36 [error] 12#12: *1 open() "/x" failed (2: No such file or directory)', 'skip'],
    ['JSON in a combined file', '{"method":"GET","path":"/"}', 'skip'],
    ['unterminated request quote', '10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /a HTTP/1.1 200 1', 'skip'],
  ];
  it.each(cases)('%s', (_name, line, expected) => {
    expect(kindOf(parseCombined(line))).toEqual(expected);
  });
});

describe('haproxy (option httplog)', () => {
  const pre = 'Feb  6 12:14:14 localhost haproxy[14389]: ';
  const body = '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0';
  const cases: Array<[string, string, LineResult | 'skip']> = [
    ['the documented example', `${pre}${body} {1wt.eu} {} "GET /index.html HTTP/1.1"`, req('GET', '/index.html')],
    ['without syslog prefix', `${body} "GET /a?b=1 HTTP/1.1"`, req('GET', '/a?b=1')],
    ['HAProxy 2.x timers (TR/Tw/Tc/Tr/Ta) and a query', '127.0.0.1:40962 [01/Dec/2025:03:00:00.001] fe be/s1 0/0/0/1/1 200 120 - - ---- 1/1/0/0/0 0/0 "GET /p?x=1&y=2 HTTP/1.1"', req('GET', '/p?x=1&y=2')],
    ['IPv6 client', `${pre}::1:51234 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "HEAD / HTTP/1.1"`, req('HEAD', '/')],
    ['logasap total (+)', `10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/+109 200 +2750 - - ---- 1/1/1/1/0 0/0 "GET /x HTTP/1.1"`, req('GET', '/x')],
    ['#22 escape (a quote)', `${body} {} "GET /s?q=#22x#22 HTTP/1.1"`, req('GET', '/s?q=%22x%22')],
    ['captured header with a quote-free brace', `${body} {Mozilla/5.0 (X11)|shop.example.com} "GET /c HTTP/1.1"`, req('GET', '/c')],
    ['absolute-URI target', `${body} "GET http://shop.example.com/p HTTP/1.1"`, req('GET', '/p')],
    ['<BADREQ>', `${pre}10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in http-in/<NOSRV> -1/-1/-1/-1/0 400 187 - - PR-- 1/1/0/0/0 0/0 "<BADREQ>"`, 'skip'],
    ['a TCP log line', `${pre}10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0`, 'skip'],
    ['a truncated line (no closing quote)', `${body} "GET /very/long/path?and=more`, 'skip'],
    ['a startup message', `${pre}Proxy http-in started.`, 'skip'],
  ];
  it.each(cases)('%s', (_name, line, expected) => {
    expect(kindOf(parseHaproxy(line))).toEqual(expected);
  });
});

describe('jsonl', () => {
  const cases: Array<[string, string, LineResult | 'skip']> = [
    ['method + path', '{"method":"GET","path":"/a"}', req('GET', '/a')],
    ['path + query (no ?)', '{"method":"GET","path":"/a","query":"x=1"}', req('GET', '/a?x=1')],
    ['path + query (with ?)', '{"method":"GET","path":"/a","query_string":"?x=1"}', req('GET', '/a?x=1')],
    ['nginx json: request_uri wins over uri + args', '{"request_method":"GET","uri":"/a","args":"x=1","request_uri":"/a?x=1&y=2"}', req('GET', '/a?x=1&y=2')],
    ['nginx json: uri + args', '{"request_method":"HEAD","uri":"/a","args":"x=1"}', req('HEAD', '/a?x=1')],
    ['absolute url', '{"verb":"GET","url":"https://shop.example.com/p?q=1"}', req('GET', '/p?q=1')],
    ['no method: GET', '{"path":"/only"}', req('GET', '/only')],
    ['request line', '{"request":"HEAD /r?z=1 HTTP/1.1","status":200}', req('HEAD', '/r?z=1')],
    ['Caddy: nested request object', '{"level":"info","request":{"method":"GET","uri":"/caddy?a=b","host":"x"},"status":200}', req('GET', '/caddy?a=b')],
    ['unicode escapes decoded, then encoded', '{"path":"/caf\\u00e9"}', req('GET', '/caf%C3%A9')],
    ['no target: skipped', '{"msg":"server started"}', 'skip'],
    ['empty path: skipped', '{"method":"GET","path":""}', 'skip'],
    ['target not a path: skipped', '{"method":"OPTIONS","path":"*"}', 'skip'],
  ];
  it.each(cases)('%s', (_name, line, expected) => {
    expect(kindOf(parseJsonLine(line))).toEqual(expected);
  });

  it.each([
    ['not JSON', 'GET /a', 1],
    ['a trailing comma (V8 gives the position)', '{"method":"GET",}', 17],
    ['a missing value (V8 gives no position: column 1)', '{"method":"GET", "path": }', 1],
    ['an array', '["GET","/a"]', 1],
    ['a string', '"GET /a"', 1],
  ])('%s is an error with its column', (_name, line, col) => {
    const r = parseJsonLine(line);
    expect(r.kind).toBe('error');
    if (r.kind === 'error') {
      expect(r.col).toBe(col);
      expect(r.message).toMatch(/^not a JSON object/);
      expect(r.message).not.toContain(line); // the line may hold a token: not quoted back
    }
  });
});

describe('normalizeTarget', () => {
  it.each([
    ['/plain?x=1&y=2', 'none', '/plain?x=1&y=2'],
    ['/a#frag', 'none', '/a%23frag'],
    ['/a|b^c`d', 'none', '/a%7Cb%5Ec%60d'],
    ['/t\u0001', 'none', '/t%01'],
    ['/emoji/😀', 'none', '/emoji/%F0%9F%98%80'],
    [String.raw`/x\xZZ`, 'backslash', '/x%5CxZZ'],
    ['/h#2', 'hash', '/h%232'],
    ['HTTP://Host:8080/p', 'none', '/p'],
    ['*', 'none', undefined],
    ['example.com:443', 'none', undefined],
    ['ftp://h/p', 'none', undefined],
  ] as const)('%s (%s) → %s', (raw, unescape, expected) => {
    expect(normalizeTarget(raw, unescape)).toBe(expected);
  });
});
