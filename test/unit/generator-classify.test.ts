import { describe, expect, it } from 'vitest';
import { classifyError, errorStatusTable, TIMEOUT_CODE } from '../../src/traffic/generator/classify.js';
import { probeFailureMessage } from '../../src/traffic/generator/probe.js';

const err = (code: string, cause?: unknown) => Object.assign(new Error(code), { code, cause });

describe('classifyError', () => {
  it.each([
    [TIMEOUT_CODE, 'timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout'],
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
    ['ECONNREFUSED', 'refused'],
    ['ECONNRESET', 'reset'],
    ['EPIPE', 'reset'],
    ['UND_ERR_SOCKET', 'reset'],
    ['UND_ERR_CLOSED', 'reset'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['HPE_INVALID_CONSTANT', 'protocol'],
    ['HPE_INVALID_STATUS', 'protocol'],
    ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'protocol'],
    ['EWHATEVER', 'other'],
  ])('%s → %s', (code, cls) => {
    expect(classifyError(err(code))).toBe(cls);
  });

  it('looks through a wrapper to its cause', () => {
    expect(classifyError(err('UND_ERR_WRAPPED', err('ECONNREFUSED')))).toBe('refused');
  });

  it('classifies non-errors as other', () => {
    expect(classifyError(null)).toBe('other');
    expect(classifyError('boom')).toBe('other');
  });
});

describe('errorStatusTable', () => {
  it('marks inclusive ranges', () => {
    const t = errorStatusTable([[500, 599], [429, 429]]);
    expect([t[200], t[429], t[430], t[499], t[500], t[599], t[600]]).toEqual([0, 1, 0, 0, 1, 1, 0]);
  });
});

describe('probeFailureMessage', () => {
  it.each([
    ['ECONNREFUSED', 'target http://127.0.0.1:9 refused the connection (is it running?)'],
    ['ENOTFOUND', 'target http://127.0.0.1:9: host name not found (ENOTFOUND); check traffic.target'],
    ['ETIMEDOUT', 'target http://127.0.0.1:9 did not answer within 2000 ms (traffic.timeout)'],
    [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'target http://127.0.0.1:9: TLS certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT; self-signed?); set traffic.insecure: true to accept it',
    ],
  ])('%s → one clear line', (code, line) => {
    const msg = probeFailureMessage('http://127.0.0.1:9', err(code), 2000);
    expect(msg).toBe(line);
    expect(msg).not.toContain('\n');
  });
});
