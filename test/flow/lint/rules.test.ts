/**
 * The lint rules from a flow author's side: each rule on a small flow that breaks it and on one
 * that does not, with the warning's code, activity, path and one-sentence fix.
 */
import { describe, expect, it } from "vitest";
import { applyLintConfig, lintFlow, type LintDiagnostic, type LintOptions } from "../../../src/flow/lint/index.js";
import { buildFlow, tts, type FlowSpec, type NodeSpec } from "../../helpers/flow-builder.js";

function lint(spec: FlowSpec, bindings?: LintOptions["bindings"]): LintDiagnostic[] {
  return lintFlow(buildFlow(spec), { bindings });
}

const of = (ds: LintDiagnostic[], code: string) => ds.filter((d) => d.code === code);
const who = (ds: LintDiagnostic[], code: string) => of(ds, code).map((d) => d.activity?.name ?? "(flow)");

/** A global error handler that apologises and queues: what a careful flow has. */
const rescue = {
  GlobalErrorHandling: {
    nodes: [
      { name: "Sorry", type: "play-message", props: tts("Sorry, something went wrong. Let me find you an agent.") },
      { name: "RescueQueue", type: "queue-contact", props: { destination: "Support" } },
    ],
    links: [
      ["GlobalErrorHandling", "out", "Sorry"],
      ["Sorry", "default", "RescueQueue"],
    ] as Array<[string, string, string]>,
  },
};

/** Greeting, queue, hold music: a flow no rule should object to (ids aside). */
function careful(extra: Partial<FlowSpec> = {}): FlowSpec {
  return {
    main: [
      { name: "Greet", type: "play-message", props: tts("Welcome") },
      { name: "Queue", type: "queue-contact", props: { destination: "Support" } },
      { name: "Music", type: "play-music", props: { prompt: "defaultmusic_on_hold.wav", duration: "30" } },
      { name: "Closed", type: "play-message", props: tts("No one can take your call. Goodbye.") },
      { name: "Bye", type: "disconnect-contact" },
    ],
    links: [
      ["Greet", "default", "Queue"],
      ["Queue", "default", "Music"],
      ["Queue", "failure", "Closed"],
      ["Music", "default", "Music"],
      ["Closed", "default", "Bye"],
    ],
    events: rescue,
    ...extra,
  };
}

describe("a careful flow", () => {
  it("gets no warning but the table of ids to map", () => {
    const ds = lint(careful());
    expect(ds.map((d) => d.code)).toEqual(["hard-coded-ids"]);
    expect(ds[0]!.table).toEqual([{ kind: "queue", value: "Support", usedBy: ["Queue", "RescueQueue"] }]);
  });
});

describe("activities: event handlers that never fire", () => {
  it("flags a wired handler for an event Webex does not raise", () => {
    const ds = lint(careful({ events: { ...rescue, ContactTeleported: { nodes: [{ name: "Log", type: "set-variable", props: { srcVariable: "x", expr: "1" } }], links: [["ContactTeleported", "out", "Log"]] } }, variables: [{ name: "x" }] }));
    const [w] = of(ds, "event-never-fires");
    expect(w!.activity!.name).toBe("ContactTeleported");
    expect(w!.message).toContain('"ContactTeleported" is not an event Webex Contact Center raises');
  });

  it("leaves real events and empty handlers alone", () => {
    expect(of(lint(careful({ events: { ...rescue, AgentContactAssigned: { nodes: [{ name: "Pop", type: "screen-pop", props: { screenPopUrl: "https://crm.example/x" } }], links: [["AgentContactAssigned", "out", "Pop"]] }, ContactEnded: { nodes: [], links: [] } } })), "event-never-fires")).toEqual([]);
  });
});

