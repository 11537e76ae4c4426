// Credential-like query values (replayed access logs carry them by the thousand) are masked by
// shape in every output that goes through a redactor — the terminal, reports, the step log, plan,
// error messages — while the requests sent keep them (report/redact.ts, rule 5).
import { describe, expect, it } from 'vitest';
import { createRedactor, defaultRedactor, isCredentialParam, maskQueryCredentials, MASK, redactDeep } from '../../src/report/redact.js';

describe('maskQueryCredentials', () => {
  const cases: Array<[string, string]> = [
    ['/a?token=abc&x=1', `/a?token=${MASK}&x=1`],
    ['/a?x=1&access_token=eyJhbGciOi.J9&y=2', `/a?x=1&access_token=${MASK}&y=2`],
    ['/p?api_key=K1&apiKey=K2&key=K3', `/p?api_key=${MASK}&apiKey=${MASK}&key=${MASK}`],
    ['/s3/o?X-Amz-Credential=AKIA%2F2025&X-Amz-Signature=ab12&X-Amz-Date=20251010', `/s3/o?X-Amz-Credential=${MASK}&X-Amz-Signature=${MASK}&X-Amz-Date=20251010`],
    ['/dl?sig=zz&signature=yy&expires=1', `/dl?sig=${MASK}&signature=${MASK}&expires=1`],
    ['/login?user=ann&password=hunter2&pwd=x&pass=y', `/login?user=ann&password=${MASK}&pwd=${MASK}&pass=${MASK}`],
    ['/cb?client_secret=s&code=c&state=st', `/cb?client_secret=${MASK}&code=${MASK}&state=st`],
    ['/x?auth=1&oauth=2&authorization=3&author=bob', `/x?auth=${MASK}&oauth=${MASK}&authorization=${MASK}&author=bob`],
    // A value runs to the next & (a query value may hold '?'): here that over-masks, never under.
    ['/app;jsessionid=ABC?sid=1&sessionid=2', `/app;jsessionid=${MASK}&sessionid=${MASK}`],
    ['/f?jwt=a.b.c#frag', `/f?jwt=${MASK}#frag`],
    ['/q?page=2&sort=desc&q=token', '/q?page=2&sort=desc&q=token'],
    ['/q?token=', '/q?token='],
    ['token=abc (no ? or &: not a query)', 'token=abc (no ? or &: not a query)'],
    ['GET /a?token=abc HTTP/1.1 and "/b?key=k"', `GET /a?token=${MASK} HTTP/1.1 and "/b?key=${MASK}"`],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(maskQueryCredentials(input)).toBe(expected);
  });

  it.each([
    ['token', true],
    ['refresh_token', true],
    ['X-Goog-Signature', true],
    ['secret', true],
    ['page', false],
    ['q', false],
    ['tokens_left', false],
  ])('isCredentialParam(%s) = %s', (name, expected) => {
    expect(isCredentialParam(name)).toBe(expected);
  });
});

describe('every redactor masks them', () => {
  it('createRedactor with listed secrets, and the default redactor', () => {
    const text = 'step 3: GET /a?token=t0k&x=1 answered 401\nAuthorization: Bearer zz';
    expect(createRedactor(['nothing-listed'])(text)).toBe(`step 3: GET /a?token=${MASK}&x=1 answered 401\nAuthorization: ${MASK}`);
    expect(defaultRedactor('https://h/p?api_key=abc')).toBe(`https://h/p?api_key=${MASK}`);
  });

  it('in a report object (redactDeep)', () => {
    const report = { warnings: ['access.log: 1 of 9 lines skipped (first at line 3: "GET /x?sig=abc")'], top: [{ path: '/a?token=T' }] };
    expect(redactDeep(report, createRedactor([]))).toEqual({
      warnings: [`access.log: 1 of 9 lines skipped (first at line 3: "GET /x?sig=${MASK}")`],
      top: [{ path: `/a?token=${MASK}` }],
    });
  });
});
