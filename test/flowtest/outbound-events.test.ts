/**
 * The event flows around outbound legs, from a flow author's side: a caller asks for a courtesy
 * callback and hangs up; the agent takes it, the customer is dialled (PreDial for each leg), and
 * when the customer does not answer CallbackFailed runs and may try again. A scheduled callback is
 * placed when its window opens, and fails when it closes unanswered. An outbound campaign call
 * runs OutboundCampaignCallResult; a transfer to a number runs PreDial; a caller whose number
 * changes runs ContactAniUpdated.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSuite } from "../../src/flowtest/suite.js";
import { exportOf, tts, type FlowSpec, type NodeSpec } from "../helpers/flow-builder.js";

/** A handler that appends `text` to the STRING variable `Log`, then ends. */
function logs(spec: string, text: string, then: { nodes: NodeSpec[]; links: Array<[string, string, string]> } = { nodes: [], links: [] }) {
  const first = then.nodes[0]?.name;
  return {
    nodes: [{ name: `Log${spec}`, type: "set-variable", props: { srcVariable: "Log", srcVariableType: "STRING", expr: `{{Log}}${text};` } }, ...then.nodes, ...(first ? [] : [{ name: `End${spec}`, type: "end" }])],
    links: [[spec, "out", `Log${spec}`], [`Log${spec}`, "out", first ?? `End${spec}`], ...then.links] as Array<[string, string, string]>,
  };
}

const PREDIAL = logs("ContactPredial", "{{PreDial.OperationType}}/{{PreDial.ParticipantType}}{{PreDial.dialNumber}}");

/** Press 1 for a callback: registered, then the flow says goodbye and hangs up. */
const CALLBACK: FlowSpec = {
  name: "CallbackOffer",
  variables: [
    { name: "Log", value: "" },
    { name: "AltNumber", value: "+15550009" },
  ],
  main: [
    { name: "Cb", type: "callback", props: { callbackDn: "{{NewPhoneContact.ANI}}", callbackQueue: "Support" } },
    { name: "Bye", type: "play-message", props: tts("We will call you back.") },
    { name: "Hangup", type: "disconnect-contact" },
  ],
  links: [
    ["Cb", "default", "Bye"],
    ["Bye", "default", "Hangup"],
  ],
  events: {
    ContactPredial: PREDIAL,
    AgentContactAssigned: logs("AgentContactAssigned", "answered by {{AgentAnswered.AgentName}}"),
    // Webex's retry pattern: another callback, here to the customer's other number.
    ContactCallbackFailed: logs("ContactCallbackFailed", "failed {{CallbackFailed.reason}}", {
      nodes: [
        { name: "Retry", type: "condition-activity", props: { expression: '{{ CallbackFailed.reason == "AMD" }}' } },
        { name: "CbAgain", type: "callback", props: { callbackDn: "{{AltNumber}}", callbackQueue: "Support" } },
        { name: "RetryEnd", type: "end" },
        { name: "GiveUp", type: "disconnect-contact" },
      ],
      links: [
        ["Retry", "true", "CbAgain"],
        ["Retry", "false", "GiveUp"],
        ["CbAgain", "default", "RetryEnd"],
      ],
    }),
  },
};

async function one(text: string, flow: FlowSpec) {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-outbound-"));
  writeFileSync(join(dir, "flow.json"), JSON.stringify(exportOf(flow)));
  writeFileSync(join(dir, "s.scenario.yaml"), `flow: flow.json\n${text}`);
  const suite = await runSuite({ paths: [dir] });
  expect(suite.problems).toEqual([]);
  const r = suite.results[0]!;
  expect(r.problems).toEqual([]);
  return r;
}

describe("a courtesy callback", () => {
  it("is offered to an agent (at once: one is free) and dials the customer once the caller has hung up, PreDial running for the agent's leg and then the customer's", async () => {
    const r = await one(
      `name: callback answered
caller: { ani: "+15550001" }
agent: { answerAfterSeconds: 3, talkSeconds: 30 }
expect:
  events: [callback, offered, disconnected, answered, ended]
  variables: { Log: "COURTESY_CALLBACK/Agent;COURTESY_CALLBACK/Customer+15550001;answered by Ana Agent;" }
  endReason: agent-ended
`,
      CALLBACK,
    );
    expect(r.failures).toEqual([]);
  });

  it("that reaches an answering machine runs CallbackFailed with reason AMD; its handler's second callback is answered", async () => {
    const r = await one(
      `name: answering machine, then the other number
caller: { ani: "+15550001" }
environment:
  activities:
    callbackDials:
      - { number: "+15550001", outcome: amd, ringSeconds: 8 }
agent: { answerAfterSeconds: 3, talkSeconds: 30, wrapUpSeconds: 5 }
expect:
  events: [callback, offered, disconnected, callback, callback, offered, answered, ended]
  variables:
    Log: "COURTESY_CALLBACK/Agent;COURTESY_CALLBACK/Customer+15550001;failed AMD;COURTESY_CALLBACK/Agent;COURTESY_CALLBACK/Customer+15550009;answered by Ana Agent;"
  endReason: agent-ended
`,
      CALLBACK,
    );
    expect(r.failures).toEqual([]);
    const failed = r.events.find((e) => e.type === "callback" && e.state === "failed");
    expect(failed).toMatchObject({ number: "+15550001", reason: "AMD" });
  });

  it("whose customer never answers ends when the CallbackFailed handler gives up", async () => {
    const r = await one(
      `name: no answer
caller: { ani: "+15550001" }
environment:
  activities:
    callbackDials: [{ number: "*", outcome: no-answer, ringSeconds: 12 }]
expect:
  events: [callback, offered, disconnected, callback, ended]
  variables: { Log: { contains: "failed NO_ANSWER;" } }
  endReason: disconnected
  never: [{ event: answered }]
`,
      CALLBACK,
    );
    expect(r.failures).toEqual([]);
  });
});