describe("error paths", () => {
  it("flags a flow with no OnGlobalError handler", () => {
    const [w] = of(lint(careful({ events: {} })), "no-global-error-handler");
    expect(w!.message).toMatch(/^Nothing handles OnGlobalError/);
    expect(w!.path).toBe("$.eventFlows");
    expect(w!.fix).toMatch(/^Wire OnGlobalError to a Play Message/);
  });

  it("flags a handler that only ends the event flow, as the seed's does", () => {
    const ds = lint(careful({ events: { GlobalErrorHandling: { nodes: [{ name: "EndFlow", type: "end" }], links: [["GlobalErrorHandling", "out", "EndFlow"]] } } }));
    expect(who(ds, "no-global-error-handler")).toEqual(["GlobalErrorHandling"]);
    expect(of(ds, "no-global-error-handler")[0]!.message).toContain("only ends the event flow");
  });

  it("accepts a handler that apologises and queues, and says nothing about subflows", () => {
    expect(of(lint(careful()), "no-global-error-handler")).toEqual([]);
    expect(of(lint({ ...careful({ events: {} }), flowType: "SUBFLOW", main: [{ name: "Start", type: "NewSubFlowStart" }, { name: "Done", type: "end-subflow" }], links: [["Start", "out", "Done"]] }), "no-global-error-handler")).toEqual([]);
  });

  it("flags a Queue Contact whose failure port is not wired, saying where the call goes", () => {
    const spec = careful();
    spec.links = spec.links.filter(([from, port]) => !(from === "Queue" && port === "failure"));
    const [w] = of(lint(spec), "unhandled-failure");
    expect(w!.activity!.name).toBe("Queue");
    expect(w!.message).toBe('Port "failure" of Queue is not wired: when the queue cannot take the contact (no such queue, queue full, routing failure), the call goes to OnGlobalError, away from this part of the flow');
    expect(of(lint(careful()), "unhandled-failure")).toEqual([]);
  });
});

/** An HTTP lookup by the caller's number, then a message that speaks its result. */
function lookup(props: Record<string, unknown>, after: NodeSpec[] = [], afterLinks: Array<[string, string, string]> = []): FlowSpec {
  return careful({
    variables: [{ name: "CustomerID", value: "NA" }, { name: "Name", value: "" }],
    main: [
      { name: "Lookup", type: "http-request-v2", props: { httpRequestMethod: "GET", connectorId: "crm", outputVariableArray: [{ outputVariable: "Name", jsonPathExp: "$.value[0].fullname" }], ...props } },
      { name: "Hello", type: "play-message", props: tts("Hello {{Name}}") },
      ...after,
      ...careful().main,
    ],
    links: [["Lookup", "default", after[0]?.name ?? "Hello"], ...afterLinks, ["Hello", "default", "Greet"], ...careful().links],
  });
}

describe("HTTP: status codes", () => {
  it("flags outputs used with no look at httpStatusCode", () => {
    const [w] = of(lint(lookup({ httpRequestPath: "contacts?$filter=telephone1 eq '{{ NewPhoneContact.ANI | replace({\"'\":\"''\"}) | urlencode }}'" })), "http-status-unchecked");
    expect(w!.activity!.name).toBe("Lookup");
    expect(w!.message).toBe(
      "Nothing checks Lookup.httpStatusCode, yet Name from its response is used (by Hello): an error answer (401, 404, 500) leaves it as it was and the flow carries on as if the request had worked",
    );
    expect(w!.fix).toBe("Add a Condition {{ Lookup.httpStatusCode == 200 }} after Lookup and give the other outcome its own path.");
  });

  it("is content when a Condition checks the status", () => {
    const spec = lookup({ httpRequestPath: "contacts?$filter=telephone1 eq '{{ NewPhoneContact.ANI | replace({\"'\":\"''\"}) | urlencode }}'" }, [{ name: "Ok", type: "condition-activity", props: { expression: "{{ Lookup.httpStatusCode == 200 }}" } }], [
      ["Ok", "true", "Hello"],
      ["Ok", "false", "Greet"],
    ]);
    expect(of(lint(spec), "http-status-unchecked")).toEqual([]);
  });
});

