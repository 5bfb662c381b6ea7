/**
 * The agent's call controls in Chromium: Ana puts a caller on hold (the softphone says so) and
 * takes them back, ends the call and wraps up with a code and notes (saved on the contact
 * record); then transfers the next caller to another queue, where Bo takes it; then consults that
 * queue with a third caller (its Available agent, Bo, is brought in) and hands the caller to him;
 * that caller's number changes mid-call, and Ana's desk shows the new one.
 * Screenshots go to test-results/web/call-controls/.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { signInPage } from "../helpers/api-auth.js";
import { eventually, startTestServer, type Loose, type TestServer } from "../server/helpers.js";
import { supportFlow } from "../server/fixtures.js";
import { hasChromium, launch, Shots, type TestBrowser } from "./browser.js";

let t: TestServer;
let b: TestBrowser;
let agent: Page;

describe.skipIf(!hasChromium)("call controls on the agent desktop", () => {
  beforeAll(async () => {
    const flow = supportFlow();
    flow.variables.get("Tier")!.isAgentEditable = true;
    t = await startTestServer({
      flows: [{ id: "support", definition: flow }],
      environment: {
        queues: [
          { id: "Q-Test", name: "Test Queue" },
          { id: "Q-Other", name: "Other Queue" },
        ],
        agents: [
          { id: "ana", name: "Ana Lima", email: "ana@example.com", queues: ["Q-Test"] },
          { id: "bo", name: "Bo Chen", queues: ["Q-Other"] },
        ],
        center: { ringTimeoutSeconds: 60, wrapUpCodes: [{ id: "resolved", name: "Resolved" }, { id: "callback", name: "Call back later" }] },
      },
    });
    b = await launch();
    await b.context.addInitScript(() => localStorage.setItem("ccflow.speech", "off"));
    agent = await b.context.newPage();
    await signInPage(agent, t.url, "ana", "/#/agent");
    await agent.selectOption("#agent-select", "ana");
    await agent.click("#sign-in");
    await agent.click("#go-available");
    await agent.locator(".state-bar .pill", { hasText: "Available" }).waitFor();
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  /** A caller on the softphone in its own tab, through the menu into the queue; Ana accepts. */
  async function callAndAccept(number: string): Promise<{ phone: Page; id: string }> {
    const phone = await b.context.newPage();
    await phone.goto(`${t.url}/#/phone`);
    await phone.locator('#flow option[value="support"]').waitFor({ state: "attached" });
    await phone.fill("#ani", number);
    await phone.selectOption("#flow", "support");
    await phone.click("#call");
    const id = await eventually(async () => ((await t.call("GET", "/api/contacts?state=active")).body as Loose[]).find((c) => c.ani === number)?.interactionId as string | undefined, "the call");
    await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
    await agent.locator("#offer").waitFor();
    await agent.click("#accept");
    await agent.locator("#on-call").waitFor();
    return { phone, id };
  }

  it("holds and resumes the caller, edits call-associated data, and wraps up with a code and notes", { timeout: 90_000 }, async () => {
    const shots = new Shots("call-controls");
    const { phone, id } = await callAndAccept("+14805550901");
    await agent.click("#hold");
    await agent.locator("#held-tag").waitFor();
    await phone.locator("#on-hold").waitFor();
    await phone.locator(".bubble.music").last().waitFor();
    await shots.take(agent, "agent-on-hold");
    await shots.take(phone, "caller-on-hold");
    await agent.click("#resume");
    await agent.locator("#hold").waitFor();
    expect(await agent.locator("#held-tag").count()).toBe(0);

    await agent.fill('input[data-edit="Tier"]', "Platinum");
    await agent.click('button[data-save="Tier"]');
    await eventually(async () => ((await t.call("GET", `/api/contacts/${id}`)).body.variables.Tier === "Platinum" ? true : undefined), "the edited tier");

    await agent.click("#end-call");
    await agent.locator("#wrap-up").waitFor();
    await agent.click("#wrapup-available");
    await agent.locator(".toast", { hasText: "choose a wrap-up code" }).waitFor();
    await agent.selectOption("#wrapup-code", "callback");
    await agent.fill("#wrapup-notes", "Wants a call on Monday about the invoice.");
    await shots.take(agent, "wrap-up");
    await agent.click("#wrapup-available");
    await agent.locator(".state-bar .pill", { hasText: "Available" }).waitFor();
    const record = await eventually(async () => (await t.call("GET", `/api/records/${id}`)).body.record?.wrapUp, "the wrap-up on the record");
    expect(record).toMatchObject({ code: "callback", name: "Call back later", notes: "Wants a call on Monday about the invoice.", agentId: "ana" });
    const actions = ((await t.call("GET", `/api/contacts/${id}`)).body.events as Loose[]).filter((e) => e.type === "control").map((e) => e.action);
    expect(actions).toEqual(["hold", "resume", "edit-cad", "wrap-up"]);
    await phone.close();
  });

  it("transfers a caller to another queue, where Bo takes it", { timeout: 90_000 }, async () => {
    const shots = new Shots("call-controls-transfer");
    await t.call("POST", "/api/agents/bo/login", { available: true });
    const { phone, id } = await callAndAccept("+14805550902");
    await agent.selectOption("#transfer-queue", "Q-Other");
    await shots.take(agent, "transfer");
    await agent.click("#transfer-to-queue");
    await agent.locator("#wrap-up").waitFor();
    await phone.locator(".bubble.music").last().waitFor();
    const offer = await eventually(async () => (await t.call("GET", "/api/agents/bo")).body.offer, "the offer to Bo");
    await t.call("POST", "/api/agents/bo/accept", { offerId: offer.offerId });
    await phone.locator("text=Connected to").last().waitFor();
    await shots.take(phone, "caller-transferred");
    const events = (await t.call("GET", `/api/contacts/${id}`)).body.events as Loose[];
    expect(events.filter((e) => e.type === "answered").map((e) => e.agentName)).toEqual(["Ana Lima", "Bo Chen"]);
    expect(events.find((e) => e.type === "requeued")).toMatchObject({ reason: "transfer", queueName: "Other Queue" });
    await agent.selectOption("#wrapup-code", "resolved");
    await agent.click("#wrapup-available");
    await agent.locator(".state-bar .pill", { hasText: "Available" }).waitFor();
    await phone.close();
  });

  it("consults the other queue: its Available agent, Bo, is brought in and takes the caller", { timeout: 90_000 }, async () => {
    const shots = new Shots("call-controls-consult-queue");
    const bo = async () => (await t.call("GET", "/api/agents/bo")).body as Loose;
    if ((await bo()).agent.state === "Engaged") await t.call("POST", "/api/agents/bo/end");
    await t.call("POST", "/api/agents/bo/wrapup", { code: "resolved", state: "Available" });
    await eventually(async () => ((await bo()).agent.state === "Available" ? true : undefined), "Bo Available");
    const { phone, id } = await callAndAccept("+14805550903");
    // An operator passes on the caller's real number: Ana's desk shows it at once.
    await t.call("POST", `/api/calls/${id}/ani`, { ani: "+14085550199" });
    await agent.locator(".toast", { hasText: "The caller's number is now +14085550199" }).waitFor();
    await agent.locator("#on-call", { hasText: "+14085550199" }).waitFor();
    await agent.selectOption("#transfer-queue", "Q-Other");
    await agent.click("#consult-queue");
    await agent.locator("#consulting", { hasText: "Bo Chen of Other Queue" }).waitFor();
    await shots.take(agent, "consulting-queue");
    expect((await bo()).consult).toMatchObject({ role: "consulted", with: { id: "ana" } });
    await agent.click("#consult-transfer");
    await agent.locator("#wrap-up").waitFor();
    expect((await bo()).contact).toMatchObject({ interactionId: id });
    const consult = ((await t.call("GET", `/api/contacts/${id}`)).body.events as Loose[]).find((e) => e.type === "control" && e.action === "consult");
    expect(consult).toMatchObject({ detail: "Bo Chen of queue Other Queue" });
    await agent.selectOption("#wrapup-code", "resolved");
    await agent.click("#wrapup-available");
    await agent.locator(".state-bar .pill", { hasText: "Available" }).waitFor();
    await phone.close();
  });
});
