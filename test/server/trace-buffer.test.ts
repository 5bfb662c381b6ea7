/**
 * A served call's trace, held compactly (src/server/trace-buffer.ts): a supervisor reading it gets
 * back every event as the engine emitted it — the same fields, values and key order (the JSON a
 * client reads is byte for byte the same) — whether the event was kept whole or as a body shared
 * with other calls; a very long trace keeps its first 500 and latest events and counts the rest.
 */
import { describe, expect, it } from "vitest";
import type { CallEvent } from "../../src/engine/events.js";
import { TraceBodies, TraceBuffer } from "../../src/server/trace-buffer.js";

const A = "11111111-1111-4111-8111-111111111111";
const B = "22222222-2222-4222-8222-222222222222";

const step = (interactionId: string, at: number, port?: string): CallEvent =>
  port === undefined
    ? { type: "step", activity: "PlayMusic", activityId: "act-1", activityType: "play-music", flow: "main", at, interactionId }
    : { type: "step", activity: "Menu", activityId: "act-2", activityType: "ivr-menu", flow: "main", port, at, interactionId };
const music = (interactionId: string, at: number): CallEvent => ({ type: "prompt", file: "defaultmusic_on_hold.wav", music: true, activity: "PlayMusic", activityId: "act-1", flow: "main", at, interactionId });

describe("a served call's trace", () => {
  it("gives back a waiting caller's events as emitted, shared bodies and whole events alike", () => {
    const bodies = new TraceBodies();
    const a = new TraceBuffer(A, bodies);
    const b = new TraceBuffer(B, bodies);
    const emitted: CallEvent[] = [
      step(A, 1_767_621_600_000, "1"),
      { type: "prompt", text: "Hello, Yvonne McKay!", voice: "en-US-Standard-C", activity: "Greet", activityId: "act-3", flow: "main", at: 1_767_621_600_100, interactionId: A },
      { type: "variable", name: "Account", value: { id: 7, tags: ["gold"] }, activity: "Lookup", at: 1_767_621_600_200, interactionId: A },
      { type: "queued", queue: "q1", queueName: "Support", priority: 10, activity: "QueueContact", activityId: "act-4", flow: "main", at: 1_767_621_601_000, interactionId: A },
    ];
    for (let i = 0; i < 10; i++) emitted.push(music(A, 1_767_621_602_000 + i * 30_000), step(A, 1_767_621_632_000 + i * 30_000));
    for (const e of emitted) a.push(e);
    // Another call through the same activities at other times.
    for (let i = 0; i < 3; i++) b.push(music(B, 5 + i));

    const read = a.events();
    expect(read).toEqual(emitted);
    expect(JSON.stringify(read)).toBe(JSON.stringify(emitted));
    expect(a.length).toBe(emitted.length);
    // An event carrying an object is the engine's own object, not a copy.
    expect(read[2]).toBe(emitted[2]);
    expect(b.events()).toEqual([music(B, 5), music(B, 6), music(B, 7)]);
    // Each read is a new array: a reader that changes it changes nothing here.
    read.length = 0;
    expect(a.events()).toHaveLength(emitted.length);
  });

  it("keeps whole an event whose stamp is not its own call's or not last", () => {
    const bodies = new TraceBodies();
    const t = new TraceBuffer(A, bodies);
    const otherCall = step(B, 10);
    const stampFirst = { at: 11, interactionId: A, type: "step", activity: "PlayMusic", activityId: "act-1", activityType: "play-music", flow: "main" } as CallEvent;
    const extraField = { ...step(A, 12), note: "x" } as unknown as CallEvent;
    for (const e of [otherCall, stampFirst, extraField, step(A, 13)]) t.push(e);
    const read = t.events();
    expect(read[0]).toBe(otherCall);
    expect(Object.keys(read[1]!)).toEqual(Object.keys(stampFirst));
    expect(Object.keys(read[2]!)).toEqual(Object.keys(extraField));
    expect(read[3]).toEqual(step(A, 13));
  });

  it("keeps the first 500 and the latest events of a very long wait, counting those left out", () => {
    const t = new TraceBuffer(A, new TraceBodies());
    for (let i = 0; i < 5_010; i++) t.push(i % 2 === 0 ? music(A, i) : step(A, i));
    const read = t.events();
    expect(read).toHaveLength(5_000);
    expect(t.omitted).toBe(10);
    expect(read[499]!.at).toBe(499);
    expect(read[500]!.at).toBe(510);
    expect(read.at(-1)!.at).toBe(5_009);
  });

  it("starts sharing anew once its bound of bodies is reached, traces unchanged", () => {
    const bodies = new TraceBodies(2);
    const t = new TraceBuffer(A, bodies);
    const emitted = ["1", "2", "3", "4"].map((port, i) => step(A, i, port));
    for (const e of emitted) t.push(e);
    expect(t.events()).toEqual(emitted);
  });
});
