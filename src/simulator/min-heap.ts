// A binary min-heap of numbers in a growable Float64Array: the simulator's connection pool (when
// each connection frees) and its in-flight set (when each request finishes), without an object per
// request.
export class MinHeap {
  private a: Float64Array;
  size = 0;

  constructor(capacity = 1024) {
    this.a = new Float64Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  /** Smallest value; Infinity when empty. */
  peek(): number {
    return this.size > 0 ? this.a[0]! : Infinity;
  }

  push(v: number): void {
    if (this.size === this.a.length) {
      const next = new Float64Array(this.a.length * 2);
      next.set(this.a);
      this.a = next;
    }
    const a = this.a;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= v) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = v;
  }

  pop(): number {
    const top = this.a[0]!;
    const last = this.a[--this.size]!;
    if (this.size > 0) this.siftDown(last);
    return top;
  }

  /** Replaces the smallest value (pop + push in one pass). */
  replaceTop(v: number): void {
    this.siftDown(v);
  }

  private siftDown(v: number): void {
    const a = this.a;
    const n = this.size;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && a[c + 1]! < a[c]!) c++;
      if (a[c]! >= v) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = v;
  }
}