describe("a courtesy callback its agent does not take", () => {
  it("declined by the agent runs CallbackFailed (reason AGENT_DECLINED) instead of being offered round again; the handler's retry is answered", async () => {
    const r = await one(
      `name: declined, then retried
caller: { ani: "+15550001" }
agent: { answerAfterSeconds: 3, talkSeconds: 30, declines: 1 }
expect:
  variables:
    Log: "COURTESY_CALLBACK/Agent;failed AGENT_DECLINED;COURTESY_CALLBACK/Agent;COURTESY_CALLBACK/Customer+15550001;answered by Ana Agent;"
  endReason: agent-ended
`,
      {
        ...CALLBACK,
        events: {
          ...CALLBACK.events,
          // Any failure but an answering machine tries the same number once more.
          ContactCallbackFailed: logs("ContactCallbackFailed", "failed {{CallbackFailed.reason}}", {
            nodes: [
              { name: "CbAgain", type: "callback", props: { callbackDn: "{{NewPhoneContact.ANI}}", callbackQueue: "Support" } },
              { name: "RetryEnd", type: "end" },
            ],
            links: [["CbAgain", "default", "RetryEnd"]],
          }),
        },
      },
    );
    expect(r.failures).toEqual([]);
    expect(r.events.find((e) => e.type === "callback" && e.state === "failed")).toMatchObject({ number: "+15550001", reason: "AGENT_DECLINED" });
  });

  it("left ringing (RONA) runs CallbackFailed with reason RONA, and the contact ends when the handler gives up", async () => {
    const r = await one(
      `name: ring no answer
caller: { ani: "+15550001" }
agent: { answerAfterSeconds: 60 }
expect:
  variables: { Log: "COURTESY_CALLBACK/Agent;failed RONA;" }
  endReason: disconnected
  never: [{ event: answered }]
`,
      CALLBACK,
    );
    expect(r.failures).toEqual([]);
  });
});

describe("a scheduled callback", () => {
  const SCHEDULED: FlowSpec = {
    name: "Scheduled",
    variables: [{ name: "Log", value: "" }],
    main: [
      {
        name: "Book",
        type: "scheduled-callback",
        props: { callbackQueue: "Support", scheduleDate: "2026-03-10", scheduleStartTime: "10:00:00", scheduleEndTime: "11:00:00", scheduleTimezone: "UTC" },
      },
      { name: "Hangup", type: "disconnect-contact" },
    ],
    links: [["Book", "default", "Hangup"]],
    events: { ContactPredial: PREDIAL, ContactCallbackFailed: logs("ContactCallbackFailed", "failed {{CallbackFailed.reason}}") },
  };

  it("is placed in its queue when the window opens and offered to an agent", async () => {
    const r = await one(
      `name: placed at ten
caller: { ani: "+15550001" }
clock: { start: "2026-03-10T08:00:00Z" }
agent: { answerAfterSeconds: 2, talkSeconds: 60 }
maxSeconds: 20000
expect:
  events: [activity-result, disconnected, offered, answered, ended]
  variables: { Log: "COURTESY_CALLBACK/Agent;COURTESY_CALLBACK/Customer+15550001;" }
  endReason: agent-ended
`,
      SCHEDULED,
    );
    expect(r.failures).toEqual([]);
    const offered = r.events.find((e) => e.type === "offered")!;
    expect(new Date(offered.at).toISOString()).toBe("2026-03-10T10:00:00.000Z");
  });

  it("still unanswered when the window closes fails with reason SCHEDULE_EXPIRED", async () => {
    const r = await one(
      `name: nobody there
caller: { ani: "+15550001" }
clock: { start: "2026-03-10T08:00:00Z" }
agent: none
maxSeconds: 20000
expect:
  events: [activity-result, disconnected, callback, ended]
  variables: { Log: "failed SCHEDULE_EXPIRED;" }
  endReason: callback-failed
`,
      SCHEDULED,
    );
    expect(r.failures).toEqual([]);
    expect(new Date(r.events.at(-1)!.at).toISOString()).toBe("2026-03-10T11:00:00.000Z");
  });
});