describe("HTTP: lookups that ignore the caller", () => {
  it("flags a list lookup whose request is the same on every call, as the seed's GetCaseInfo", () => {
    const [w] = of(lint(lookup({ httpRequestPath: "incidents?$select=title" })), "lookup-ignores-caller");
    expect(w!.message).toBe(
      "Lookup sends the same request on every call (nothing in its URL, query or body comes from the caller) and keeps the first record of the answer ($.value[0].fullname): every caller gets the same record, someone else's",
    );
    expect(w!.fix).toContain("$filter");
  });

  it("is content when the request names the caller (directly or through a variable set earlier)", () => {
    expect(of(lint(lookup({ httpRequestPath: "contacts?$filter=telephone1 eq {{NewPhoneContact.ANI}}" })), "lookup-ignores-caller")).toEqual([]);
    const spec = lookup({ httpRequestPath: "incidents?$filter=_customerid_value eq {{CustomerID}}" });
    spec.main.unshift({ name: "SetId", type: "set-variable", props: { srcVariable: "CustomerID", expr: "{{NewPhoneContact.ANI}}" } });
    spec.links.unshift(["SetId", "out", "Lookup"]);
    expect(of(lint(spec), "lookup-ignores-caller")).toEqual([]);
  });
});

describe("HTTP: caller values inside quoted literals", () => {
  it("flags the ANI inside an OData string literal and says how to escape it in Pebble", () => {
    const spec = lookup({ httpRequestPath: "contacts?$filter=contains(telephone1,'{{ANI}}')" });
    spec.variables!.push({ name: "ANI" });
    spec.main.unshift({ name: "StripANI", type: "set-variable", props: { srcVariable: "ANI", expr: '{{NewPhoneContact.ANI | replace({"+":""})}}' } });
    spec.links.unshift(["StripANI", "out", "Lookup"]);
    const [w] = of(lint(spec), "unescaped-caller-value");
    expect(w!.message).toBe(
      "Lookup puts ANI (the caller's number) unescaped inside a quoted OData/SOQL string literal in httpRequestPath; Webex sends it as rendered, so a ' in it ends the string and rewrites the request",
    );
    expect(w!.path).toMatch(/\.properties\.httpRequestPath$/);
    expect(w!.fix).toBe(`Double its quotes and encode it for the URL: {{ ANI | replace({"'": "''"}) | urlencode }}.`);
  });

  it("flags an HTTP result and the DNIS inside JSON strings of a body", () => {
    const spec = lookup({ httpRequestPath: "contacts?$filter=telephone1 eq '{{ NewPhoneContact.ANI | replace({\"'\":\"''\"}) | urlencode }}'" }, [
      { name: "Note", type: "http-request-v2", props: { httpRequestMethod: "POST", connectorId: "crm", httpContentType: "Application/JSON", httpRequestBody: '{"name": "{{Name}}", "dialled": "{{NewPhoneContact.DNIS}}", "n": {{Name | length}}}' } },
    ], [["Note", "default", "Hello"]]);
    const ws = of(lint(spec), "unescaped-caller-value");
    expect(ws.map((w) => w.activity!.name)).toEqual(["Note"]);
    expect(ws[0]!.message).toContain("Name (the response of Lookup) and NewPhoneContact.DNIS (the dialled number) unescaped inside a JSON string in httpRequestBody");
    expect(ws[0]!.fix).toBe('Escape it for a JSON string: {{ Name | escape("json") }}.');
  });

  it("leaves escaped values, values outside quotes and keypad digits alone", () => {
    const ok = [
      "contacts?$filter=telephone1 eq '{{ NewPhoneContact.ANI | replace({\"'\":\"''\"}) | urlencode }}'",
      "contacts?$filter=telephone1 eq {{ NewPhoneContact.ANI }}",
      "accounts?$filter=accountnumber eq '{{ Digits.DigitsEntered }}'",
    ];
    for (const path of ok) {
      const spec = lookup({ httpRequestPath: path });
      spec.main.push({ name: "Digits", type: "ivr-collectdigits", props: tts("Your account number?") });
      expect(of(lint(spec), "unescaped-caller-value"), path).toEqual([]);
    }
    const json = lookup({ httpRequestMethod: "POST", httpContentType: "Application/JSON", httpRequestBody: '{"ani": "{{ NewPhoneContact.ANI | escape("json") }}"}' });
    expect(of(lint(json), "unescaped-caller-value")).toEqual([]);
  });
});

