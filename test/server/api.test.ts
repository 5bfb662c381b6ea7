/**
 * The contact center API over real HTTP and WebSockets on loopback: a caller dials in through
 * the REST API and listens on the caller socket, an agent signs in, takes the offer and sees the
 * screen pop on the agent socket, a supervisor follows it all, and the trace is readable after.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { supportEnvironment, supportFlow } from "./fixtures.js";
import { apiFetch } from "../helpers/api-auth.js";
import { eventually, startTestServer, type TestServer } from "./helpers.js";
import { expectSocketMessagesFit } from "./socket-conformance.js";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ flows: [{ id: "support", definition: supportFlow() }], environment: supportEnvironment });
});

afterAll(async () => {
  await t?.close();
});

describe("a call through the API, caller socket to agent socket", () => {
  it("runs from dial-in to wrap-up, with call-associated data, a screen pop, and a readable trace", async () => {
    const supervisor = await t.socket("/api/supervisor/ws");
    const first = await supervisor.next((m) => m.type === "snapshot", "supervisor snapshot");
    expect(first.queues.map((q: { id: string }) => q.id)).toContain("Q-Test");

    const placed = await t.call("POST", "/api/calls", { ani: "+14805550123", flow: "support" });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ ani: "+14805550123", dnis: "+18005550100", flow: { id: "support", name: "Support_Line" }, socket: `/api/calls/${placed.body.interactionId}/ws` });
    const id: string = placed.body.interactionId;
    supervisor.send({ type: "watch", interactionId: id });

    const caller = await t.socket(placed.body.socket);
    const hello = await caller.next((m) => m.type === "hello", "hello");
    expect(hello.call.interactionId).toBe(id);
    caller.send({ type: "dtmf", digits: "1" });
    await caller.next((m) => m.type === "event" && m.event.type === "queued", "queued event");

    const queues = await t.call("GET", "/api/queues");
    const q = queues.body.find((x: { id: string }) => x.id === "Q-Test");
    expect(q.waiting).toEqual([expect.objectContaining({ interactionId: id, ani: "+14805550123", priority: 3, position: 1 })]);
    const contacts = await t.call("GET", "/api/contacts?state=active");
    expect(contacts.body).toEqual([expect.objectContaining({ interactionId: id, state: "queued", centerState: "queued", position: 1, priority: 3, activity: expect.any(String) })]);

    const login = await t.call("POST", "/api/agents/ana/login");
    expect(login.body.agent).toMatchObject({ id: "ana", state: "Idle", reason: "Login" });
    const agent = await t.socket("/api/agents/ana/ws");
    await agent.next((m) => m.type === "desk", "first desk");
    const available = await t.call("POST", "/api/agents/ana/state", { state: "Available" });
    expect(available.status).toBe(200);

    const offer = await agent.next((m) => m.type === "event" && m.event.type === "offer", "offer").then((m) => m.event);
    expect(offer).toMatchObject({ interactionId: id, ani: "+14805550123", queue: { id: "Q-Test", name: "Test Queue" }, priority: 3 });
    expect(offer.callAssociatedData).toEqual([{ label: "Customer tier", name: "Tier", value: "Gold" }]);
    const desk = await agent.next((m) => m.type === "desk" && m.desk.offer, "desk with the offer").then((m) => m.desk);
    expect(desk.offer).toMatchObject({ offerId: offer.offerId, ringTimeoutMs: 60_000, callAssociatedData: [{ label: "Customer tier", value: "Gold" }] });
    await caller.next((m) => m.type === "event" && m.event.type === "offered", "offered event");

    const accepted = await t.call("POST", "/api/agents/ana/accept", { offerId: offer.offerId });
    expect(accepted.body.agent.state).toBe("Engaged");
    await caller.next((m) => m.type === "state" && m.state === "engaged", "engaged state");
    const pop = await agent.next((m) => m.type === "event" && m.event.type === "screen-pop", "screen pop").then((m) => m.event);
    expect(pop).toMatchObject({ interactionId: id, target: "insideDesktop", label: "Customer details", url: "https://crm.example.com/main.aspx?tier=Gold&etn=contact" });
    const onCall = await t.call("GET", "/api/agents/ana");
    expect(onCall.body.contact).toMatchObject({ interactionId: id, ani: "+14805550123", callAssociatedData: [{ label: "Customer tier", value: "Gold" }], screenPops: [expect.objectContaining({ target: "insideDesktop" })] });

    const ended = await t.call("POST", "/api/agents/ana/end");
    expect(ended.body.agent.state).toBe("WrapUp");
    expect(ended.body.contact).toMatchObject({ interactionId: id, endedReason: "agent-ended" });
    await caller.next((m) => m.type === "ended", "ended").then((m) => expect(m.reason).toBe("agent-ended"));
    const done = await t.call("POST", "/api/agents/ana/wrapup", { state: "Available" });
    expect(done.body.agent.state).toBe("Available");

    const trace = await t.call("GET", `/api/contacts/${id}`);
    expect(trace.status).toBe(200);
    const types = trace.body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(["step", "prompt", "input", "queued", "offered", "answered", "screen-pop", "ended"]));
    expect(trace.body.events.filter((e: { type: string }) => e.type === "step").map((e: { activity: string }) => e.activity)).toEqual(["NewPhoneContact", "Welcome", "Menu", "SetPin", "Queue", "AgentContactAssigned", "Pop", "EndAssigned"]);
    expect(trace.body.events.find((e: { type: string; music?: boolean }) => e.type === "prompt" && e.music)).toMatchObject({ activity: "Hold", file: "hold.wav" });
    expect(trace.body.variables).toMatchObject({ Tier: "Gold", Pin: "******", Prio: 3 });
    expect(JSON.stringify(trace.body)).not.toContain("9876");
    expect(trace.body.contact).toMatchObject({ state: "ended", endReason: "agent-ended", agent: { id: "ana", name: "Ana Lima" } });
    const graph = await apiFetch(t.url, `/api/contacts/${id}/graph.svg`);
    expect(graph.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    const svg = await graph.text();
    expect(svg).toContain("<svg");
    expect(svg).toContain("SetPin");

    // The supervisor saw the trace live and the contact in its snapshots.
    const live = await supervisor.next((m) => m.type === "call-event" && m.event.type === "ended", "live ended event");
    expect(live.event.interactionId).toBe(id);
    expect(supervisor.messages.some((m) => m.type === "call-event" && m.event.type === "http")).toBe(false);
    await supervisor.next((m) => m.type === "snapshot" && m.contacts.some((c: { interactionId: string; state: string }) => c.interactionId === id && c.state === "ended"), "snapshot with the ended contact");
    expect(JSON.stringify(supervisor.messages)).not.toContain("9876");
    supervisor.close();
    agent.close();
    caller.close();
    await t.call("POST", "/api/agents/ana/logout");
  });

  it("hangs up when the softphone's socket closes, but not when an observer's does", async () => {
    const placed = await t.call("POST", "/api/calls", { ani: "+14805550124" });
    const id = placed.body.interactionId;
    const observer = await t.socket(`/api/calls/${id}/ws?observe=1`);
    const phone = await t.socket(`/api/calls/${id}/ws`);
    await observer.next((m) => m.type === "hello", "hello");
    observer.close();
    await phone.next((m) => m.type === "collect" || (m.type === "hello" && m.collecting?.maxDigits === 1), "menu waiting for a key");
    expect((await t.call("GET", `/api/calls/${id}`)).body.state).not.toBe("ended");
    phone.close();
    const ended = await eventually(async () => {
      const r = await t.call("GET", `/api/calls/${id}`);
      return r.body.state === "ended" ? r.body : undefined;
    }, "the call to end");
    expect(ended.endReason).toBe("caller-hangup");
  });

  it("takes keys over REST and hangs up over REST", async () => {
    const placed = await t.call("POST", "/api/calls", { ani: "+14805550125", dnis: "+18005550999" });
    const id = placed.body.interactionId;
    expect(placed.body.dnis).toBe("+18005550999");
    const keys = await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
    expect(keys.status).toBe(202);
    await eventually(async () => ((await t.call("GET", `/api/calls/${id}`)).body.state === "queued" ? true : undefined), "the caller to be queued");
    const hung = await t.call("POST", `/api/calls/${id}/hangup`);
    expect(hung.body).toMatchObject({ interactionId: id, hungUp: true });
    await eventually(async () => ((await t.call("GET", `/api/calls/${id}`)).body.endReason === "caller-hangup" ? true : undefined), "the call to end");
    const late = await t.call("POST", `/api/calls/${id}/digits`, { digits: "2" });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("CALL_ENDED");
    const queues = await t.call("GET", "/api/queues");
    expect(queues.body.find((q: { id: string }) => q.id === "Q-Test").waiting).toEqual([]);
  });
});

describe("mistakes get one clear error", () => {
  it.each([
    ["POST", "/api/calls", {}, 400, "BAD_REQUEST", "ani: "],
    ["POST", "/api/calls", { ani: "+1480<script>" }, 400, "BAD_REQUEST", 'ani: caller id "+1480<script>" is not a number a carrier delivers: use + and digits'],
    ["POST", "/api/calls", { ani: "1') or contains(fullname,'" }, 400, "BAD_REQUEST", "is not a number a carrier delivers"],
    ["POST", "/api/calls", { ani: "+1 480 555 0100" }, 400, "BAD_REQUEST", "is not a number a carrier delivers"],
    ["POST", "/api/calls", { ani: "+14805550100", colour: "red" }, 400, "BAD_REQUEST", 'unknown field "colour"'],
    ["POST", "/api/calls", { ani: "+14805550100", flow: "nope" }, 404, "FLOW_NOT_FOUND", "flows: support"],
    ["POST", "/api/calls/nope/digits", { digits: "1" }, 404, "CALL_NOT_FOUND", "nope"],
    ["POST", "/api/agents/zed/login", undefined, 404, "AGENT_NOT_FOUND", "agents: ana, robo"],
    ["POST", "/api/agents/robo/login", undefined, 409, "SIMULATED_AGENT", "played by the machine"],
    ["POST", "/api/agents/ana/state", { state: "Dancing" }, 400, "BAD_REQUEST", "state:"],
    ["POST", "/api/agents/ana/accept", undefined, 409, "INVALID_STATE", "ana"],
    ["POST", "/api/agents/ana/wrapup", undefined, 409, "INVALID_STATE", "not in WrapUp"],
    ["GET", "/api/contacts?state=sleeping", undefined, 400, "BAD_REQUEST", "state: must be all, active or ended"],
    ["GET", "/api/nothing-here", undefined, 404, "NOT_FOUND", "/api/openapi.json"],
  ])("%s %s %j → %i %s", async (method, path, body, status, code, text) => {
    if (path.startsWith("/api/agents/ana/")) await t.call("POST", "/api/agents/ana/login");
    const r = await t.call(method, path, body);
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(r.body.error.message).toContain(text);
  });

  it("answers malformed JSON with a 400 naming the problem", async () => {
    const r = await apiFetch(t.url, "/api/calls", { method: "POST", headers: { "content-type": "application/json" }, body: "{ani:" });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("BAD_REQUEST");
    expect(body.error.message).toMatch(/JSON/i);
  });

  it("closes a socket for a call that does not exist with an error first", async () => {
    const s = await t.socket("/api/calls/nope/ws");
    const m = await s.next((x) => x.type === "error", "error message");
    expect(m.error.code).toBe("CALL_NOT_FOUND");
    await eventually(() => s.closed, "the socket to close");
  });
});

describe("the API describes itself", () => {
  it("serves an OpenAPI document listing every route the server has, and no route it lacks", async () => {
    const r = await t.call("GET", "/api/openapi.json");
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\./);
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(r.body.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`);
    }
    const registered = new Set(t.server.routes.map((x) => `${x.method} ${x.url}`));
    expect([...registered].filter((x) => !documented.has(x))).toEqual([]);
    expect([...documented].filter((x) => !registered.has(x))).toEqual([]);
    expect(r.body.paths["/api/calls"].post.requestBody.content["application/json"].schema.required).toEqual(["ani"]);
    // Every reference resolves and every path parameter is declared.
    const doc = r.body as { components: { schemas: Record<string, unknown> }; paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>> };
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    expect(refs.filter((name) => !(name in doc.components.schemas))).toEqual([]);
    for (const [path, ops] of Object.entries(doc.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(ops)) expect((op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name), path).toEqual(inPath);
    }
  });

  it("lists flows, agents (marking simulated ones) and the demo data", async () => {
    const flows = await t.call("GET", "/api/flows");
    expect(flows.body).toEqual([{ id: "support", name: "Support_Line", source: "given", default: true }]);
    const agents = await t.call("GET", "/api/agents");
    expect(agents.body.map((a: { id: string; simulated: boolean }) => [a.id, a.simulated])).toEqual([
      ["ana", false],
      ["robo", true],
    ]);
    const info = await t.call("GET", "/api/info");
    expect(info.body).toMatchObject({ name: "ccflow", urls: { ui: `${t.url}/`, openapi: `${t.url}/api/openapi.json` }, defaultDnis: "+18005550100" });
    expect(info.body.demo.agents.find((a: { id: string }) => a.id === "ana")).toMatchObject({ name: "Ana Lima", email: "ana@example.com", teamName: "Tier One", simulated: false });
  });

  it("serves the web UI at /", async () => {
    const r = await fetch(`${t.url}/`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<script type="module" src="/js/app.js"></script>');
    const js = await fetch(`${t.url}/js/softphone.js`);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
  });
});

describe("every socket message is one the document describes", () => {
  it("refuses a client message that does not fit its schema, naming the field", async () => {
    const id = (await t.call("POST", "/api/calls", { ani: "+14805550126" })).body.interactionId;
    const phone = await t.socket(`/api/calls/${id}/ws`);
    phone.send({ type: "dtmf", digits: "12x" });
    expect((await phone.next((m) => m.type === "error", "refusal")).error).toEqual({ code: "BAD_MESSAGE", message: "dtmf: digits: must be 1 to 32 keys among 0-9, * and #" });
    phone.send({ type: "ring" });
    expect((await phone.wait((m) => m.type === "error", "refusal")).error.message).toBe('unknown message type "ring" (dtmf, played, speech, hangup)');
    const supervisor = await t.socket("/api/supervisor/ws");
    supervisor.send({ type: "watch", interactionId: 7 });
    expect((await supervisor.next((m) => m.type === "error", "refusal")).error.message).toBe("watch: interactionId: Invalid input: expected string, received number");
    phone.send({ type: "hangup" });
    await phone.next((m) => m.type === "ended", "ended");
  });

  it("and every message the server sent over the calls above fits the schema the OpenAPI document gives its socket", async () => {
    const counted = await expectSocketMessagesFit(t);
    // The calls above went through every socket and most message types (a prompt or a menu may
    // come inside hello instead of on its own, depending on when the socket joined).
    for (const seen of ["/api/calls/{id}/ws hello", "/api/calls/{id}/ws event", "/api/calls/{id}/ws state", "/api/calls/{id}/ws ended", "/api/calls/{id}/ws error",
      "/api/agents/{id}/ws desk", "/api/agents/{id}/ws event", "/api/supervisor/ws snapshot", "/api/supervisor/ws trace", "/api/supervisor/ws call-event", "/api/supervisor/ws error"]) {
      expect(counted[seen], seen).toBeGreaterThan(0);
    }
  });
});

describe("the softphone sets the pace", () => {
  it("moves on as soon as the browser says a prompt finished, and passes keys to the menu", async () => {
    // Slow speech (200 ms a character): the socket joins while the welcome still plays.
    const s = await startTestServer({ flows: [{ id: "support", definition: supportFlow() }], environment: supportEnvironment, msPerChar: 200 });
    try {
      const placed = (await s.call("POST", "/api/calls", { ani: "+14805550301" })).body;
      const phone = await s.socket(placed.socket);
      const hello = await phone.next((m) => m.type === "hello", "hello");
      expect(hello.playing).toMatchObject({ type: "play", text: "Welcome to the test line.", interruptible: false });
      phone.send({ type: "speech", enabled: true });
      phone.send({ type: "played", promptId: hello.playing.promptId });
      await phone.next((m) => m.type === "play-end" && m.promptId === hello.playing.promptId && m.reason === "finished", "the welcome to end");
      const menu = await phone.next((m) => m.type === "play" && m.text === "Press 1 for support.", "the menu prompt");
      expect(menu.interruptible).toBe(true);
      phone.send({ type: "dtmf", digits: "1" });
      await phone.next((m) => m.type === "play-end" && m.promptId === menu.promptId && m.reason === "barge-in", "barge-in");
      await phone.next((m) => m.type === "event" && m.event.type === "queued", "queued");
      phone.send({ type: "hangup" });
      const ended = await phone.next((m) => m.type === "ended", "ended");
      expect(ended.reason).toBe("caller-hangup");
      await expectSocketMessagesFit(s);
    } finally {
      await s.close();
    }
  });
});

describe("shutting down", () => {
  it("ends every contact with the reason shutdown and says how many", async () => {
    const s = await startTestServer({ flows: [{ id: "support", definition: supportFlow() }], environment: supportEnvironment });
    const queued = (await s.call("POST", "/api/calls", { ani: "+14805550201" })).body.interactionId;
    await s.call("POST", `/api/calls/${queued}/digits`, { digits: "1" });
    await eventually(async () => ((await s.call("GET", `/api/calls/${queued}`)).body.state === "queued" ? true : undefined), "the caller to be queued");
    // A second caller still in the menu: not in the center yet, ended all the same.
    const inMenu = (await s.call("POST", "/api/calls", { ani: "+14805550202" })).body.interactionId;
    const phone = await s.socket(`/api/calls/${inMenu}/ws?observe=1`);
    await phone.next((m) => m.type === "collect" || (m.type === "hello" && m.collecting), "the menu");
    const calls = s.server.context.calls;
    const ended = await s.server.close("shutdown");
    expect(ended).toBe(2);
    for (const id of [queued, inMenu]) {
      const session = calls.get(id)!;
      expect(session.summary()).toMatchObject({ state: "ended", endReason: "shutdown" });
      expect(session.events.at(-1)).toMatchObject({ type: "ended", reason: "shutdown" });
    }
    expect(s.logs).toContain("info: ended 2 contacts (shutdown)");
    await s.close();
  });
});
