/**
 * A queue taken out of the environment file while the center runs (serve --watch,
 * center/reconfigure.ts), case by case: empty, it goes at once; with a caller waiting it retires —
 * no new contact, the caller served by the agent who had it, then gone; put back before then it
 * takes contacts again; one a flow still names stays as auto-created; a wildcard agent stops
 * listing it once it is gone. And the center settings the center holds change at once.
 */
import { describe, expect, it } from "vitest";
import { centerSettingsSchema } from "../../src/center/config.js";
import type { CenterReconfiguration } from "../../src/center/reconfigure.js";
import { FakeContact, harness } from "./helpers.js";

const config = {
  queues: [
    { id: "main", name: "Main" },
    { id: "old", name: "Old" },
  ],
  agents: [
    { id: "ana", name: "Ana", queues: ["main", "old"] },
    { id: "wil", name: "Wil", queues: ["*"] },
  ],
  center: { ringTimeoutSeconds: 60 },
};

/** The file without the old queue, its agents as given. */
const without = (extra: Partial<CenterReconfiguration> = {}): CenterReconfiguration => ({
  queues: [{ id: "main", name: "Main", routing: "LONGEST_AVAILABLE_AGENT" }],
  teams: [],
  agents: [
    { id: "ana", name: "Ana", queues: ["main"], available: false },
    { id: "wil", name: "Wil", queues: ["*"], available: false },
  ],
  ...extra,
});

const ids = (h: ReturnType<typeof harness>) => h.center.listQueues().map((q) => q.id).sort();

describe("a queue removed from the environment while the center runs", () => {
  it("goes at once when nobody is in it, also from a wildcard agent's lists", () => {
    const h = harness(config);
    expect(h.center.reconfigure(without())).toContainEqual("queue old → removed (no longer in the environment, and no contact in it)");
    expect(ids(h)).toEqual(["main"]);
    expect(h.center.routingLists("wil")).not.toContain("old");
  });

  it("retires with a caller in it: no new contact, the caller answered by the agent who served it, then gone", async () => {
    const h = harness(config);
    const waiting = new FakeContact("c1");
    expect(h.center.queueContact({ contact: waiting, queueId: "old", priority: 5 })).toMatchObject({ ok: true });
    const lines = h.center.reconfigure(without());
    expect(lines).toContainEqual(expect.stringMatching(/^queue old → retiring: .* the 1 contact in it stays/));
    expect(lines).toContainEqual("agent ana → queues main (and old while retiring)");
    expect(h.center.queueContact({ contact: new FakeContact("c2"), queueId: "old", priority: 5 })).toMatchObject({ ok: false, code: "QUEUE_RETIRED" });
    expect(h.center.listQueues().find((q) => q.id === "old")).toMatchObject({ retiring: true, queuedNow: 1 });

    h.center.login("ana", { available: true });
    await h.settle();
    expect(h.center.agent("ana")).toMatchObject({ state: "Reserved", interactionId: "c1" });
    h.center.accept("ana", h.center.agent("ana")!.offerId!);
    expect(ids(h), "answered, it still came through the queue").toEqual(["main", "old"]);
    h.center.end("ana");
    await h.settle();
    expect(ids(h)).toEqual(["main"]);
    expect(h.center.agent("ana")!.queues).toEqual(["main"]);
    expect(h.logs).toContainEqual("info: queue old → removed: the last contact in it left (it was removed from the environment)");
  });

  it("takes contacts again when put back before its last caller leaves", () => {
    const h = harness(config);
    h.center.queueContact({ contact: new FakeContact("c1"), queueId: "old", priority: 5 });
    h.center.reconfigure(without());
    const back = h.center.reconfigure({ ...without(), queues: [...without().queues, { id: "old", name: "Old", routing: "LONGEST_AVAILABLE_AGENT" }] });
    expect(back).toContainEqual("queue old → back in the environment: takes new contacts again");
    expect(h.center.queueContact({ contact: new FakeContact("c2"), queueId: "old", priority: 5 })).toMatchObject({ ok: true });
  });

  it("stays, as created on first use, while a served flow names it", () => {
    const h = harness(config);
    expect(h.center.reconfigure(without({ usedQueues: new Set(["old"]) }))).toContainEqual(
      "queue old → no longer in the environment, but a served flow names it: it stays, as a queue created on first use (as a restart would make it)",
    );
    expect(h.center.listQueues().find((q) => q.id === "old")).toMatchObject({ auto: true });
  });
});

describe("the center settings the center holds, changed in the file", () => {
  it("apply to what happens from then on", async () => {
    const h = harness(config);
    const settings = centerSettingsSchema.parse({ ringTimeoutSeconds: 20, declineState: "Available", autoCreateQueues: false, ewtLookbackMinutes: 30, wrapUpSeconds: 5 });
    const lines = h.center.reconfigure(without({ settings }));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^center\.ringTimeoutSeconds → 20/), expect.stringMatching(/^center\.wrapUpSeconds → 5/), "center.declineState → Available", "center.autoCreateQueues → false", "center.ewtLookbackMinutes → 30"]));
    h.center.queueContact({ contact: new FakeContact("c1"), queueId: "main", priority: 5 });
    h.center.login("ana", { available: true });
    await h.settle();
    expect(h.center.ringingOffer("ana")).toMatchObject({ interactionId: "c1", ringTimeoutMs: 20_000 });
    expect(h.center.queueContact({ contact: new FakeContact("c2"), queueId: "nowhere", priority: 5 })).toMatchObject({ ok: false, code: "QUEUE_NOT_FOUND" });
  });
});
