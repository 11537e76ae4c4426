// Frames one connection's bytes with the lean client's parser as the pool does: begin() per
// response, the next response parsed from where the last one ended while the connection stays
// alive, nothing after a response that closes it. The result is what a test compares: the
// status, body bytes, end offset and keep-alive of each response, then an error or an unfinished
// response if the bytes ran out mid-way.
import { FAILED, NEED_MORE, onlyLineBreaks, ResponseParser } from '../../src/traffic/generator/http1-response-parser.js';

export type Framing =
  | { status: number; body: number; end: number; keepAlive: boolean }
  /** The bytes ran out mid-response: its body runs until the connection closes, or more is expected. */
  | { status: number; body: number; pending: 'close' | 'more' }
  | { error: true };

/**
 * `cuts`: the offsets where `input` is split into reads (each a fresh Buffer), or 'bytes' for one
 * byte per read. `isHead`: every request was HEAD. `finish`: the connection closes after the last
 * byte (a body without length then ends there).
 */
export function frameConnection(input: Buffer, cuts: number[] | 'bytes' = [], isHead = false, finish = false): Framing[] {
  const bounds =
    cuts === 'bytes'
      ? Array.from({ length: input.length + 1 }, (_, i) => i)
      : [...new Set([0, ...cuts.filter((c) => c > 0 && c < input.length), input.length])].sort((a, b) => a - b);
  const out: Framing[] = [];
  const p = new ResponseParser();
  p.begin(isHead);
  let lastEnd = 0;
  for (let k = 1; k < bounds.length; k++) {
    const at = bounds[k - 1]!;
    const piece = Buffer.from(input.subarray(at, bounds[k]));
    let from = 0;
    while (from < piece.length) {
      const r = p.execute(piece, from, piece.length);
      if (r === FAILED) return [...out, { error: true }];
      if (r === NEED_MORE) break;
      lastEnd = at + r;
      out.push({ status: p.status, body: p.bodyBytes, end: lastEnd, keepAlive: p.keepAlive });
      if (!p.keepAlive) return out; // the pool retires the connection: later bytes are nobody's
      p.begin(isHead);
      from = r;
    }
  }
  // Only empty lines since the last response: nothing is pending (the pool skips them too).
  if (onlyLineBreaks(input, lastEnd, input.length)) return out;
  if (finish && p.eof()) return [...out, { status: p.status, body: p.bodyBytes, end: input.length, keepAlive: false }];
  return [...out, { status: p.status, body: p.bodyBytes, pending: p.untilClose ? 'close' : 'more' }];
}

/** Every split of `input` in two, plus whole and byte by byte: the cut lists a framing must not depend on. */
export function everySplit(input: Buffer): Array<number[] | 'bytes'> {
  const out: Array<number[] | 'bytes'> = [[], 'bytes'];
  for (let i = 1; i < input.length; i++) out.push([i]);
  return out;
}
