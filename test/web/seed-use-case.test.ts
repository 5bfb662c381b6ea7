/**
 * The seed use case end to end through the web UI, in Chromium, with the seed flow unchanged and
 * with our example flow: a known caller hears the personalised prompt, presses 1, the agent
 * accepts and a new tab opens on the embedded CRM's page of that caller's last case; an unknown
 * caller's call ends in the new-case form, where the agent creates a case that is then in the CRM
 * (checked through the Web API). Screenshots of each step land in test-results/web/.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SEED_RECORDS } from "../../src/crm/index.js";
import { crmToken } from "../../src/server/demo-callers.js";
import { FlowCatalog, type FlowFileSpec } from "../../src/server/flows.js";
import { hasShared, repoRoot, seedFlowPath } from "../helpers/shared.js";
import { startTestServer, type Loose, type TestServer } from "../server/helpers.js";
import { hasChromium, launch, Shots, type TestBrowser } from "./browser.js";
import { signInPage } from "../helpers/api-auth.js";

const exampleFlow = resolve(repoRoot, "examples/flows/Dynamics_Priority_Routing_Flow.json");
const QUEUE = "745fab6b-55e3-49f6-a60e-d06d408eda02";
const UNKNOWN = "+15557770123";

let t: TestServer;
let b: TestBrowser;
let agent: Page;

async function webApi(path: string): Promise<Loose> {
  const ctx = t.server.context;
  const token = await crmToken(t.url, ctx.crm!);
  const res = await fetch(`${t.url}/api/data/v9.2/${path}`, { headers: { authorization: `Bearer ${token}`, accept: "application/json" } });
  expect(res.status).toBe(200);
  return res.json();
}

const flows: FlowFileSpec[] = [
  ...(existsSync(exampleFlow) ? [{ file: exampleFlow, source: "example" as const, id: "example" }] : []),
  ...(hasShared ? [{ file: seedFlowPath, source: "seed" as const, id: "seed" }] : []),
];

describe.skipIf(!hasChromium || flows.length === 0)("the seed use case through the web UI", () => {
  beforeAll(async () => {
    t = await startTestServer({
      flows: await FlowCatalog.load(flows),
      crm: true,
      msPerChar: 2,
      environment: {
        queues: [{ id: QUEUE, name: "Customer Care" }],
        teams: [{ id: "care", name: "Care Team" }],
        agents: [{ id: "ana", name: "Ana Lima", email: "ana.lima@ccflow.local", teamId: "care", queues: [QUEUE] }],
        center: { ringTimeoutSeconds: 120 },
        screenPop: { rewriteHosts: { "org734cd33d.crm.dynamics.com": "embedded-crm" } },
      },
    });
    b = await launch();
    // No speech in the tests: prompts then last their (short) estimated time.
    await b.context.addInitScript(() => localStorage.setItem("ccflow.speech", "off"));
    agent = await b.context.newPage();
    // Ana signs in as herself: her desktop, and the softphone (demo users hold the caller role).
    await signInPage(agent, t.url, "ana", "/#/agent");
    await agent.selectOption("#agent-select", "ana");
    await agent.click("#sign-in");
    await agent.click("#go-available");
    await agent.locator(".state-bar .pill", { hasText: "Available" }).waitFor();
  });

  // A failed step must not leave the agent busy for the next scenario.
  afterEach(async () => {
    for (const p of b.context.pages()) if (p !== agent) await p.close();
    const state = (await t.call("GET", "/api/agents/ana")).body.agent.state as string;
    if (state === "Reserved") await t.call("POST", "/api/agents/ana/decline");
    if (state === "Engaged") await t.call("POST", "/api/agents/ana/end");
    if (state !== "Available") await t.call("POST", "/api/agents/ana/state", { state: "Available" });
  });

  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  async function dial(phone: Page, number: string, flowId: string, shots: Shots): Promise<void> {
    await phone.goto(`${t.url}/#/phone`);
    await phone.locator(`#flow option[value="${flowId}"]`).waitFor({ state: "attached" });
    await phone.fill("#ani", number);
    await phone.selectOption("#flow", flowId);
    await shots.take(phone, "softphone-ready");
    await phone.click("#call");
  }

  async function acceptAndCatchPop(shots: Shots): Promise<Page> {
    await agent.locator("#offer").waitFor();
    await shots.take(agent, "agent-offer");
    const popup = b.context.waitForEvent("page");
    await agent.click("#accept");
    const pop = await popup;
    await pop.waitForLoadState();
    await agent.locator("#on-call").waitFor();
    await shots.take(agent, "agent-on-call");
    return pop;
  }

  async function hangUpAndWrapUp(phone: Page, shots: Shots): Promise<void> {
    await agent.bringToFront();
    await agent.click("#end-call");
    await agent.locator("#wrap-up").waitFor();
    await shots.take(agent, "agent-wrap-up");
    await agent.click("#wrapup-available");
    await agent.locator(".state-bar .pill", { hasText: "Available" }).waitFor();
    await phone.locator("#transcript .note.end").waitFor();
    await shots.take(phone, "softphone-call-ended");
    await phone.close();
  }

  const cases = [
    { flow: "seed", file: seedFlowPath, greeting: "Hello, Yvonne McKay !", unknownPrompt: "no Case associated" },
    { flow: "example", file: exampleFlow, greeting: "Hello Yvonne McKay. Your open case", unknownPrompt: "We could not find an account for this number" },
  ].filter((c) => flows.some((f) => f.id === c.flow));

  describe.each(cases)("with the $flow flow", ({ flow, greeting, unknownPrompt }) => {
    it("a known caller hears the personalised prompt, presses 1, and the agent's new tab opens on the caller's last case", async () => {
      const shots = new Shots(`${flow}-known-caller`);
      const phone = await b.context.newPage();
      await dial(phone, SEED_RECORDS.contactPhone, flow, shots);
      const personal = phone.locator("#transcript .bubble.ivr", { hasText: greeting });
      await personal.waitFor();
      await shots.take(phone, "personalised-prompt");
      await phone.click('#keypad [data-key="1"]');
      await phone.locator("#transcript .note", { hasText: "Waiting in" }).waitFor();
      await shots.take(phone, "queued");

      const pop = await acceptAndCatchPop(shots);
      // The seed flow pops the first case of an unfiltered query (Yvonne's, in the demo data);
      // the example flow pops her newest open case.
      const expected =
        flow === "seed"
          ? SEED_RECORDS.caseId
          : (await webApi(`incidents?$select=incidentid,title&$filter=_customerid_value eq ${SEED_RECORDS.contactId} and statecode eq 0&$orderby=createdon desc&$top=1`)).value[0].incidentid;
      const url = new URL(pop.url());
      expect(url.origin).toBe(t.url);
      expect(url.pathname).toBe("/main.aspx");
      expect(url.searchParams.get("etn")).toBe("incident");
      expect(url.searchParams.get("id")).toBe(expected);
      const record = (await webApi(`incidents(${expected})?$select=title,ticketnumber`)) as { title: string; ticketnumber: string };
      await pop.locator("body", { hasText: record.title }).waitFor();
      expect(await pop.locator("body").textContent()).toContain(record.ticketnumber);
      await shots.take(pop, "crm-case-page");
      await pop.close();

      expect(await agent.locator("#pop-list .pop-url").first().textContent()).toContain(`id=${expected}`);
      expect(await agent.locator("#cad").textContent()).toContain("Yvonne McKay");
      await phone.bringToFront();
      await phone.locator("#transcript .note.good", { hasText: "Connected to Ana Lima" }).waitFor();
      await shots.take(phone, "softphone-connected");
      await hangUpAndWrapUp(phone, shots);
    }, 90_000);

    it("an unknown caller reaches the agent with the new-case form, and the case the agent saves is in the CRM", async () => {
      const shots = new Shots(`${flow}-unknown-caller`);
      const phone = await b.context.newPage();
      await dial(phone, UNKNOWN, flow, shots);
      await phone.locator("#transcript .bubble.ivr", { hasText: unknownPrompt }).waitFor();
      await shots.take(phone, "unknown-caller-prompt");

      const pop = await acceptAndCatchPop(shots);
      const url = new URL(pop.url());
      expect(url.pathname).toBe("/main.aspx");
      expect(url.searchParams.get("etn")).toBe("incident");
      expect(url.searchParams.get("id")).toBeNull();
      await pop.locator('input[name="title"]').waitFor();
      await shots.take(pop, "crm-new-case-form");

      const title = `Call from ${UNKNOWN} via ${flow} flow ${Date.now()}`;
      await pop.fill('input[name="title"]', title);
      // The agent files it under a known customer without cases, so other scenarios keep theirs.
      const noCase = t.server.context.demo.callers.find((c) => c.known && !c.casePriority)!;
      const contact = (await webApi(`contacts?$select=contactid&$filter=${encodeURIComponent(`telephone1 eq '${noCase.number}'`)}`)).value[0];
      await pop.selectOption('select[name="customer"]', `contact:${contact.contactid}`);
      await pop.fill('textarea[name="description"]', "Created by the agent from the screen pop.");
      await pop.click('button[type="submit"]');
      await pop.locator("body", { hasText: title }).waitFor();
      await shots.take(pop, "crm-case-created");

      const created = await webApi(`incidents?$select=incidentid,title,description&$filter=${encodeURIComponent(`title eq '${title}'`)}`);
      expect(created.value).toHaveLength(1);
      expect(created.value[0].description).toBe("Created by the agent from the screen pop.");
      await pop.close();
      await hangUpAndWrapUp(phone, shots);
    }, 90_000);
  });

  it("shows the calls and their traces on the supervisor view", async () => {
    const shots = new Shots("supervisor");
    const sup = await b.context.newPage();
    // The supervisor view needs the supervisor role: Sam signs in (this browser's session is now his).
    await signInPage(sup, t.url, "sam", "/#/supervisor");
    await sup.locator("#agents tr", { hasText: "Ana Lima" }).waitFor();
    await sup.locator("#contacts tr.clickable").first().click();
    await sup.locator("#trace .ev-http").first().waitFor();
    expect(await sup.locator("#trace .ev-http .status.ok").first().textContent()).toBe("200");
    await sup.locator("#variables table.vars").waitFor();
    await sup.waitForFunction(() => ((document.querySelector("#flow-graph") as HTMLImageElement | null)?.naturalWidth ?? 0) > 0);
    await shots.take(sup, "supervisor-trace");
    await sup.close();
  });
});
