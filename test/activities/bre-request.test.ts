/**
 * BRE Request from the caller's side: the flow asks the rules engine about the caller (context and
 * ANI as query parameters), maps the answer into variables and routes on it, as Cisco's
 * BRE_ANI_AreaCode template does. The export names no URL — Webex's engine is Cisco's — so the
 * environment's `activities.breUrl` says where to ask; without it the call goes to OnGlobalError
 * with a message that says so.
 */
import { describe, expect, it } from "vitest";
import { ScriptedCaller } from "../../src/channels/scripted.js";
import { createHttpGateway } from "../../src/connectors/gateway.js";
import { VirtualClock } from "../../src/time/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { activityScriptsSchema } from "../../src/environment/activity-scripts.js";
import { ContactCenter } from "../../src/center/contact-center.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";
import { Recorder } from "../helpers/fakes.js";

const flow = buildFlow({
  variables: [{ name: "breContext", value: "areacode" }, { name: "lookupKey", value: "" }, { name: "lookupValue", value: "NotFound" }, { name: "responseBody", value: "" }],
  main: [
    { name: "Key", type: "set-variable", props: { srcVariable: "lookupKey", setTo: "set-to-literal", literal: "{{NewPhoneContact.ANI | urlencode}}" } },
    {
      name: "BRERequest_6vy",
      type: "bre-request",
      props: { httpQueryParameters: { context: "{{ breContext }}", ani: "{{ lookupKey }}" }, outputVariableArray: [{ outputVariable: "lookupValue", jsonPathExp: "$.customerType" }], httpResponseTimeout: "5000", retryAttempts: "3" },
    },
    { name: "Log", type: "set-variable", props: { srcVariable: "responseBody", setTo: "set-to-literal", literal: "{{BRERequest_6vy.httpResponseBody}}" } },
    { name: "Say", type: "play-message", props: tts("Customer type {{ lookupValue.split(\"\\|\") | first }}, queue {{ lookupValue.split(\"\\|\") | last }}.") },
  ],
  links: [
    ["Key", "out", "BRERequest_6vy"],
    ["BRERequest_6vy", "default", "Log"],
    ["Log", "out", "Say"],
  ],
});

async function call(breUrl: string | undefined) {
  const clock = new VirtualClock();
  const seen: string[] = [];
  const http = createHttpGateway({ connectors: [], clock, fixtures: (req) => (seen.push(req.url), { status: 200, body: { customerType: "Gold|Q-Priority" } }) });
  const engine = new Engine({ http, center: new ContactCenter({ clock, config: {} }), clock, env: { scripts: activityScriptsSchema.parse(breUrl ? { breUrl } : {}) } });
  const rec = new Recorder();
  await engine.startCall(flow, { ani: "+14085550100", channel: new ScriptedCaller(clock, ""), listener: rec.listener }).done;
  await http.close();
  return { rec, seen };
}

describe("BRE Request", () => {
  it("asks the rules engine about the caller and routes on the mapped answer", async () => {
    const { rec, seen } = await call("https://bre.example.test/v1/lookup");
    // The ANI the flow URL-encoded is encoded once.
    expect(seen).toEqual(["https://bre.example.test/v1/lookup?context=areacode&ani=%2B14085550100"]);
    expect(rec.of("variable").find((v) => v.name === "lookupValue")!.value).toBe("Gold|Q-Priority");
    expect(rec.prompts()).toEqual(["Customer type Gold, queue Q-Priority."]);
    expect(rec.of("activity-result")[0]).toMatchObject({ kind: "bre", text: "rules engine answered 200" });
  });

  it("without a rules engine configured, goes to OnGlobalError saying where to set one", async () => {
    const { rec, seen } = await call(undefined);
    expect(seen).toEqual([]);
    expect(rec.of("error")[0]!.message).toBe("BRERequest_6vy: no Business Rules Engine to ask: Webex's is Cisco's own; set activities.breUrl in the environment");
  });
});
