/**
 * Schedule Callback from the caller's side: a caller picks a day and a window and is told the
 * callback is booked; Webex's rules (a number of 7–15 digits, at most 31 days ahead, starting at
 * least 30 minutes from now, a 30 min – 8 h window, a real time zone and queue) send a caller
 * whose request breaks one down the error port with FailureCode 1 (or 3 for the queue). ccflow
 * keeps no schedule: the booking is an event in the contact's events, with UTC instants.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/activities/index.js";
import { zonedInstant } from "../../src/activities/schedule-callback.js";
import { validateFlow } from "../../src/flow/validate.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { runFlow } from "./helpers/run-flow.js";

/** Tuesday 10 March 2026, 15:00 UTC = 11:00 in New York (daylight time since 8 March). */
const NOW = Date.UTC(2026, 2, 10, 15, 0, 0);

const flow = (values: Record<string, string>, errorPort = "undefinedErrors") =>
  buildFlow({
    variables: Object.entries({ cbDate: "2026-03-11", cbStart: "10:00:00", cbEnd: "12:00:00", cbZone: "America/New_York", ...values }).map(([name, value]) => ({ name, value })),
    main: [
      {
        name: "Book",
        type: "scheduled-callback",
        props: {
          callbackDn: values.number ?? "{{NewPhoneContact.ANI}}",
          callbackQueue: "support",
          "callbackQueue:radioName": "setToValue",
          customerName: "Dana",
          scheduleDate: "{{cbDate}}",
          scheduleStartTime: "{{cbStart}}",
          scheduleEndTime: "{{cbEnd}}",
          scheduleTimezone: "{{cbZone}}",
          "scheduleTimezone:radioName": "setToVariable",
        },
      },
      { name: "Booked", type: "play-message", props: tts("We will call you back") },
      { name: "NotBooked", type: "play-message", props: tts("Sorry: {{Book.FailureCode}} {{Book.FailureDescription}}") },
      { name: "Bye", type: "disconnect-contact" },
    ],
    links: [["Book", "default", "Booked"], ["Book", errorPort, "NotBooked"], ["Booked", "default", "Bye"], ["NotBooked", "default", "Bye"]],
  });

describe("Schedule Callback", () => {
  it("books a callback window for tomorrow morning in the caller's time zone", async () => {
    const { rec, port } = await runFlow(flow({}), { start: NOW, ani: "+12125550147" });
    expect(port("Book")).toBe("default");
    expect(rec.prompts()).toEqual(["We will call you back"]);
    expect(rec.of("activity-result")[0]).toMatchObject({
      kind: "scheduled-callback",
      text: "callback to +12125550147 scheduled 2026-03-11 10:00:00–12:00:00 America/New_York in queue support",
      data: { number: "+12125550147", queue: "support", customerName: "Dana", from: "2026-03-11T14:00:00.000Z", to: "2026-03-11T16:00:00.000Z" },
    });
  });

  it.each([
    ["a window starting in under 30 minutes", { cbDate: "2026-03-10", cbStart: "11:20:00", cbEnd: "13:00:00" }, "1 INVALID_REQUEST: the window must start at least 30 minutes from now"],
    ["a day more than 31 days ahead", { cbDate: "2026-04-20" }, "1 INVALID_REQUEST: 2026-04-20 is not within the next 31 days"],
    ["a window longer than 8 hours", { cbEnd: "19:00:00" }, "1 INVALID_REQUEST: the window 10:00:00–19:00:00 must last from 30 minutes to 8 hours"],
    ["a time zone that does not exist", { cbZone: "Mars/Olympus" }, '1 INVALID_REQUEST: "Mars/Olympus" is not a time zone'],
    ["a date that does not exist", { cbDate: "2026-02-30" }, '1 INVALID_REQUEST: "2026-02-30" "10:00:00" is not a date (YYYY-MM-DD) and a time (HH:mm:ss)'],
    ["a number too short to call back", { number: "12345" }, '1 INVALID_REQUEST: callback number "12345" is not 7–15 digits with country code'],
  ])("refuses %s, down the error port with FailureCode 1", async (_label, values, said) => {
    const { rec, port } = await runFlow(flow(values), { start: NOW });
    expect(port("Book")).toBe("undefinedErrors");
    expect(rec.prompts()).toEqual([`Sorry: ${said}`]);
  });

  it("refuses a queue that does not exist with FailureCode 3, also by a port named error", async () => {
    const { rec, port } = await runFlow(flow({}, "error"), { start: NOW, center: { center: { autoCreateQueues: false } } });
    expect(port("Book")).toBe("error");
    expect(rec.prompts()).toEqual(['Sorry: 3 INVALID_QUEUE: queue "support" does not exist']);
  });

  it("turns a wall-clock time in a zone into the instant, across daylight saving", () => {
    expect(new Date(zonedInstant("2026-01-15", "09:00:00", "America/New_York")!).toISOString()).toBe("2026-01-15T14:00:00.000Z");
    expect(new Date(zonedInstant("2026-07-15", "09:00", "Europe/Paris")!).toISOString()).toBe("2026-07-15T07:00:00.000Z");
    expect(zonedInstant("2026-07-15", "25:00:00", "UTC")).toBeUndefined();
  });

  it("is validated: queue, date, window and time zone are required", () => {
    const bare = buildFlow({ main: [{ name: "Book", type: "scheduled-callback", props: { scheduleTimezone: "Nowhere/Land" } }], links: [] });
    const messages = validateFlow(bare, createRegistry())
      .filter((d) => d.activity?.name === "Book" && d.severity === "error")
      .map((d) => d.message);
    expect(messages).toEqual([
      'Schedule Callback "Book" has no callbackQueue',
      'Schedule Callback "Book" has no scheduleDate',
      'Schedule Callback "Book" has no scheduleStartTime',
      'Schedule Callback "Book" has no scheduleEndTime',
      'Schedule Callback "Book": "Nowhere/Land" is not a time zone',
    ]);
  });
});
