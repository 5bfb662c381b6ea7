/**
 * Java HashMap iteration order. Pebble builds `{...}` literals into a java.util.HashMap, so the
 * order `replace({...})` applies its pairs in, and the order a map prints or loops in, is bucket
 * order, not source order. Reproduced for the key types templates can write (String, Long, Boolean).
 */
import { javaStringHash } from "./strings.js";

function keyHash(key: unknown): number {
  if (key === null || key === undefined) return 0;
  if (typeof key === "string") return javaStringHash(key);
  if (typeof key === "boolean") return key ? 1231 : 1237;
  if (typeof key === "number" && Number.isInteger(key)) {
    const big = BigInt.asUintN(64, BigInt(key));
    return Number(BigInt.asIntN(32, (big ^ (big >> 32n)) & 0xffffffffn));
  }
  return 0;
}

function tableSizeFor(cap: number): number {
  let n = 1;
  while (n < cap) n *= 2;
  return n;
}

/** Orders entries the way `new HashMap<>(ceil(n/0.75))` filled in this order iterates them. */
export function javaHashMapOrder(entries: Array<[unknown, unknown]>): Map<unknown, unknown> {
  // Later puts of an existing key replace the value in place.
  const unique = new Map<unknown, unknown>();
  for (const [k, v] of entries) unique.set(k, v);
  if (unique.size <= 1) return unique;
  const capacity = tableSizeFor(Math.round(Math.ceil(unique.size / 0.75)));
  const buckets: Array<Array<[unknown, unknown]>> = [];
  for (const [k, v] of unique) {
    let h = keyHash(k);
    h ^= h >>> 16;
    const idx = h & (capacity - 1);
    (buckets[idx] ??= []).push([k, v]);
  }
  const out = new Map<unknown, unknown>();
  for (const bucket of buckets) if (bucket) for (const [k, v] of bucket) out.set(k, v);
  return out;
}
