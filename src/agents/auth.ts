// Agents and the controller prove to each other that they know the shared token
// (LOADTEST_AGENT_TOKEN) without it ever crossing the wire: mutual HMAC-SHA256 challenge–response.
//
//   agent      → controller   hello { agentId, … }
//   controller → agent        challenge { nonce: Nc }                      (32 random bytes)
//   agent      → controller   proof { nonce: Na, mac: HMAC(token, "loadtest-agent-v1" ‖ Nc ‖ Na ‖ agentId) }
//   controller → agent        welcome { mac: HMAC(token, "loadtest-controller-v1" ‖ Nc ‖ Na ‖ agentId), … }
//
// Why this shape:
// - Fresh nonces from both sides: a recorded proof is useless against another challenge (replay), and
//   the agent checks the controller too, so a rogue listener cannot drive agents at a target.
// - Distinct labels per direction: a controller's answer cannot be reflected back as an agent's proof.
// - The agent id is inside the MAC: a proof cannot be replayed under another id.
// - Nonces are fixed-length bytes and the id comes last, so the concatenation is unambiguous.
// - Macs are compared with crypto.timingSafeEqual (after a length check), never `===`.
// Not covered: the connection itself is neither encrypted nor integrity-protected after the handshake
// (scenario, rates and results travel in clear, and a man in the middle could inject frames once
// both sides are authenticated). Run it on a trusted network, or behind TLS (a later step can wrap
// the socket with node:tls, or derive a session key from the two nonces to MAC every frame).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const NONCE_BYTES = 32;
/** Shortest token accepted: 16 bytes, enough against guessing over a network. */
export const MIN_TOKEN_BYTES = 16;
export const TOKEN_ENV = 'LOADTEST_AGENT_TOKEN';

const AGENT_LABEL = 'loadtest-agent-v1';
const CONTROLLER_LABEL = 'loadtest-controller-v1';

/** A fresh random nonce, base64. */
export function newNonce(): string {
  return randomBytes(NONCE_BYTES).toString('base64');
}

/** The token from the environment, or the line saying what is wrong with it (never its value). */
export function readToken(env: NodeJS.ProcessEnv | Record<string, string | undefined>): { token: string } | { error: string } {
  const token = env[TOKEN_ENV];
  if (token === undefined || token === '') {
    return { error: `${TOKEN_ENV} is not set: agents and the controller need the same secret token (e.g. \`openssl rand -hex 32\`)` };
  }
  const bytes = Buffer.byteLength(token, 'utf8');
  if (bytes < MIN_TOKEN_BYTES) return { error: `${TOKEN_ENV} is ${bytes} bytes long; use at least ${MIN_TOKEN_BYTES} (e.g. \`openssl rand -hex 32\`)` };
  return { token };
}

function decodeNonce(nonce: string): Buffer | undefined {
  if (typeof nonce !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(nonce)) return undefined;
  const b = Buffer.from(nonce, 'base64');
  return b.length === NONCE_BYTES ? b : undefined;
}

function mac(label: string, token: string, controllerNonce: string, agentNonce: string, agentId: string): string | undefined {
  const nc = decodeNonce(controllerNonce);
  const na = decodeNonce(agentNonce);
  if (nc === undefined || na === undefined) return undefined;
  const h = createHmac('sha256', token);
  h.update(label);
  h.update(Buffer.from([0]));
  h.update(nc);
  h.update(na);
  h.update(agentId, 'utf8');
  return h.digest('base64');
}

function same(expected: string | undefined, given: unknown): boolean {
  if (expected === undefined || typeof given !== 'string') return false;
  const a = Buffer.from(expected, 'base64');
  const b = Buffer.from(given, 'base64');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The agent's answer to the controller's challenge. Throws on a malformed nonce (not 32 base64 bytes). */
export function agentProof(token: string, controllerNonce: string, agentNonce: string, agentId: string): string {
  const m = mac(AGENT_LABEL, token, controllerNonce, agentNonce, agentId);
  if (m === undefined) throw new Error(`malformed nonce (expected ${NONCE_BYTES} bytes, base64)`);
  return m;
}

/** Controller side: does the agent's mac prove the token? False on any malformed input. */
export function verifyAgentProof(token: string, controllerNonce: string, agentNonce: string, agentId: string, proof: unknown): boolean {
  return same(mac(AGENT_LABEL, token, controllerNonce, agentNonce, agentId), proof);
}

/** The controller's answer to the agent's nonce (sent in welcome). */
export function controllerProof(token: string, controllerNonce: string, agentNonce: string, agentId: string): string {
  const m = mac(CONTROLLER_LABEL, token, controllerNonce, agentNonce, agentId);
  if (m === undefined) throw new Error(`malformed nonce (expected ${NONCE_BYTES} bytes, base64)`);
  return m;
}

/** Agent side: does the controller's mac prove the token? */
export function verifyControllerProof(token: string, controllerNonce: string, agentNonce: string, agentId: string, proof: unknown): boolean {
  return same(mac(CONTROLLER_LABEL, token, controllerNonce, agentNonce, agentId), proof);
}
