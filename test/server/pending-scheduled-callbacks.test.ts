/**
 * A scheduled callback survives a restart and keeps its window: booked for 10:00–11:00 by a caller
 * at 08:00, kept in the data directory when the server stops, and after a start at 08:30 it is
 * placed in its queue at 10:00, not before. Left unanswered, its window closes at 11:00 and the
 * flow's CallbackFailed runs with SCHEDULE_EXPIRED; nothing is pending any more. The server's
 * parts as `serve` wires them (runtime, call registry, SQLite store), on a virtual clock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Runtime } from "../../src/runtime/runtime.js";
import { CallRegistry } from "../../src/server/calls.js";
import { FlowCatalog } from "../../src/server/flows.js";
import { PendingCallbackStore, recordPendingCallbacks, restorePendingCallbacks } from "../../src/server/pending-callbacks.js";
import { VirtualClock } from "../../src/time/clock.js";
import { buildFlow } from "../helpers/flow-builder.js";
import { environment } from "./helpers.js";

const scheduled = buildFlow({
  name: "Scheduled_Line",
  variables: [{ name: "Log", value: "" }],
  main: [
    {
      name: "Book",
      type: "scheduled-callback",
      props: { callbackQueue: "Q-Cb", scheduleDate: "2026-03-10", scheduleStartTime: "10:00:00", scheduleEndTime: "11:00:00", scheduleTimezone: "UTC" },
    },
    { name: "Hangup", type: "disconnect-contact" },
  ],
  links: [["Book", "default", "Hangup"]],
  events: {
    ContactCallbackFailed: {
      nodes: [
        { name: "LogFailed", type: "set-variable", props: { srcVariable: "Log", srcVariableType: "STRING", expr: "{{Log}}failed {{CallbackFailed.reason}};" } },
        { name: "EndFailed", type: "end" },
      ],
      links: [
        ["ContactCallbackFailed", "out", "LogFailed"],
        ["LogFailed", "out", "EndFailed"],
      ],
    },
  },
});

const dataDir = mkdtempSync(join(tmpdir(), "ccflow-scheduled-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** One server's worth of parts on `clock`, writing to the shared data directory. */
function serverParts(clock: VirtualClock) {
  const runtime = new Runtime({ environment: environment({ queues: [{ id: "Q-Cb", name: "Callbacks" }] }), flows: [scheduled], clock });
  const store = PendingCallbackStore.inDataDir(dataDir);
  const calls = new CallRegistry({ runtime, clock, onCallbacksChanged: recordPendingCallbacks(store, () => clock.now(), () => undefined) });
  const flows = new FlowCatalog([{ id: "scheduled", name: "Scheduled_Line", source: "given", definition: scheduled }]);
  return { runtime, store, calls, flows };
}

const at = (iso: string) => Date.parse(iso);

/** Lets the flow's promise chains run (the virtual clock moves only when told). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("a scheduled callback across a restart", () => {
  it("is re-armed for its window: placed at 10:00 after a start at 08:30, failed at 11:00 when nobody took it", async () => {
    const before = new VirtualClock({ start: at("2026-03-10T08:00:00Z"), autoAdvance: false });
    const first = serverParts(before);
    const session = first.calls.place(first.flows.list()[0]!, "+15550006001", "+18005550100");
    await before.advance(1000);
    await settle();
    expect(first.store.list()).toEqual([
      expect.objectContaining({ interactionId: session.interactionId, callbacks: [{ number: "+15550006001", queueId: "Q-Cb", from: at("2026-03-10T10:00:00Z"), until: at("2026-03-10T11:00:00Z") }] }),
    ]);
    // The server stops: it stops writing first, then its contacts end.
    first.store.suspend();
    first.runtime.center.shutdown("shutdown");
    await before.advance(1000);
    await settle();
    first.store.close();
    first.runtime.close();

    const after = new VirtualClock({ start: at("2026-03-10T08:30:00Z"), autoAdvance: false });
    const second = serverParts(after);
    expect(restorePendingCallbacks(second.store, second.calls, second.flows, () => undefined)).toBe(1);
    const restored = second.calls.get(session.interactionId)!;
    await after.advance(60_000);
    await settle();
    expect(second.runtime.center.listCallbacks()).toEqual([]);

    await after.advance(at("2026-03-10T10:00:00Z") - after.now());
    await settle();
    expect(second.runtime.center.listCallbacks()).toEqual([expect.objectContaining({ number: "+15550006001", queueId: "Q-Cb", state: "waiting" })]);

    await after.advance(at("2026-03-10T11:00:00Z") - after.now());
    await after.advance(1000);
    await settle();
    expect(restored.interaction.variables.get("Log")).toBe("failed SCHEDULE_EXPIRED;");
    expect(restored.summary()).toMatchObject({ state: "ended", endReason: "callback-failed" });
    expect(second.runtime.center.listCallbacks()[0]!.state).toBe("failed");
    expect(second.store.list()).toEqual([]);
    second.store.close();
    second.runtime.close();
  });
});
