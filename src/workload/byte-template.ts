// A template laid out as bytes: static segments (every literal already encoded for its place)
// between holes, built once per thread from the plain-data template (template.ts). A send fills
// the holes into a reused buffer: digits, hex and [A-Za-z0-9] are written byte by byte, a
// random.pick copies one of its options, pre-encoded here for the place — no string is built, no
// template is parsed. A data column (`{{ users.email }}`) is copied from the feeder's shared bytes,
// encoded byte by byte for its place, from the row the request drew (request-data.ts). Only other
// `var` holes (captures: not wired yet) go through a string lookup.
import { MAX_RANDOM_STRING } from './template-scope.js';
import { encodeValue, literalBytes } from './encode.js';
import { Rng, type SeqSource } from './random-source.js';
import type { Feeder } from './data/feeder.js';
import type { Place, TemplateHole, TemplatePart } from './template.js';

export const enum K {
  SEQ,
  UUID,
  NOW,
  INT,
  PICK,
  STRING,
  VAR,
  /** A data column: `a` the feeder's index in the runtime, `b` the column's. */
  COL,
}

/** One hole, in a fixed shape (every field set) so the fill loop stays monomorphic. */
export class ByteHole {
  constructor(
    readonly kind: K,
    /** INT: bounds; STRING: length. */
    readonly a: number,
    readonly b: number,
    /** PICK: each option's bytes, encoded for the place. */
    readonly options: readonly Buffer[],
    /** VAR: the name to look up; its place and json flag say how to encode what comes back. */
    readonly name: string,
    readonly place: Place,
    readonly json: boolean,
    /** Most bytes this hole writes; -1: unbounded (VAR). */
    readonly maxBytes: number,
  ) {}
}

/** What fills holes, one per thread. `lookup` answers VAR holes that are not data columns (a session's captures). */
export interface TemplateRuntime {
  seq: SeqSource;
  rng: Rng;
  lookup: ((name: string) => string) | null;
  /** The captured values of the request being filled (its session's), set before each fill; the default lookup reads them. */
  vars: Map<string, string> | null;
  /** This thread's feeders (attached to the run's shared ones), in `data:` order. */
  feeders: readonly Feeder[];
  /** Per feeder, the row of the request being filled (set from its draw before each fill). */
  rows: Int32Array;
}

/** Resolves a `var` hole's name to a data column (feeder index, column index), or undefined. */
export type ColumnResolver = (name: string) => readonly [feeder: number, column: number] | undefined;

/** The resolver over a runtime's feeders: `users.email` → [index of users, index of email]. */
export function columnResolver(feeders: readonly Feeder[]): ColumnResolver {
  return (name) => {
    const dot = name.indexOf('.');
    if (dot <= 0) return undefined;
    const f = feeders.findIndex((x) => x.name === name.slice(0, dot));
    if (f < 0) return undefined;
    const c = feeders[f]!.column(name.slice(dot + 1));
    return c < 0 ? undefined : [f, c];
  };
}

/** A growable output buffer, kept and reused by its owner (a connection, a scratch area). */
export class OutBuffer {
  constructor(public buf: Buffer = Buffer.allocUnsafe(256)) {}
  ensure(len: number, keep: number): void {
    if (len <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(len, this.buf.length * 2));
    this.buf.copy(next, 0, 0, keep);
    this.buf = next;
  }
}

export class ByteTemplate {
  /** Bytes this template writes at most (statics + bounded holes); -1 when a VAR hole is unbounded. */
  readonly maxBytes: number;
  constructor(
    /** statics.length === holes.length + 1: static, hole, static, …, static. */
    readonly statics: readonly Buffer[],
    readonly holes: readonly ByteHole[],
  ) {
    let n = 0;
    for (const s of statics) n += s.length;
    for (const h of holes) n = h.maxBytes < 0 || n < 0 ? -1 : n + h.maxBytes;
    this.maxBytes = n;
  }

  get isStatic(): boolean {
    return this.holes.length === 0;
  }