describe("an outbound campaign call", () => {
  const CAMPAIGN: FlowSpec = {
    name: "Outbound_DebtCollection",
    variables: [{ name: "Log", value: "" }],
    main: [{ name: "Placeholder", type: "end" }],
    links: [],
    events: {
      ContactPredial: PREDIAL,
      ContactOutboundCampaignResult: logs("ContactOutboundCampaignResult", "{{OutboundCampaignCallResult.CPAResult}}", {
        nodes: [
          { name: "Campaign_Results", type: "case-statement", props: { expression: "{{OutboundCampaignCallResult.CPAResult}}", menuLinks: ["0", "1"], menuLinks_input: ["AMD", "LIVE_VOICE"] } },
          { name: "Voicemail", type: "play-message", props: tts("Please call us back about your account.") },
          { name: "Greeting", type: "play-message", props: tts("Hello, this is Example Bank.") },
          { name: "Hangup", type: "disconnect-contact" },
          { name: "Abandoned", type: "end" },
        ],
        links: [
          ["Campaign_Results", "0", "Voicemail"],
          ["Campaign_Results", "1", "Greeting"],
          ["Campaign_Results", "default", "Abandoned"],
          ["Voicemail", "default", "Hangup"],
          ["Greeting", "default", "Hangup"],
        ],
      }),
    },
  };

  it("that reaches an answering machine leaves a message: PreDial for the customer's leg, then the CPA result", async () => {
    const r = await one(
      `name: voicemail
caller: { ani: "+15550001" }
campaign: { mode: preview, result: AMD }
expect:
  prompts: [Please call us back about your account.]
  variables: { Log: "PREVIEW_CAMPAIGN/Customer+15550001;AMD;" }
  endReason: disconnected
  never: [{ prompt: "Hello, this is Example Bank." }]
`,
      CAMPAIGN,
    );
    expect(r.failures).toEqual([]);
  });

  it("that a live voice answers hears the campaign's message", async () => {
    const r = await one(
      `name: live voice
caller: { ani: "+15550001" }
campaign: { result: LIVE_VOICE }
expect:
  prompts: ["Hello, this is Example Bank."]
  variables: { Log: "LIVE_VOICE;" }
  endReason: disconnected
`,
      CAMPAIGN,
    );
    expect(r.failures).toEqual([]);
  });

  it("abandoned with nothing to play ends after its handler, as Webex ends it", async () => {
    const r = await one(
      `name: abandoned
caller: { ani: "+15550001" }
campaign: { result: ABANDONED, resultCode: "3" }
expect:
  variables: { Log: "ABANDONED;" }
  endReason: campaign-abandoned
`,
      CAMPAIGN,
    );
    expect(r.failures).toEqual([]);
  });
});

describe("legs dialled from the flow and a caller whose number changes", () => {
  it("a Blind Transfer runs PreDial for the number it dials, so Set Caller ID applies to that leg", async () => {
    const flow: FlowSpec = {
      name: "TransferOut",
      variables: [{ name: "Log", value: "" }],
      main: [{ name: "ToBranch", type: "blind-transfer", props: { transfertodn: "+18005550123" } }],
      links: [],
      events: {
        ContactPredial: logs("ContactPredial", "{{PreDial.OperationType}}/{{PreDial.ParticipantType}}{{PreDial.dialNumber}}", {
          nodes: [{ name: "Cli", type: "SetCallerID", props: { callerId: "+18005550100" } }, { name: "CliEnd", type: "end" }],
          links: [["Cli", "default", "CliEnd"]],
        }),
      },
    };
    const r = await one(
      `name: transfer out
expect:
  events: [activity-result, transferred, ended]
  variables: { Log: "TRANSFER_TO_DN/DN+18005550123;" }
  endReason: transferred
`,
      flow,
    );
    expect(r.failures).toEqual([]);
  });

  it("a caller passed on by an operator desk: ContactAniUpdated runs and NewPhoneContact.ANI is the new number", async () => {
    const flow: FlowSpec = {
      name: "OperatorDesk",
      variables: [{ name: "Log", value: "" }],
      main: [
        { name: "Q", type: "queue-contact", props: { destination: "Support" } },
        { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30" } },
      ],
      links: [["Q", "default", "Hold"], ["Hold", "default", "Hold"]],
      events: { ContactAniUpdated: logs("ContactAniUpdated", "{{ContactAniUpdated.previousANI}}>{{NewPhoneContact.ANI}}") },
    };
    const r = await one(
      `name: ani updated
caller:
  ani: "+15550100"
  aniUpdates: [{ afterSeconds: 5, ani: "+14085550147" }]
agent: { availableAfterSeconds: 20 }
expect:
  events: [event, offered, answered, ended]
  variables: { Log: "+15550100>+14085550147;" }
`,
      flow,
    );
    expect(r.failures).toEqual([]);
  });
});
