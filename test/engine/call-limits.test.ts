/**
 * The call-length limit (EngineLimits.maxCallMs), timed by one clock timer for all of an engine's
 * contacts (time/due-queue.ts). Told from the callers' side: each caller left on hold ends at
 * its own limit, counted from when its call started, whoever else started or ended meanwhile; a
 * caller who hangs up first is not ended again; and nothing is left on the clock once all are done.
 */
import { describe, expect, it } from "vitest";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import { Engine } from "../../src/engine/engine.js";
import type { Interaction } from "../../src/engine/interaction.js";
import { VirtualClock } from "../../src/time/clock.js";
import { buildFlow } from "../helpers/flow-builder.js";
import { FakeCenter, FakeHttp, Recorder } from "../helpers/fakes.js";

/** Hold music for ever: a minute of music looping on itself. */
const onHold = buildFlow({
  main: [{ name: "Music", type: "play-music", props: { prompt: "hold.wav", duration: 60 } }],
  links: [["Music", "default", "Music"]],
});

const LIMIT_MS = 10 * 60_000;

function engineOn(clock: VirtualClock) {
  return new Engine({ http: new FakeHttp(() => ({ status: 200, body: {} })), center: new FakeCenter(), clock, limits: { maxCallMs: LIMIT_MS } });
}

/** How a call ended and when (virtual ms after t0). */
function ending(clock: VirtualClock, call: Interaction, t0: number): Promise<string> {
  return call.done.then((e) => `${e.reason}@${clock.now() - t0}`);
}

describe("the call-length limit", () => {
  it("ends each caller on hold at its own limit, counted from its own start", async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const engine = engineOn(clock);
    const t0 = clock.now();
    const recorders: Recorder[] = [];
    const ends: Array<Promise<string>> = [];
    // Four callers, 90 s apart; the second hangs up after five minutes.
    const calls: Interaction[] = [];
    for (let i = 0; i < 4; i++) {
      const rec = new Recorder();
      recorders.push(rec);
      const call = engine.startCall(onHold, { ani: `+1480555010${i}`, channel: new ScriptedCaller(clock), listener: rec.listener });
      calls.push(call);
      ends.push(ending(clock, call, t0));
      await clock.advance(90_000);
    }
    await clock.advance(5 * 60_000 + 90_000 - 4 * 90_000);
    calls[1]!.hangup();
    await calls[1]!.done;
    await clock.advance(LIMIT_MS);
    expect(await Promise.all(ends)).toEqual([`max-duration@${LIMIT_MS}`, "caller-hangup@390000", `max-duration@${LIMIT_MS + 180_000}`, `max-duration@${LIMIT_MS + 270_000}`]);
    expect(recorders[0]!.of("error").map((e) => e.message)).toEqual(["the call reached the 600 s limit"]);
    expect(recorders[1]!.of("error")).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("times the callers who start after the others have all ended afresh", async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const engine = engineOn(clock);
    const t0 = clock.now();
    const first = engine.startCall(onHold, { ani: "+14805550100", channel: new ScriptedCaller(clock) });
    const firstEnd = ending(clock, first, t0);
    await clock.advance(1000);
    first.hangup();
    expect(await firstEnd).toBe("caller-hangup@1000");
    await clock.advance(1000);
    expect(clock.pendingTimers()).toBe(0);
    const second = engine.startCall(onHold, { ani: "+14805550101", channel: new ScriptedCaller(clock) });
    const secondEnd = ending(clock, second, t0);
    await clock.advance(LIMIT_MS);
    expect(await secondEnd).toBe(`max-duration@${LIMIT_MS + 2000}`);
    expect(clock.pendingTimers()).toBe(0);
  });
});