  /** Writes the template at out.buf[pos…]; returns the end. Grows out.buf (keeping [0, pos)) when needed. */
  fill(out: OutBuffer, pos: number, rt: TemplateRuntime): number {
    const bounded = this.maxBytes >= 0;
    const statics = this.statics;
    const holes = this.holes;
    let s = statics[0]!;
    // Unbounded (a data column): room for each part is made as it comes, the first static too.
    out.ensure(pos + (bounded ? this.maxBytes : s.length), pos);
    let buf = out.buf;
    if (s.length > 0) pos = copyInto(s, buf, pos);
    for (let i = 0; i < holes.length; i++) {
      const h = holes[i]!;
      if (!bounded) {
        pos = fillUnbounded(h, out, pos, rt);
        buf = out.buf;
      } else pos = fillHole(h, buf, pos, rt);
      s = statics[i + 1]!;
      if (!bounded) {
        out.ensure(pos + s.length, pos);
        buf = out.buf;
      }
      if (s.length > 0) pos = copyInto(s, buf, pos);
    }
    return pos;
  }
}

/**
 * Copies src into buf at pos; returns the end. Short segments byte by byte: Buffer#copy is a call
 * into C++ whose fixed cost (~50 ns) is more than a JS loop over a few dozen bytes.
 */
function copyInto(src: Buffer, buf: Buffer, pos: number): number {
  const n = src.length;
  if (n > 64) return pos + src.copy(buf, pos);
  for (let i = 0; i < n; i++) buf[pos + i] = src[i]!;
  return pos + n;
}

const ALNUM = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'latin1');
const HEX2 = new Uint16Array(256);
for (let i = 0; i < 256; i++) HEX2[i] = ('0123456789abcdef'.charCodeAt(i >> 4) << 8) | '0123456789abcdef'.charCodeAt(i & 15);

function fillHole(h: ByteHole, buf: Buffer, pos: number, rt: TemplateRuntime): number {
  switch (h.kind) {
    case K.SEQ:
      return writeInt(buf, pos, rt.seq.take());
    case K.INT:
      return writeInt(buf, pos, rt.rng.int(h.a, h.b));
    case K.NOW:
      return writeInt(buf, pos, Date.now());
    case K.PICK: {
      const o = h.options;
      return copyInto(o[rt.rng.int(0, o.length - 1)]!, buf, pos);
    }
    case K.STRING: {
      const end = pos + h.a;
      // Slightly biased (2^32 mod 62 ≠ 0: one part in 10^8): test data, not secrets.
      for (let i = pos; i < end; i++) buf[i] = ALNUM[rt.rng.u32() % 62]!;
      return end;
    }
    case K.UUID:
      return writeUuid(buf, pos, rt.rng);
    case K.VAR:
    case K.COL:
      throw new Error('unbounded hole in a bounded template');
  }
}

function fillUnbounded(h: ByteHole, out: OutBuffer, pos: number, rt: TemplateRuntime): number {
  if (h.kind === K.COL) return fillColumn(h, out, pos, rt);
  if (h.kind !== K.VAR) {
    out.ensure(pos + h.maxBytes, pos);
    return fillHole(h, out.buf, pos, rt);
  }
  if (rt.lookup === null) throw new Error(`no value for {{ ${h.name} }}`);
  const bytes = encodeValue(rt.lookup(h.name), h.place, h.json);
  out.ensure(pos + bytes.length, pos);
  return pos + bytes.copy(out.buf, pos);
}

const UNRESERVED = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[c.charCodeAt(0)] = 1;
const HEX_UPPER = Buffer.from('0123456789ABCDEF', 'latin1');

/**
 * A data column's field, from the feeder's bytes (UTF-8), written as encode.ts's encodeValue would
 * write it: percent-encoded in a path, JSON-escaped under json(…), as is in a body. The rare cases
 * (a header value with non-ASCII bytes, json(…) in a path or header) take encodeValue itself.
 */
