// Items due at a time, earliest first (a binary min-heap): a session's next step waits here through
// its think time, and the engine's tick sends what is due — one wake-up for many, no timer each.
export class DueQueue<T> {
  private readonly at: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.at.length;
  }

  /** The earliest due time, or Infinity when empty. */
  get nextAt(): number {
    return this.at.length > 0 ? this.at[0]! : Infinity;
  }

  push(due: number, item: T): void {
    const a = this.at;
    const it = this.items;
    let i = a.length;
    a.push(due);
    it.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= due) break;
      a[i] = a[p]!;
      it[i] = it[p]!;
      i = p;
    }
    a[i] = due;
    it[i] = item;
  }

  /** Removes and returns the earliest item (with its due time), or undefined. */
  pop(): { due: number; item: T } | undefined {
    const a = this.at;
    const it = this.items;
    if (a.length === 0) return undefined;
    const top = { due: a[0]!, item: it[0]! };
    const lastAt = a.pop()!;
    const last = it.pop()!;
    const n = a.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const c = l + 1 < n && a[l + 1]! < a[l]! ? l + 1 : l;
        if (a[c]! >= lastAt) break;
        a[i] = a[c]!;
        it[i] = it[c]!;
        i = c;
      }
      a[i] = lastAt;
      it[i] = last;
    }
    return top;
  }

  clear(): T[] {
    const all = this.items.splice(0);
    this.at.length = 0;
    return all;
  }
}
