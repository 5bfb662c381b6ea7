/**
 * The KPI arithmetic against intervals worked out by hand. Times are seconds after 10:00:00 UTC
 * on 2026-12-07; the service-level threshold is 20 s.
 *
 * Queue contacts of 10:00-10:15:
 *   a  queued 0    answered 10 (wait 10, within) talk to 130, wrap to 160  -> handle 160-10 = 150
 *   b  queued 60   answered 90 (wait 30, late)   talk to 150, wrap not done -> handle 60
 *   c  queued 120  abandoned at 170
 *   d  queued 300  answered 320 (wait 20, within: the threshold counts)  still talking
 *   e  queued 600  still waiting
 * and 10:15-10:30:
 *   f  queued 900  answered 905 (wait 5) talk to 965, wrap to 975 -> handle 70
 *   g  queued 1000 abandoned at 1002
 *
 * 10:00-10:15: offered 5, answered 3 (a, b, d), abandoned 1 (c); within 20 s: a, d = 2
 *   service level 2 / (3 + 1) = 0.5; ASA (10 + 30 + 20) / 3 = 20 s; abandon rate 1/4;
 *   AHT over ended answered contacts (a, b) = (150 + 60) / 2 = 105 s.
 * 10:15-10:30: offered 2, answered 1, abandoned 1; SL 1/2; ASA 5 s; abandon 1/2; AHT 70 s.
 * The hour 10:00-11:00: offered 7, answered 4, abandoned 2, within 3; SL 3/6 = 0.5;
 *   ASA (10+30+20+5)/4 = 16.25 s; abandon 2/6; AHT (150+60+70)/3 = 93.33 s.
 */
import { describe, expect, it } from "vitest";
import { handleTime, intervalFigures, intervalSeries, intervalStart, occupancy, type ContactRecord } from "../../src/center/kpi.js";

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const s = (sec: number) => T0 + sec * 1000;
const Q = "care";
const records: ContactRecord[] = [
  { interactionId: "a", queueId: Q, queuedAt: s(0), answeredAt: s(10), endedAt: s(130), wrapEndAt: s(160) },
  { interactionId: "b", queueId: Q, queuedAt: s(60), answeredAt: s(90), endedAt: s(150) },
  { interactionId: "c", queueId: Q, queuedAt: s(120), abandonedAt: s(170) },
  { interactionId: "d", queueId: Q, queuedAt: s(300), answeredAt: s(320) },
  { interactionId: "e", queueId: Q, queuedAt: s(600) },
  { interactionId: "f", queueId: Q, queuedAt: s(900), answeredAt: s(905), endedAt: s(965), wrapEndAt: s(975) },
  { interactionId: "g", queueId: Q, queuedAt: s(1000), abandonedAt: s(1002) },
];
const FIFTEEN = 15 * 60_000;
const HOUR = 60 * 60_000;