function fillColumn(h: ByteHole, out: OutBuffer, pos: number, rt: TemplateRuntime): number {
  const f = rt.feeders[h.a]!;
  const row = rt.rows[h.a]!;
  const src = f.bytes(row, h.b);
  const n = src.length;
  if (h.place === 'body' && !h.json) {
    out.ensure(pos + n, pos);
    const buf = out.buf;
    if (n > 64) buf.set(src, pos);
    else for (let i = 0; i < n; i++) buf[pos + i] = src[i]!;
    return pos + n;
  }
  if (h.place === 'path' && !h.json) {
    out.ensure(pos + 3 * n, pos);
    const buf = out.buf;
    for (let i = 0; i < n; i++) {
      const x = src[i]!;
      if (UNRESERVED[x] === 1) buf[pos++] = x;
      else {
        buf[pos++] = 0x25;
        buf[pos++] = HEX_UPPER[x >> 4]!;
        buf[pos++] = HEX_UPPER[x & 15]!;
      }
    }
    return pos;
  }
  if (h.place === 'body') {
    // Inside a JSON string: `"`, `\` and control characters escaped; UTF-8 bytes above 0x7f as they are.
    out.ensure(pos + 6 * n, pos);
    const buf = out.buf;
    for (let i = 0; i < n; i++) {
      const x = src[i]!;
      if (x >= 0x20 && x !== 0x22 && x !== 0x5c) buf[pos++] = x;
      else pos = jsonEscapeByte(buf, pos, x);
    }
    return pos;
  }
  let ascii = !h.json;
  for (let i = 0; ascii && i < n; i++) if (src[i]! >= 0x80) ascii = false;
  if (ascii) {
    // A header value: checked at load time (no CR, LF, NUL in this column's values).
    out.ensure(pos + n, pos);
    const buf = out.buf;
    for (let i = 0; i < n; i++) buf[pos + i] = src[i]!;
    return pos + n;
  }
  const bytes = encodeValue(f.value(row, h.b), h.place, h.json);
  out.ensure(pos + bytes.length, pos);
  return pos + bytes.copy(out.buf, pos);
}

function jsonEscapeByte(buf: Buffer, pos: number, x: number): number {
  buf[pos++] = 0x5c;
  switch (x) {
    case 0x22:
    case 0x5c:
      buf[pos++] = x;
      return pos;
    case 0x08:
      buf[pos++] = 0x62;
      return pos;
    case 0x0c:
      buf[pos++] = 0x66;
      return pos;
    case 0x0a:
      buf[pos++] = 0x6e;
      return pos;
    case 0x0d:
      buf[pos++] = 0x72;
      return pos;
    case 0x09:
      buf[pos++] = 0x74;
      return pos;
  }
  // \u00XX, lower-case hex as JSON.stringify writes it.
  buf[pos++] = 0x75;
  buf[pos++] = 0x30;
  buf[pos++] = 0x30;
  const h = HEX2[x]!;
  buf[pos++] = h >> 8;
  buf[pos++] = h & 0xff;
  return pos;
}

/** Decimal digits of a safe integer; returns the end. */
export function writeInt(buf: Buffer, pos: number, n: number): number {
  if (n < 0) {
    buf[pos++] = 0x2d;
    n = -n;
  }
  if (n < 0x8000_0000) {
    // Small integers (seq, most random.int): 32-bit arithmetic, several times faster than Math.floor on doubles.
    let x = n | 0;
    let len = 1;
    while (len < 10 && x >= POW10[len]!) len++;
    const end = pos + len;
    for (let i = end - 1; i > pos; i--) {
      const q = (x / 10) | 0;
      buf[i] = 48 + x - q * 10;
      x = q;
    }
    buf[pos] = 48 + x;
    return end;
  }
  let len = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) len++;
  const end = pos + len;
  for (let i = end - 1; i >= pos; i--) {
    const q = Math.floor(n / 10);
    buf[i] = 48 + (n - q * 10);
    n = q;
  }
  return end;
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

/** 36 bytes: a version-4, variant-1 UUID in lower-case hex (RFC 9562). */
function writeUuid(buf: Buffer, pos: number, rng: Rng): number {
  const w0 = rng.u32();
  const w1 = (rng.u32() & 0xffff0fff) | 0x00004000; // version 4 in the 13th hex digit
  const w2 = ((rng.u32() & 0x3fffffff) | 0x80000000) >>> 0; // variant 10xx
  const w3 = rng.u32();
  let p = pos;
  p = hex(buf, p, w0, 4);
  buf[p++] = 0x2d;
  p = hex(buf, p, w1 >>> 16, 2);
  buf[p++] = 0x2d;
  p = hex(buf, p, w1 & 0xffff, 2);
  buf[p++] = 0x2d;
  p = hex(buf, p, w2 >>> 16, 2);
  buf[p++] = 0x2d;
  p = hex(buf, p, w2 & 0xffff, 2);
  return hex(buf, p, w3, 4);
}