describe("variables", () => {
  it("flags a variable set and never read, but not call-associated data", () => {
    const spec = careful({ variables: [{ name: "tries", type: "INTEGER", value: "0" }, { name: "shown", isCAD: true }] });
    spec.main.unshift({ name: "Count", type: "set-variable", props: { srcVariable: "tries", expr: "{{ tries + 1 }}" } }, { name: "Show", type: "set-variable", props: { srcVariable: "shown", expr: "yes" } });
    spec.links.unshift(["Count", "out", "Show"], ["Show", "out", "Greet"]);
    const ws = of(lint(spec), "variable-never-read");
    expect(ws.map((w) => w.message)).toEqual(['Variable "tries" is set (by Count) but nothing reads it: it is not call-associated data, not reportable, not a subflow output, and no activity uses it']);
    expect(ws[0]!.path).toBe("$.variables[0]");
  });

  it("flags a variable read but never set and empty from the start", () => {
    const spec = careful({ variables: [{ name: "Name" }, { name: "Lang", value: "en-US" }] });
    spec.main[0]!.props = tts("Hello {{Name}}, we speak {{Lang}}");
    const ws = of(lint(spec), "variable-never-set");
    expect(ws.map((w) => w.message)).toEqual(['Variable "Name" is read (by Greet) but has no initial value and nothing sets it: it is always empty']);
  });

  it("flags a secure value spoken, shown to the agent, or sent in a URL; not one sent in a header", () => {
    const spec = careful({ variables: [{ name: "pin", isSecure: true }, { name: "token", isSecure: true, isCAD: true }] });
    spec.main[0]!.props = tts("Your PIN is {{pin}}");
    spec.main.push({ name: "Check", type: "http-request-v2", props: { httpRequestMethod: "GET", httpRequestUrl: "https://api.example/check?pin={{pin}}", httpRequestHeaders: { Authorization: "Bearer {{token}}" } } });
    const ws = of(lint(spec), "secure-variable-exposed");
    expect(ws.map((w) => `${w.activity?.name ?? "-"}: ${w.message}`)).toEqual([
      'Greet: Greet speaks secure variable "pin" to the caller (promptsTts[0].value)',
      'Check: Check sends secure variable "pin" in a URL, which servers and proxies log (httpRequestUrl)',
      '-: Secure variable "token" is also call-associated data, so the agent desktop shows its value',
    ]);
  });
});

describe("loops", () => {
  const menu = (links: Array<[string, string, string]>, extra: NodeSpec[] = []): FlowSpec =>
    careful({
      variables: [{ name: "tries", type: "INTEGER", value: "0" }],
      main: [{ name: "Menu", type: "ivr-menu", props: { ...tts("Press 1 for sales"), menuLinks: ["1"] } }, ...extra, ...careful().main],
      links: [...links, ["Menu", "1", "Greet"], ["Menu", "error", "Greet"], ...careful().links],
    });

  it("flags a menu that repeats itself on a timeout or a wrong key with nothing counting", () => {
    const [w] = of(lint(menu([["Menu", "timeout", "Menu"], ["Menu", "invalid", "Menu"]])), "loop-without-counter");
    expect(w!.activity!.name).toBe("Menu");
    expect(w!.message).toBe(
      "Menu links back to itself with nothing counting the rounds: a caller who keeps letting Menu time out or pressing a wrong key hears it again and again, until the platform's own limit (100 visits) takes the error path",
    );
  });

  it("is content when a counter limits the retries", () => {
    const spec = menu(
      [["Menu", "timeout", "Count"], ["Menu", "invalid", "Count"], ["Count", "out", "Again"], ["Again", "true", "Menu"], ["Again", "false", "Closed"]],
      [
        { name: "Count", type: "set-variable", props: { srcVariable: "tries", expr: "{{ tries + 1 }}" } },
        { name: "Again", type: "condition-activity", props: { expression: "{{ tries < 3 }}" } },
      ],
    );
    expect(of(lint(spec), "loop-without-counter")).toEqual([]);
  });

  it("leaves queue treatment loops alone; flags music that waits on no queue", () => {
    expect(of(lint(careful()), "music-loop-without-queue")).toEqual([]);
    const spec = careful();
    spec.links = spec.links.map(([f, p, t]) => (f === "Greet" ? ["Greet", "default", "Music"] : [f, p, t]));
    spec.main = spec.main.filter((n) => n.name !== "Queue");
    spec.links = spec.links.filter(([f]) => f !== "Queue");
    const [w] = of(lint(spec), "music-loop-without-queue");
    expect(w!.message).toBe("Music plays music in a loop, but no Queue Contact comes before it: the caller waits for an agent who is never asked for");
  });

  it("flags a Queue Contact followed by a Disconnect, not by treatment", () => {
    const spec = careful();
    spec.links = spec.links.map(([f, p, t]) => (f === "Queue" && p === "default" ? ["Queue", "default", "Bye"] : [f, p, t]));
    const [w] = of(lint(spec), "queue-without-treatment");
    expect(w!.message).toBe("After Queue queues the call, its default path goes to Bye with nothing to play: the caller is cut off before an agent answers");
    expect(of(lint(careful()), "queue-without-treatment")).toEqual([]);
  });

  it("flags a Callback that is not followed by a Disconnect", () => {
    const cb = (to: string): FlowSpec => {
      const spec = careful();
      spec.main.push({ name: "Offer", type: "callback", props: { callbackDn: "{{NewPhoneContact.ANI}}", callbackQueue: "Support" } }, { name: "Thanks", type: "play-message", props: tts("We will call you back") });
      spec.links = spec.links.map(([f, p, t]) => (f === "Queue" && p === "failure" ? ["Queue", "failure", "Offer"] : [f, p, t]));
      spec.links.push(["Offer", "default", to], ["Offer", "failure", "Closed"], ["Thanks", "default", "Bye"]);
      return spec;
    };
    const [w] = of(lint(cb("Music")), "callback-without-disconnect");
    expect(w!.message).toBe("Offer registers a callback, but its default path goes on to Music instead of a Disconnect Contact: the caller stays on the line (and in the queue) after being promised a call back");
    expect(of(lint(cb("Thanks")), "callback-without-disconnect")).toEqual([]);
  });
});

