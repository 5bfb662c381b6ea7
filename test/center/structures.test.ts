/**
 * The routing structures against the obvious slow model: thousands of random operations, and after
 * each one the fast structure must agree with a sorted array.
 */
import { describe, expect, it } from "vitest";
import { IndexedHeap } from "../../src/center/indexed-heap.js";
import { WaitingList, type WaitingEntry } from "../../src/center/waiting-list.js";
import { seededRandom } from "../../src/util/seeded-random.js";


describe("WaitingList", () => {
  it("always yields priority order, FIFO within a level, head insertions first, and exact positions", () => {
    const random = seededRandom(42);
    const list = new WaitingList<string>();
    // The model: per level, an array in queue order.
    const model: string[][] = Array.from({ length: 10 }, () => []);
    const entries = new Map<string, WaitingEntry<string>>();
    let n = 0;
    for (let step = 0; step < 5000; step++) {
      const r = random();
      if (r < 0.45 || entries.size === 0) {
        const p = 1 + Math.floor(random() * 10);
        const id = `c${n++}`;
        const atHead = random() < 0.15;
        entries.set(id, atHead ? list.pushFront(id, p, step, n) : list.pushBack(id, p, step, n));
        if (atHead) model[p - 1]!.unshift(id);
        else model[p - 1]!.push(id);
      } else if (r < 0.75) {
        const best = list.peek()!;
        list.remove(best);
        entries.delete(best.value);
        const level = model.find((l) => l.length > 0)!;
        expect(best.value).toBe(level.shift());
      } else {
        const ids = [...entries.keys()];
        const id = ids[Math.floor(random() * ids.length)]!;
        const entry = entries.get(id)!;
        list.remove(entry);
        list.remove(entry); // removing twice is harmless
        entries.delete(id);
        const level = model[entry.priority - 1]!;
        level.splice(level.indexOf(id), 1);
      }
      const flat = model.flat();
      expect(list.size).toBe(flat.length);
      if (step % 50 === 0) {
        expect([...list].map((e) => e.value)).toEqual(flat);
        for (const [id, entry] of entries) expect(list.position(entry)).toBe(flat.indexOf(id) + 1);
      }
    }
  });

  it("rejects a priority outside 1..10 instead of losing the contact", () => {
    expect(() => new WaitingList<string>().pushBack("x", 11, 0, 0)).toThrow(/priority must be an integer from 1 to 10, got 11/);
  });
});

describe("IndexedHeap", () => {
  it("always gives the minimum, with removal of any item", () => {
    const random = seededRandom(7);
    type Item = { key: number; heapIndex: number };
    const heap = new IndexedHeap<Item>((a, b) => a.key < b.key);
    const model = new Set<Item>();
    for (let step = 0; step < 5000; step++) {
      const r = random();
      if (r < 0.5 || model.size === 0) {
        const item = { key: Math.floor(random() * 1000), heapIndex: -1 };
        heap.push(item);
        model.add(item);
      } else {
        const items = [...model];
        const item = r < 0.75 ? heap.peek()! : items[Math.floor(random() * items.length)]!;
        expect(heap.remove(item)).toBe(true);
        expect(heap.remove(item)).toBe(false);
        model.delete(item);
      }
      expect(heap.size).toBe(model.size);
      const min = Math.min(...[...model].map((i) => i.key));
      if (model.size > 0) expect(heap.peek()!.key).toBe(min);
    }
  });
});