describe("interval figures", () => {
  it("a transferred contact's handle time is every leg's talk and wrap-up, once the last leg ended", () => {
    // h: queued 0, Ana answers at 10, transfers at 70 (talk 60) and wraps up until 80 (10);
    // Ben answers at 75, talks until 175 (100), wraps up until 190 (15): handle 60+10+100+15 = 185 s.
    const h: ContactRecord = {
      interactionId: "h",
      queueId: Q,
      queuedAt: s(0),
      answeredAt: s(10),
      agentId: "ana",
      legs: [
        { agentId: "ana", answeredAt: s(10), endedAt: s(70), wrapEndAt: s(80) },
        { agentId: "ben", answeredAt: s(75), endedAt: s(175), wrapEndAt: s(190) },
      ],
    };
    expect(handleTime(h)).toBe(185_000);
    expect(intervalFigures([h], s(0), s(900), 20_000)).toMatchObject({ answered: 1, asaMs: 10_000, ahtMs: 185_000 });
    // While Ben still talks, the contact is not counted yet (not as Ana's 70 s).
    const talking: ContactRecord = { ...h, legs: [h.legs![0]!, { agentId: "ben", answeredAt: s(75) }] };
    expect(handleTime(talking)).toBeUndefined();
    expect(intervalFigures([talking], s(0), s(900), 20_000).ahtMs).toBeNull();
    // With a's 150 s from the table above: (150 + 185) / 2.
    expect(intervalFigures([records[0]!, h], s(0), s(900), 20_000).ahtMs).toBe(167_500);
  });

  it("a consulted agent's consult is their own handle time, beside the asking agent's talk over the same minutes", () => {
    // c: Ana answers at 10 and consults Ben from 40; at 70 she transfers to him (Ana talk 60, wrap
    // until 80: 70 s); Ben's consult 40-70 (30 s, no wrap-up); Ben talks 70-130 and wraps up
    // until 140 (70 s): handle 70 + 30 + 70 = 170 s.
    const c: ContactRecord = {
      interactionId: "c",
      queueId: Q,
      queuedAt: s(0),
      answeredAt: s(10),
      agentId: "ana",
      legs: [
        { agentId: "ana", answeredAt: s(10), endedAt: s(70), wrapEndAt: s(80) },
        { agentId: "ben", consult: true, answeredAt: s(40), endedAt: s(70), wrapEndAt: s(70) },
        { agentId: "ben", answeredAt: s(70), endedAt: s(130), wrapEndAt: s(140) },
      ],
    };
    expect(handleTime(c)).toBe(170_000);
    // Still consulting: not counted yet.
    expect(handleTime({ ...c, legs: [{ ...c.legs![0]!, endedAt: undefined, wrapEndAt: undefined }, { agentId: "ben", consult: true, answeredAt: s(40) }] })).toBeUndefined();
  });


  it("10:00-10:15 as worked out by hand", () => {
    expect(intervalFigures(records, s(0), s(900), 20_000)).toEqual({
      from: s(0),
      to: s(900),
      offered: 5,
      answered: 3,
      abandoned: 1,
      answeredWithinThreshold: 2,
      serviceLevel: 0.5,
      asaMs: 20_000,
      abandonRate: 0.25,
      ahtMs: 105_000,
    });
  });

  it("15-minute series and the hour", () => {
    const [first, second, third] = intervalSeries(records, T0, T0 + 3 * FIFTEEN, FIFTEEN, 20_000);
    expect(first).toMatchObject({ offered: 5, answered: 3, abandoned: 1 });
    expect(second).toMatchObject({ offered: 2, answered: 1, abandoned: 1, serviceLevel: 0.5, asaMs: 5_000, abandonRate: 0.5, ahtMs: 70_000 });
    expect(third).toMatchObject({ offered: 0, answered: 0, abandoned: 0, serviceLevel: null, asaMs: null, abandonRate: null, ahtMs: null });
    const hour = intervalFigures(records, T0, T0 + HOUR, 20_000);
    expect(hour).toMatchObject({ offered: 7, answered: 4, abandoned: 2, answeredWithinThreshold: 3, serviceLevel: 0.5, asaMs: 16_250 });
    expect(hour.abandonRate).toBeCloseTo(2 / 6, 10);
    expect(hour.ahtMs).toBeCloseTo(280_000 / 3, 6);
  });

  it("a tighter threshold changes only the service level", () => {
    const f = intervalFigures(records, s(0), s(900), 10_000);
    expect(f.answeredWithinThreshold).toBe(1);
    expect(f.serviceLevel).toBe(0.25);
    expect(f.asaMs).toBe(20_000);
  });

  it("aligns intervals to the clock (UTC) and refuses a zero size", () => {
    expect(intervalStart(s(1000), FIFTEEN)).toBe(s(900));
    expect(intervalStart(s(1000), HOUR)).toBe(T0);
    expect(intervalStart(s(1000), 24 * HOUR)).toBe(Date.UTC(2026, 11, 7));
    expect(() => intervalSeries(records, T0, T0 + HOUR, 0, 20_000)).toThrow(RangeError);
  });
});

describe("occupancy", () => {
  it("is busy agents over agents who could take a call", () => {
    expect(occupancy({ Available: 1, Idle: 4, Reserved: 1, Engaged: 2, WrapUp: 0, LoggedOut: 3 })).toBe(0.75);
    expect(occupancy({ Available: 0, Idle: 2, Reserved: 0, Engaged: 0, WrapUp: 0, LoggedOut: 0 })).toBeNull();
  });
});