describe("environment: hard-coded ids", () => {
  it("lists queues, connectors, TTS connectors and audio files as a table; bound ids drop out", () => {
    const spec = lookup({ httpRequestPath: "contacts?$filter=telephone1 eq {{NewPhoneContact.ANI}}" });
    spec.main.push({ name: "Jingle", type: "play-message", props: { toggle: false, prompts: [{ type: "audioFile", value: "jingle.wav" }], connector: "2cd8a170-e237-4d36-85a1-a99bb04cf9da" } });
    const [w] = of(lint(spec), "hard-coded-ids");
    expect(w!.message).toBe("The flow hard-codes ids that differ between Webex organisations (1 queue, 1 HTTP connector, 1 TTS connector, 1 audio file); each must exist, or be mapped, wherever the flow is imported");
    expect(w!.table).toEqual([
      { kind: "queue", value: "Support", usedBy: ["Queue", "RescueQueue"] },
      { kind: "HTTP connector", value: "crm", usedBy: ["Lookup"] },
      { kind: "TTS connector", value: "2cd8a170-e237-4d36-85a1-a99bb04cf9da", usedBy: ["Jingle"] },
      { kind: "audio file", value: "jingle.wav", usedBy: ["Jingle"] },
    ]);
    const bound = of(lint(spec, { queues: new Set(["Support"]), connectors: new Set(["crm"]) }), "hard-coded-ids");
    expect(bound[0]!.table!.map((r) => r.kind)).toEqual(["TTS connector", "audio file"]);
  });
});

describe("the environment's lint: section", () => {
  it("switches rules off everywhere or for named activities, never errors", () => {
    const spec = careful({ events: {} });
    spec.links = spec.links.filter(([from, port]) => !(from === "Queue" && port === "failure"));
    const ds = lint(spec);
    expect(ds.map((d) => d.code).sort()).toEqual(["hard-coded-ids", "no-global-error-handler", "unhandled-failure"]);
    expect(applyLintConfig(ds, { off: ["hard-coded-ids"] }).map((d) => d.code).sort()).toEqual(["no-global-error-handler", "unhandled-failure"]);
    expect(applyLintConfig(ds, { activities: { queue: ["*"] } }).map((d) => d.code).sort()).toEqual(["hard-coded-ids", "no-global-error-handler"]);
    const error = { severity: "error" as const, code: "unknown-activity", message: "x", path: "$", activity: { id: "q", name: "Queue" } };
    expect(applyLintConfig([error], { off: ["unknown-activity"], activities: { Queue: ["*"] } })).toEqual([error]);
  });
});
