import { describe, expect, it } from 'vitest';
import {
  agentProof,
  controllerProof,
  newNonce,
  readToken,
  verifyAgentProof,
  verifyControllerProof,
} from '../../src/agents/auth.js';

const TOKEN = 'correct horse battery staple 0123';
const OTHER = 'correct horse battery staple 0124';

describe('mutual challenge–response', () => {
  const nc = newNonce();
  const na = newNonce();

  it('a full handshake: each side proves the token to the other', () => {
    const proof = agentProof(TOKEN, nc, na, '3');
    expect(verifyAgentProof(TOKEN, nc, na, '3', proof)).toBe(true);
    const answer = controllerProof(TOKEN, nc, na, '3');
    expect(verifyControllerProof(TOKEN, nc, na, '3', answer)).toBe(true);
  });

  it('nonces are 32 random bytes, never repeated', () => {
    const seen = new Set(Array.from({ length: 1000 }, newNonce));
    expect(seen.size).toBe(1000);
    expect(Buffer.from(nc, 'base64')).toHaveLength(32);
  });

  it('the token is not on the wire: no message carries it, nor any encoding of it', () => {
    const wire = JSON.stringify({ nc, na, proof: agentProof(TOKEN, nc, na, '3'), answer: controllerProof(TOKEN, nc, na, '3') });
    for (const form of [TOKEN, Buffer.from(TOKEN).toString('base64'), Buffer.from(TOKEN).toString('hex')]) expect(wire).not.toContain(form);
  });

  const proof = agentProof(TOKEN, nc, na, '3');
  it.each([
    ['the wrong token', () => verifyAgentProof(OTHER, nc, na, '3', proof)],
    ['a proof replayed against a new challenge', () => verifyAgentProof(TOKEN, newNonce(), na, '3', proof)],
    ['a proof with another agent nonce', () => verifyAgentProof(TOKEN, nc, newNonce(), '3', proof)],
    ['a proof replayed under another agent id', () => verifyAgentProof(TOKEN, nc, na, '4', proof)],
    ['an agent proof reflected as the controller answer', () => verifyControllerProof(TOKEN, nc, na, '3', proof)],
    ['a controller answer reflected as an agent proof', () => verifyAgentProof(TOKEN, nc, na, '3', controllerProof(TOKEN, nc, na, '3'))],
    ['a truncated proof', () => verifyAgentProof(TOKEN, nc, na, '3', proof.slice(0, 20))],
    ['an empty proof', () => verifyAgentProof(TOKEN, nc, na, '3', '')],
    ['a proof that is not a string', () => verifyAgentProof(TOKEN, nc, na, '3', 42)],
    ['a short nonce', () => verifyAgentProof(TOKEN, 'AAAA', na, '3', proof)],
    ['a nonce that is not base64', () => verifyAgentProof(TOKEN, '!'.repeat(44), na, '3', proof)],
    ['a controller answer from a rogue controller (wrong token)', () => verifyControllerProof(TOKEN, nc, na, '3', controllerProof(OTHER, nc, na, '3'))],
  ])('rejects %s', (_what, check) => {
    expect(check()).toBe(false);
  });

  it('refuses to answer a malformed challenge', () => {
    expect(() => agentProof(TOKEN, 'short', na, '3')).toThrow(/malformed nonce/);
  });
});

describe('readToken', () => {
  it.each([
    [{}, /LOADTEST_AGENT_TOKEN is not set/],
    [{ LOADTEST_AGENT_TOKEN: '' }, /is not set/],
    [{ LOADTEST_AGENT_TOKEN: 'tiny' }, /is 4 bytes long; use at least 16/],
  ])('%j → error', (env, msg) => {
    const r = readToken(env);
    expect('error' in r && r.error).toMatch(msg);
  });

  it('a long enough token; the error never echoes the value', () => {
    expect(readToken({ LOADTEST_AGENT_TOKEN: TOKEN })).toEqual({ token: TOKEN });
    const r = readToken({ LOADTEST_AGENT_TOKEN: 'secretish' });
    expect('error' in r && r.error).not.toContain('secretish');
  });
});
