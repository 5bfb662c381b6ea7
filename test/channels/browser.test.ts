/**
 * The browser softphone channel, from the caller's side: prompts last their speaking time (or
 * until the browser says it finished), keys are buffered like type-ahead, an interruptible
 * prompt stops at the first key, and menus and digit collection read the buffer in order.
 */
import { describe, expect, it } from "vitest";
import { BrowserChannel, type ChannelMessage } from "../../src/channels/browser.js";
import { VirtualClock } from "../../src/time/clock.js";

function setup(msPerChar = 10) {
  const clock = new VirtualClock({ autoAdvance: false });
  const sent: ChannelMessage[] = [];
  const channel = new BrowserChannel({ clock, msPerChar, send: (m) => sent.push(m) });
  const signal = new AbortController().signal;
  return { clock, sent, channel, signal };
}

async function settled<T>(p: Promise<T>): Promise<{ done: boolean; value?: T }> {
  let done = false;
  let value: T | undefined;
  void p.then((v) => {
    done = true;
    value = v;
  });
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return { done, value };
}

describe("browser channel prompts", () => {
  it("plays a TTS prompt for its estimated speaking time and tells the browser when it starts and ends", async () => {
    const { clock, sent, channel, signal } = setup(10);
    const playing = channel.play({ text: "Welcome to the demo" }, { signal }); // 19 chars -> 190 ms, floor 400 ms
    expect(sent[0]).toMatchObject({ type: "play", promptId: 1, text: "Welcome to the demo", durationMs: 400, interruptible: false });
    await clock.advance(399);
    expect((await settled(playing)).done).toBe(false);
    await clock.advance(1);
    expect(await playing).toEqual({});
    expect(sent.at(-1)).toEqual({ type: "play-end", promptId: 1, reason: "finished" });
  });

  it("ends a prompt early when the browser says it finished, and ignores a stale id", async () => {
    const { clock, sent, channel, signal } = setup(60);
    const playing = channel.play({ text: "A long prompt that would take several seconds to say" }, { signal });
    channel.promptFinished(99);
    expect((await settled(playing)).done).toBe(false);
    channel.promptFinished(1);
    expect(await playing).toEqual({});
    expect(sent.at(-1)).toMatchObject({ type: "play-end", reason: "finished" });
    expect(clock.now()).toBe(Date.UTC(2026, 0, 5, 14, 0, 0));
  });

  it("waits past the estimate for a browser that speaks, until it says the prompt ended", async () => {
    const { clock, channel, signal, sent } = setup(10);
    channel.speakerJoined();
    const playing = channel.play({ text: "x".repeat(100) }, { signal }); // estimate 1000 ms, cap 7000 ms
    expect(sent[0]).toMatchObject({ durationMs: 7000 });
    await clock.advance(2000);
    expect((await settled(playing)).done).toBe(false);
    channel.promptFinished(1);
    expect(await playing).toEqual({});
  });

  it("plays hold music for its duration and keys do not stop it", async () => {
    const { clock, channel, signal, sent } = setup();
    const playing = channel.play({ file: "hold.wav", music: true, durationMs: 30_000 }, { signal, interruptible: true });
    expect(sent[0]).toMatchObject({ music: true, interruptible: false, durationMs: 30_000 });
    channel.press("5");
    await clock.advance(29_999);
    expect((await settled(playing)).done).toBe(false);
    await clock.advance(1);
    expect(await playing).toEqual({});
    expect(channel.bufferedDigits).toBe("5");
  });

  it("stops an interruptible prompt at the first key (barge-in) and buffers the rest", async () => {
    const { channel, signal, sent } = setup();
    const playing = channel.play({ text: "Press 1 for sales, 2 for support" }, { signal, interruptible: true });
    channel.press("12");
    expect(await playing).toEqual({ bargeIn: "1" });
    expect(sent.at(-1)).toMatchObject({ type: "play-end", reason: "barge-in" });
    expect(channel.bufferedDigits).toBe("2");
  });

  it("buffers keys pressed during a prompt that cannot be interrupted, and a later interruptible prompt yields to them at once", async () => {
    const { clock, channel, signal, sent } = setup();
    const first = channel.play({ text: "Please listen carefully" }, { signal });
    channel.press("9");
    await clock.advance(1000);
    await first;
    expect(channel.bufferedDigits).toBe("9");
    const menu = await channel.play({ text: "Main menu" }, { signal, interruptible: true });
    expect(menu).toEqual({ bargeIn: "9" });
    expect(sent.filter((m) => m.type === "play")).toHaveLength(1);
  });

  it("rejects with the abort reason when the call is interrupted mid-prompt", async () => {
    const { channel, sent } = setup();
    const abort = new AbortController();
    const playing = channel.play({ text: "Hold on" }, { signal: abort.signal });
    abort.abort(new Error("answered"));
    await expect(playing).rejects.toThrow("answered");
    expect(sent.at(-1)).toMatchObject({ type: "play-end", reason: "interrupted" });
    expect(channel.currentPromptId).toBeUndefined();
  });

  it("ignores anything but 0-9, * and #", () => {
    const { channel } = setup();
    expect(channel.press("1a2-#x*")).toBe(4);
    expect(channel.bufferedDigits).toBe("12#*");
  });
});

