/**
 * A carrier learns who is really calling while the call is on (an operator's switch passed it on)
 * and says so in the dialog, with SIPp as the carrier's side: a re-INVITE with a new
 * P-Asserted-Identity (RFC 3325) runs the flow's AniUpdated event flow with `ANI` and
 * `previousANI`, as POST /api/calls/{id}/ani does, and NewPhoneContact.ANI and the call follow; an
 * UPDATE whose P-Asserted-Identity is no phone number (an injection attempt) is answered but not
 * taken, with a log line, and raises nothing; an UPDATE whose From URI names another number, its
 * tag the same (RFC 4916), is taken. The call stays up throughout and the caller's BYE ends it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallSession } from "../../../src/server/calls.js";
import { buildFlow } from "../../helpers/flow-builder.js";
import { eventually, startTestServer, type Loose, type TestServer } from "../../server/helpers.js";
import { cue, hasSipp, RtpRecorder, runSipp } from "./helpers.js";

const operatorLine = buildFlow({
  name: "Operator_Line",
  variables: [{ name: "Log", value: "" }],
  main: [{ name: "Hold", type: "play-music", props: { prompt: "defaultmusic_on_hold.wav", duration: "60" } }],
  links: [["Hold", "default", "Hold"]],
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

describe.skipIf(!hasSipp)("a SIP caller's number changing in the dialog (re-INVITE and UPDATE, SIPp)", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ flows: [{ id: "operator", definition: operatorLine }], extra: { sipPort: 0 } });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  const target = () => `127.0.0.1:${new URL(t.server.context.urls.sip!.replace(/^sip:/, "sip://")).port}`;
  const log = async (id: string): Promise<string> => ((await t.call("GET", `/api/contacts/${id}`)).body as Loose).variables.Log;

  it("runs AniUpdated for a new P-Asserted-Identity and a changed From, and ignores a hostile one", async () => {
    const ear = await RtpRecorder.open();
    const since = Date.now();
    const sipp = await runSipp("caller-number-changes.xml", { target: target(), dnis: "+18005550100", ani: "+14806754110", rtpPort: ear.port });
    try {
      const session: CallSession = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
      const id = session.interactionId;
      const call = await eventually(() => t.server.context.sip?.calls[0], "the SIP call");
      expect((await t.call("GET", `/api/calls/${id}`)).body.ani).toBe("+14806754110");

      // The re-INVITE's P-Asserted-Identity: the flow hears of it, the call follows.
      await cue(call.callId, sipp.sipPort);
      expect(await eventually(async () => (await log(id)) || undefined, "AniUpdated to run")).toBe("+14806754110>+14155550123=+14155550123;");
      expect((await t.call("GET", `/api/calls/${id}`)).body.ani).toBe("+14155550123");

      // The UPDATE asserting no phone number: answered (SIPp needs its 200), logged, not raised.
      await cue(call.callId, sipp.sipPort);
      const refusal = await eventually(() => t.logs.find((l) => l.includes("new caller id ignored")), "the refusal in the log");
      expect(refusal).toMatch(/^warn: call .* UPDATE's new caller id ignored: P-Asserted-Identity: caller id "1'\) or contains\(fullname,'" is not a number a carrier delivers/);

      // The UPDATE whose From names another number (RFC 4916): raised, from the number before.
      await cue(call.callId, sipp.sipPort);
      expect(await eventually(async () => ((await log(id)).split(";").length > 2 ? log(id) : undefined), "AniUpdated to run again")).toBe(
        "+14806754110>+14155550123=+14155550123;+14155550123>+14155550199=+14155550199;",
      );
      expect(session.ended).toBe(false);

      await cue(call.callId, sipp.sipPort);
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      await eventually(() => session.ended || undefined, "the call ended by the caller's BYE");
      const contact: Loose = (await t.call("GET", `/api/contacts/${id}`)).body;
      expect(contact.events.filter((e: Loose) => e.type === "event").map((e: Loose) => e.name)).toEqual(["ContactAniUpdated", "ContactAniUpdated"]);
      const changes = t.logs.filter((l) => l.includes("changes the caller's number")).map((l) => l.replace(/^.*: /, ""));
      expect(changes).toEqual(["INVITE's P-Asserted-Identity changes the caller's number from +14806754110 to +14155550123", "UPDATE's From changes the caller's number from +14155550123 to +14155550199"]);
    } finally {
      sipp.kill();
      ear.close();
    }
  }, 120_000);
});
