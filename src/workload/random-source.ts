// The sender's sources of template values, one set per thread: `seq` numbers from a counter shared
// by every thread of a run, and a fast random generator for random.*, uuid.
//
// `seq`: a run's generator makes one SharedArrayBuffer; every thread (the main one and each worker)
// takes blocks of SEQ_BLOCK consecutive numbers from it with one Atomics.add per block. Numbers
// are unique across threads for the whole run; with one thread they are 1, 2, 3, … in send order;
// with several, each thread's come in runs of 64 (thread A 1–64, thread B 65–128, …). A block a
// thread had not used up when the run ends is left unused: numbers are unique, not gap-free.
// Distributed runs (src/agents/): each agent's counter carries its slot among SEQ_SLOTS, and block b
// of agent k holds the numbers of global block b·SEQ_SLOTS + k, so agents never repeat one another's
// numbers either (agent 0 counts 1–64, then 4194305–4194368, …; agent 1 65–128, …). Exact in a
// double up to 2^32 blocks per agent, the same bound as one machine's.
import { randomBytes } from 'node:crypto';

export const SEQ_BLOCK = 64;
/** Agents a distributed run's `seq` numbers can be told apart for (an agent's slot is taken modulo this). */
export const SEQ_SLOTS = 65_536;

/**
 * The run-wide counter of seq blocks (share it with worker threads through workerData). `slot`: this
 * process's slot among the agents of a distributed run (0 on one machine).
 */
export function createSeqCounter(slot?: number): SharedArrayBuffer {
  const buf = new SharedArrayBuffer(8);
  // Word 1: 0 on one machine, else the agent's slot + 1 (read by every SeqSource on the counter).
  if (slot !== undefined) new Uint32Array(buf)[1] = (slot % SEQ_SLOTS) + 1;
  return buf;
}

export class SeqSource {
  private readonly blocks: Uint32Array;
  private readonly slot: number;
  private readonly slots: number;
  private next = 0;
  private end = 0;

  constructor(counter: SharedArrayBuffer = createSeqCounter()) {
    this.blocks = new Uint32Array(counter, 0, 1);
    const tag = new Uint32Array(counter, 4, 1)[0]!;
    // One machine: blocks are consecutive (numbers dense per thread); an agent: every SEQ_SLOTS-th.
    this.slot = tag === 0 ? 0 : tag - 1;
    this.slots = tag === 0 ? 1 : SEQ_SLOTS;
  }

  /** The next number: 1, 2, 3, … (unique across every SeqSource on the same counter). */
  take(): number {
    if (this.next === this.end) {
      // A 32-bit block counter × 64: 2^38 numbers before it wraps (a month at 100k req/s).
      const block = Atomics.add(this.blocks, 0, 1) * this.slots + this.slot;
      this.next = block * SEQ_BLOCK + 1;
      this.end = this.next + SEQ_BLOCK;
    }
    return this.next++;
  }
}

/**
 * xoshiro128** (Blackman & Vigna): 128 bits of state, so 2^128 draws before it repeats and UUIDs
 * made of four draws do not collide the way a 32-bit generator's would. Fast, not cryptographic:
 * template values are test data, not secrets.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed?: Uint8Array) {
    const s = seed ?? randomBytes(16);
    const v = new DataView(s.buffer, s.byteOffset, 16);
    // Each word mixed with its index (murmur3's finalizer): a seed of four equal words would
    // otherwise start with correlated draws (the second equal to the first).
    this.a = fmix32(v.getUint32(0) ^ 0x9e3779b9);
    this.b = fmix32(v.getUint32(4) ^ 0x3c6ef372);
    this.c = fmix32(v.getUint32(8) ^ 0xdaa66d2b);
    this.d = fmix32(v.getUint32(12) ^ 0x78dde6e4);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the all-zero state is a fixed point
    for (let i = 0; i < 8; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** A uniform whole number in [min, max] (safe integers). */
  int(min: number, max: number): number {
    const span = max - min + 1;
    // Up to 2^21 values the product u32 × span is exact in a double (< 2^53).
    if (span <= 0x20_0000) return min + Math.floor((this.u32() * span) / 0x1_0000_0000);
    // Wider ranges: 53 random bits (rounding could reach max + 1: clamped).
    const x = (this.u32() >>> 5) * 67108864 + (this.u32() >>> 6);
    return Math.min(max, min + Math.floor((x / 9007199254740992) * span));
  }
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
