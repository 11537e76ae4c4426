// A growable FIFO ring buffer. The engine keeps in-flight requests in send order here; popped slots
// are cleared at once so finished requests die young (an array that is only compacted now and then
// keeps thousands of finished requests alive through minor GCs and promotes them to the old space).
export class Ring<T> {
  private buf: Array<T | undefined>;
  private mask: number;
  private head = 0;
  private tail = 0;

  constructor(capacityPow2 = 1024) {
    this.buf = new Array<T | undefined>(capacityPow2);
    this.mask = capacityPow2 - 1;
  }

  get size(): number {
    return (this.tail - this.head) & this.mask;
  }

  push(v: T): void {
    this.buf[this.tail] = v;
    this.tail = (this.tail + 1) & this.mask;
    if (this.tail === this.head) this.grow();
  }

  /** The oldest element, or undefined when empty. */
  peek(): T | undefined {
    return this.head === this.tail ? undefined : this.buf[this.head];
  }

  shift(): T | undefined {
    if (this.head === this.tail) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    return v;
  }

  private grow(): void {
    // Full (tail caught up with head): unroll into a buffer twice the size, oldest first.
    const old = this.buf;
    const n = old.length;
    const next = new Array<T | undefined>(n * 2);
    for (let i = 0; i < n; i++) next[i] = old[(this.head + i) & this.mask];
    this.buf = next;
    this.mask = n * 2 - 1;
    this.head = 0;
    this.tail = n;
  }
}