describe("browser channel digit collection", () => {
  const opts = (signal: AbortSignal, o: Partial<{ maxDigits: number; terminator: string; initial: string; entry: number; inter: number }> = {}) => ({
    signal,
    minDigits: 1,
    maxDigits: o.maxDigits ?? 1,
    terminator: o.terminator,
    entryTimeoutMs: o.entry ?? 5000,
    interDigitTimeoutMs: o.inter ?? 3000,
    initial: o.initial,
  });

  it("takes one key for a menu, including the barge-in key", async () => {
    const { channel, signal } = setup();
    expect(await channel.collect(opts(signal, { initial: "2" }))).toEqual({ digits: "2", timedOut: false, terminated: false });
  });

  it("waits for keys as they are pressed and stops at the terminator", async () => {
    const { clock, channel, signal, sent } = setup();
    const collecting = channel.collect(opts(signal, { maxDigits: 10, terminator: "#" }));
    await clock.advance(1000);
    channel.press("12");
    await clock.advance(500);
    channel.press("34#");
    expect(await collecting).toEqual({ digits: "1234", timedOut: false, terminated: true });
    expect(sent.map((m) => m.type)).toEqual(["collect", "collect-end"]);
  });

  it("stops at max digits and leaves later keys in the buffer", async () => {
    const { channel, signal } = setup();
    channel.press("123456");
    expect(await channel.collect(opts(signal, { maxDigits: 4 }))).toEqual({ digits: "1234", timedOut: false, terminated: false });
    expect(channel.bufferedDigits).toBe("56");
  });

  it("times out when no key comes before the entry timeout", async () => {
    const { clock, channel, signal } = setup();
    const collecting = channel.collect(opts(signal, { entry: 5000 }));
    await clock.advance(4999);
    expect((await settled(collecting)).done).toBe(false);
    await clock.advance(1);
    expect(await collecting).toEqual({ digits: "", timedOut: true, terminated: false });
  });

  it("returns what was entered when the caller pauses longer than the inter-digit timeout", async () => {
    const { clock, channel, signal } = setup();
    const collecting = channel.collect(opts(signal, { maxDigits: 6, inter: 3000 }));
    channel.press("42");
    await Promise.resolve();
    await clock.advance(3000);
    expect(await collecting).toEqual({ digits: "42", timedOut: false, terminated: false });
  });

  it("rejects when the call ends while it waits for keys", async () => {
    const { channel } = setup();
    const abort = new AbortController();
    const collecting = channel.collect(opts(abort.signal));
    abort.abort(new Error("caller-hangup"));
    await expect(collecting).rejects.toThrow("caller-hangup");
  });

  it("tells the browser when the flow hangs up, once", () => {
    const { channel, sent } = setup();
    channel.hangup();
    channel.hangup();
    expect(sent).toEqual([{ type: "hangup", by: "flow" }]);
    expect(channel.flowHungUp).toBe(true);
  });
});
