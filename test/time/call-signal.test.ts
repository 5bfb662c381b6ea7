/**
 * A contact's abort signal is a CallSignal, not an AbortController's: whatever an activity, a
 * channel or a library does with `ctx.signal` must behave as with a real AbortSignal.
 */
import { once, EventEmitter } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { whenAborted } from "../../src/time/abort.js";
import { CallSignal, toAbortSignal } from "../../src/time/call-signal.js";
import { VirtualClock } from "../../src/time/clock.js";

describe("CallSignal", () => {
  it("tells listeners once, with the reason, and throwIfAborted throws it", () => {
    const call = new CallSignal();
    const signal = call.asAbortSignal();
    const heard: unknown[] = [];
    const listener = () => heard.push(signal.reason);
    signal.addEventListener("abort", listener, { once: true });
    signal.addEventListener("abort", listener); // the same listener is added once only
    signal.onabort = () => heard.push("onabort");
    expect(() => signal.throwIfAborted()).not.toThrow();

    const reason = new Error("answered");
    call.abort(reason);
    call.abort(new Error("again"));

    expect(signal.aborted).toBe(true);
    expect(heard).toEqual(["onabort", reason]);
    expect(() => signal.throwIfAborted()).toThrow(reason);
  });

  it("forgets a removed listener and one whose options.signal aborted", () => {
    const call = new CallSignal();
    const heard: string[] = [];
    const a = () => heard.push("a");
    const b = () => heard.push("b");
    const stop = new AbortController();
    call.addEventListener("abort", a);
    call.addEventListener("abort", b, { signal: stop.signal });
    call.removeEventListener("abort", a);
    stop.abort();
    call.abort("gone");
    expect(heard).toEqual([]);
  });

  it("is taken by Node's timers/promises and events.once as an AbortSignal", async () => {
    const call = new CallSignal();
    const sleeping = delay(60_000, undefined, { signal: call.asAbortSignal() });
    const waiting = once(new EventEmitter(), "never", { signal: call.asAbortSignal() });
    call.abort(new Error("hung up"));
    await expect(sleeping).rejects.toMatchObject({ name: "AbortError" });
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
  });

  it("interrupts a virtual clock's sleep and a whenAborted watcher", async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const call = new CallSignal();
    const watched: string[] = [];
    whenAborted(call.asAbortSignal(), () => watched.push("first"));
    const remove = whenAborted(call.asAbortSignal(), () => watched.push("removed"));
    remove();
    const sleep = clock.sleep(30_000, call.asAbortSignal());
    const reason = new Error("agent answered");
    call.abort(reason);
    await expect(sleep).rejects.toBe(reason);
    expect(watched).toEqual(["first"]);
    expect(clock.pendingTimers()).toBe(0);
    // Aborted already: a new watcher is told at once.
    whenAborted(call.asAbortSignal(), () => watched.push("late"));
    expect(watched).toEqual(["first", "late"]);
  });

  it("converts to a real AbortSignal for AbortSignal.any", () => {
    const call = new CallSignal();
    const any = AbortSignal.any([toAbortSignal(call.asAbortSignal()), new AbortController().signal]);
    call.abort("caller hung up");
    expect(any.aborted).toBe(true);
    expect(any.reason).toBe("caller hung up");
  });
});
