/**
 * A caller's number changing during the call, through the API: an operator desk passes the call
 * on with the caller's real number (POST /api/calls/{id}/ani), the flow's AniUpdated event flow
 * runs with the previous and the new number, and NewPhoneContact.ANI and the call's summary
 * follow. A number no carrier delivers is refused, as at dial-in. Real HTTP on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { eventually, startTestServer, type Loose, type TestServer } from "./helpers.js";

const operatorDesk = buildFlow({
  name: "Operator_Desk",
  variables: [{ name: "Log", value: "" }],
  main: [
    { name: "Welcome", type: "play-message", props: tts("Please hold while we find the right person.") },
    { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30" } },
  ],
  links: [
    ["Welcome", "default", "Hold"],
    ["Hold", "default", "Hold"],
  ],
  events: {
    ContactAniUpdated: {
      nodes: [
        { name: "LogAni", type: "set-variable", props: { srcVariable: "Log", srcVariableType: "STRING", expr: "{{Log}}{{AniUpdated.previousANI}}>{{AniUpdated.ANI}}={{NewPhoneContact.ANI}};" } },
        { name: "EndAni", type: "end" },
      ],
      links: [
        ["ContactAniUpdated", "out", "LogAni"],
        ["LogAni", "out", "EndAni"],
      ],
    },
  },
});

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ flows: [{ id: "desk", definition: operatorDesk }] });
});

afterAll(async () => {
  await t?.close();
});

describe("the caller's number changing during a call", () => {
  it("runs AniUpdated with the previous and the new number; NewPhoneContact.ANI and the call's summary follow", async () => {
    const placed = await t.call("POST", "/api/calls", { ani: "+15550100" });
    const id: string = placed.body.interactionId;
    const changed = await t.call("POST", `/api/calls/${id}/ani`, { ani: "+14085550147" });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ interactionId: id, ani: "+14085550147", previousAni: "+15550100", updated: true });

    const trace = await eventually(async () => {
      const body: Loose = (await t.call("GET", `/api/contacts/${id}`)).body;
      return body.variables.Log ? body : undefined;
    }, "the AniUpdated event flow to run");
    expect(trace.variables.Log).toBe("+15550100>+14085550147=+14085550147;");
    expect(trace.events.filter((e: Loose) => e.type === "event").map((e: Loose) => e.name)).toEqual(["ContactAniUpdated"]);
    expect((await t.call("GET", `/api/calls/${id}`)).body.ani).toBe("+14085550147");

    // The same number again changes nothing and runs nothing.
    const same = await t.call("POST", `/api/calls/${id}/ani`, { ani: "+14085550147" });
    expect(same.body).toMatchObject({ updated: false, previousAni: "+14085550147" });

    const refused = await t.call("POST", `/api/calls/${id}/ani`, { ani: "1') or contains(fullname,'" });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain("is not a number a carrier delivers");

    await t.call("POST", `/api/calls/${id}/hangup`);
    await eventually(async () => ((await t.call("GET", `/api/calls/${id}`)).body.state === "ended" ? true : undefined), "the call to end");
    const late = await t.call("POST", `/api/calls/${id}/ani`, { ani: "+14085550148" });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("CALL_ENDED");
    const final: Loose = (await t.call("GET", `/api/contacts/${id}`)).body;
    expect(final.variables.Log).toBe("+15550100>+14085550147=+14085550147;");
  });

  it("answers 404 for a call that is not there", async () => {
    const r = await t.call("POST", "/api/calls/nope/ani", { ani: "+14085550147" });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("CALL_NOT_FOUND");
  });
});
