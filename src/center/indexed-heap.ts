/**
 * A binary min-heap whose items know their own slot, so any item can be removed in O(log n)
 * (an agent who goes Reserved must leave the available-agent heap of every queue they serve).
 * Written here because the common npm heaps either lack arbitrary removal or track positions in
 * a side Map, which costs a hash lookup per sift step.
 */

export interface HeapSlot {
  /** Index in the heap's array; -1 when not in a heap. Owned by the heap. */
  heapIndex: number;
}

export class IndexedHeap<T extends HeapSlot> {
  private readonly items: T[] = [];

  /** `before(a, b)` is true when `a` must come out before `b`. */
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    if (this.has(item)) return;
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }

  remove(item: T): boolean {
    if (!this.has(item)) return false;
    const index = item.heapIndex;
    const last = this.items.pop()!;
    item.heapIndex = -1;
    if (last !== item) {
      this.items[index] = last;
      last.heapIndex = index;
      this.down(index);
      this.up(last.heapIndex);
    }
    return true;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    yield* this.items;
  }

  private up(index: number): void {
    const items = this.items;
    const item = items[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex]!;
      if (!this.before(item, parent)) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
  }

  private down(index: number): void {
    const items = this.items;
    const length = items.length;
    const item = items[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && this.before(items[right]!, items[left]!)) child = right;
      const childItem = items[child]!;
      if (!this.before(childItem, item)) break;
      items[index] = childItem;
      childItem.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
