import { describe, expect, it } from 'vitest';
import { createRedactor, isSensitiveHeaderName, MASK, redactDeep, redactError, redactingWrite } from '../../src/report/redact.js';

describe('createRedactor: listed secrets', () => {
  const cases: Array<[string, string[], string, string]> = [
    ['plain occurrence', ['s3cr3t-token'], 'sent Bearer s3cr3t-token to x', 'sent Bearer *** to x'],
    ['every occurrence', ['abc123'], 'abc123 and abc123abc123', '*** and ******'],
    ['regex metacharacters are literal', ['a.b*c(d)$'], 'x a.b*c(d)$ y aXbbc(d)', 'x *** y aXbbc(d)'],
    ['longer secret masked whole when it contains a shorter one', ['tok', 'tok-extended'], 'tok-extended tok', '*** ***'],
    ['percent-encoded form (query strings, URLs)', ['p@ss word/1'], '/q?key=p%40ss%20word%2F1&x=1', '/q?key=***&x=1'],
    ['JSON-escaped form', ['he said "hi"\\'], JSON.stringify({ v: 'he said "hi"\\' }), '{"v":"***"}'],
    ['empty secrets ignored', ['', ''], 'nothing to hide', 'nothing to hide'],
    ['no secrets: text unchanged', [], 'GET /api 200', 'GET /api 200'],
    ['multi-line text', ['TOKEN9'], 'line1 TOKEN9\nline2 TOKEN9', 'line1 ***\nline2 ***'],
    // Short secrets (< 4 chars) are masked as whole tokens only: figures and timestamps survive.
    ['short secret as a token', ['7'], 'GET /items/7 at 2026-07-17T07:00:07Z took 17ms', 'GET /items/*** at 2026-07-17T07:00:07Z took 17ms'],
    ['short secret in a query', ['ab1'], '/q?k=ab1&x=ab12', '/q?k=***&x=ab12'],
    ['4-char secret masked anywhere', ['abcd'], 'xabcdx', 'x***x'],
  ];
  it.each(cases)('%s', (_name, secrets, input, expected) => {
    expect(createRedactor(secrets)(input)).toBe(expected);
  });
});

describe('createRedactor: URL userinfo passwords (listed or not)', () => {
  const r = createRedactor([]);
  const cases: Array<[string, string]> = [
    ['http://user:pass@127.0.0.1:8080/x', `http://user:${MASK}@127.0.0.1:8080/x`],
    ['connect ECONNREFUSED https://admin:hunter2@host.example', `connect ECONNREFUSED https://admin:${MASK}@host.example`],
    ['"target":"http://u:p%40x@127.0.0.1"', `"target":"http://u:${MASK}@127.0.0.1"`],
    ['redis://:onlypass@127.0.0.1:6379', `redis://:${MASK}@127.0.0.1:6379`],
    ['http://user@127.0.0.1/ (no password)', 'http://user@127.0.0.1/ (no password)'],
    ['http://127.0.0.1:8080/a:b@c (colon in path, not userinfo)', 'http://127.0.0.1:8080/a:b@c (colon in path, not userinfo)'],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(r(input)).toBe(expected);
  });
});

describe('createRedactor: credential headers in free text', () => {
  const r = createRedactor([]);
  const cases: Array<[string, string]> = [
    ['Authorization: Bearer abc.def', `Authorization: ${MASK}`],
    ['proxy-authorization: Basic dXNlcjpwYXNz', `proxy-authorization: ${MASK}`],
    ['cookie=session=1; theme=dark', `cookie=${MASK}`],
    ['{"x-api-key":"k-123","other":"v"}', `{"x-api-key":"${MASK}","other":"v"}`],
    ["{ 'X-Auth-Token': 'zzz', a: 1 }", `{ 'X-Auth-Token': '${MASK}', a: 1 }`],
    ['Set-Cookie: id=a3fWa; Max-Age=2592000\nnext line', `Set-Cookie: ${MASK}\nnext line`],
    ['the x-api-key header was rejected', 'the x-api-key header was rejected'],
    ['content-type: text/plain', 'content-type: text/plain'],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(r(input)).toBe(expected);
  });
});

describe('isSensitiveHeaderName', () => {
  it.each([
    ['authorization', true],
    ['Authorization', true],
    ['proxy-authorization', true],
    ['cookie', true],
    ['set-cookie', true],
    ['x-api-key', true],
    ['X-Apikey', true],
    ['x-auth-token', true],
    ['x-amz-security-token', true],
    ['x-client-secret', true],
    ['api-key', true],
    ['content-type', false],
    ['accept', false],
    ['x-request-id', false],
    ['tokens', false],
  ] as const)('%s → %s', (name, expected) => {
    expect(isSensitiveHeaderName(name)).toBe(expected);
  });
});

describe('redactDeep', () => {
  const r = createRedactor(['TOPSECRET']);

  it('masks strings at any depth, keeps numbers/booleans/null, does not touch the input', () => {
    const input = {
      target: 'http://u:pw@127.0.0.1:1',
      n: 42,
      ok: true,
      none: null,
      steps: [{ error: 'got TOPSECRET back', statusCodes: { '200': 5 } }],
      nested: { deeper: ['a', 'TOPSECRET', 7] },
    };
    const copy = JSON.parse(JSON.stringify(input));
    const out = redactDeep(input, r);
    expect(out).toEqual({
      target: `http://u:${MASK}@127.0.0.1:1`,
      n: 42,
      ok: true,
      none: null,
      steps: [{ error: `got ${MASK} back`, statusCodes: { '200': 5 } }],
      nested: { deeper: ['a', MASK, 7] },
    });
    expect(input).toEqual(copy);
    expect(JSON.stringify(out)).not.toContain('TOPSECRET');
  });

  it('masks the whole value of credential-named keys even when not listed', () => {
    const out = redactDeep({ headers: { Authorization: 'Bearer zz', 'x-api-key': 'k', accept: 'text/html', cookie: '' } }, r);
    expect(out).toEqual({ headers: { Authorization: MASK, 'x-api-key': MASK, accept: 'text/html', cookie: '' } });
  });

  it('masks secrets in keys', () => {
    expect(redactDeep({ TOPSECRET: 1 }, r)).toEqual({ [MASK]: 1 });
  });

  it('cuts cycles but keeps shared (non-cyclic) references', () => {
    const shared = { v: 'x' };
    const a: Record<string, unknown> = { one: shared, two: shared };
    a.self = a;
    expect(redactDeep(a, r)).toEqual({ one: { v: 'x' }, two: { v: 'x' }, self: '[Circular]' });
  });
});

describe('redactError / redactingWrite', () => {
  const r = createRedactor(['tok-XYZ']);

  it('masks an error message and, when asked, its stack', () => {
    const err = new Error('request with tok-XYZ failed');
    expect(redactError(err, r)).toBe(`request with ${MASK} failed`);
    expect(redactError(err, r, true)).not.toContain('tok-XYZ');
    expect(redactError('plain tok-XYZ', r)).toBe(`plain ${MASK}`);
  });

  it('redacts everything written through it', () => {
    const written: string[] = [];
    const write = redactingWrite((s) => written.push(s), r);
    write('a tok-XYZ line\n');
    expect(written).toEqual([`a ${MASK} line\n`]);
  });
});
