/**
 * Two small containers that keep the local queue service fast with thousands of messages: a deque
 * (O(1) push and shift, indexed reads) and a binary min-heap of timed events.
 */

/** An array-backed double-ended queue: push at the tail, shift at the head, read by index. */
export class Deque<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  /** Number of items. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends an item at the tail. */
  push(item: T): void {
    this.items.push(item);
  }

  /** The item at `index` from the head, or `undefined`. */
  at(index: number): T | undefined {
    return index < 0 ? undefined : this.items[this.head + index];
  }

  /** Removes and returns the head item. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes every item for which `drop` returns true, keeping the order of the rest. */
  removeWhere(drop: (item: T) => boolean): void {
    const kept: T[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item !== undefined && !drop(item)) kept.push(item);
    }
    this.items = kept;
    this.head = 0;
  }
}

/** A binary min-heap ordered by `at`. */
export class MinHeap<T extends { at: number }> {
  private readonly items: T[] = [];

  /** Number of entries. */
  get size(): number {
    return this.items.length;
  }

  /** The entry with the smallest `at`, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds an entry. */
  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent];
      if (p === undefined || p.at <= item.at) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  /** Removes and returns the entry with the smallest `at`. */
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    const n = items.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const l = items[left];
      const r = items[right];
      if (l === undefined) break;
      const child = r !== undefined && r.at < l.at ? r : l;
      const childIndex = child === l ? left : right;
      if (child.at >= last.at) break;
      items[i] = child;
      i = childIndex;
    }
    items[i] = last;
    return top;
  }

  /** Removes every entry. */
  clear(): void {
    this.items.length = 0;
  }
}