/** `bytes` bytes of x (big-endian) as 2·bytes hex digits. */
function hex(buf: Buffer, p: number, x: number, bytes: number): number {
  for (let k = bytes - 1; k >= 0; k--) {
    const h = HEX2[(x >>> (8 * k)) & 0xff]!;
    buf[p++] = h >> 8;
    buf[p++] = h & 0xff;
  }
  return p;
}

const digits = (n: number): number => String(Math.trunc(n)).length;

/** A hole's byte form for its place (options pre-encoded, bounds known); `columns` resolves data columns. */
export function byteHole(h: TemplateHole, place: Place, columns?: ColumnResolver): ByteHole | Buffer {
  const v = h.value;
  const none: Buffer[] = [];
  switch (v.kind) {
    case 'seq':
      return new ByteHole(K.SEQ, 0, 0, none, '', place, h.json, 16);
    case 'now.ms':
      return new ByteHole(K.NOW, 0, 0, none, '', place, h.json, 16);
    case 'uuid':
      return new ByteHole(K.UUID, 0, 0, none, '', place, h.json, 36);
    case 'int':
      return new ByteHole(K.INT, v.min, v.max, none, '', place, h.json, Math.max(digits(v.min), digits(v.max)));
    case 'string':
      return new ByteHole(K.STRING, Math.min(v.length, MAX_RANDOM_STRING), 0, none, '', place, h.json, v.length);
    case 'pick': {
      const options = v.options.map((o) => encodeValue(o, place, h.json));
      // One option is a literal: it joins the static bytes around it.
      if (options.length === 1) return options[0]!;
      return new ByteHole(K.PICK, 0, 0, options, '', place, h.json, Math.max(...options.map((o) => o.length)));
    }
    case 'var': {
      const col = columns?.(v.name);
      if (col) return new ByteHole(K.COL, col[0], col[1], none, v.name, place, h.json, -1);
      return new ByteHole(K.VAR, 0, 0, none, v.name, place, h.json, -1);
    }
  }
}

/** Collects static bytes and holes in order, merging adjacent static bytes. */
export class ByteTemplateBuilder {
  private readonly statics: Buffer[] = [];
  private readonly holes: ByteHole[] = [];
  private pending: Buffer[] = [];

  constructor(private readonly columns?: ColumnResolver) {}

  bytes(b: Buffer): this {
    if (b.length > 0) this.pending.push(b);
    return this;
  }

  text(s: string, encoding: BufferEncoding = 'latin1'): this {
    return this.bytes(Buffer.from(s, encoding));
  }

  /** Template parts for a place: literal parts encoded as that place writes literals. */
  parts(parts: readonly TemplatePart[], place: Place): this {
    for (const p of parts) {
      if (typeof p === 'string') this.bytes(literalBytes(p, place));
      else {
        const h = byteHole(p, place, this.columns);
        if (Buffer.isBuffer(h)) this.bytes(h);
        else {
          this.statics.push(Buffer.concat(this.pending));
          this.pending = [];
          this.holes.push(h);
        }
      }
    }
    return this;
  }

  build(): ByteTemplate {
    return new ByteTemplate([...this.statics, Buffer.concat(this.pending)], this.holes);
  }
}

/** A thread's runtime: its own random generator, `seq` from the run's shared counter, its feeders. */
export function createTemplateRuntime(seq: SeqSource, rng: Rng = new Rng(), feeders: readonly Feeder[] = []): TemplateRuntime {
  const rt: TemplateRuntime = { seq, rng, lookup: null, vars: null, feeders, rows: new Int32Array(feeders.length) };
  rt.lookup = (name) => {
    const v = rt.vars?.get(name);
    if (v === undefined) throw new Error(`no value for {{ ${name} }}`);
    return v;
  };
  return rt;
}
