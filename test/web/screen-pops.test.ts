/**
 * Screen pops on the agent desktop, in Chromium: a pop for "inside the desktop" opens in the
 * desktop's own pane, one for the "existing screen-pop tab" opens in a named tab, every pop is
 * listed, and a pop whose address is not http(s) is listed as refused and never opened. And a
 * caller who looks at the supervisor view in the same tab keeps their call.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFlow } from "../helpers/flow-builder.js";
import { startTestServer, type TestServer } from "../server/helpers.js";
import { hasChromium, launch, Shots, type TestBrowser } from "./browser.js";
import { signInPage } from "../helpers/api-auth.js";

const pop = (name: string, url: string, target: string, label: string) => ({
  name,
  type: "screen-pop",
  props: { screenPopUrl: url, queryParameters: {}, target, screenPopDesktopLabel: label },
});

const flow = buildFlow({
  name: "Pops",
  main: [
    { name: "Queue", type: "queue-contact", props: { destination: "Q-Pops", toggle: false } },
    { name: "Hold", type: "play-music", props: { prompt: "hold.wav", duration: "30" } },
  ],
  links: [
    ["Queue", "default", "Hold"],
    ["Hold", "default", "Hold"],
  ],
  events: {
    AgentContactAssigned: {
      nodes: [
        pop("PopInside", "https://crm.example.com/main.aspx?pagetype=entitylist&etn=contact", "insideDesktop", "Contacts inside"),
        pop("PopSame", "https://crm.example.com/main.aspx?pagetype=entitylist&etn=incident", "sameBrowserTab", "Cases in the pop tab"),
        pop("PopScript", "javascript:document.title='owned'", "newBrowserTab", "Not a web address"),
        { name: "EndAssigned", type: "end" },
      ],
      links: [
        ["AgentContactAssigned", "out", "PopInside"],
        ["PopInside", "default", "PopSame"],
        ["PopSame", "default", "PopScript"],
        ["PopScript", "default", "EndAssigned"],
      ],
    },
  },
});

let t: TestServer;
let b: TestBrowser;

describe.skipIf(!hasChromium)("screen pops on the agent desktop", () => {
  beforeAll(async () => {
    t = await startTestServer({
      flows: [{ id: "pops", definition: flow }],
      crm: true,
      environment: {
        queues: [{ id: "Q-Pops", name: "Pops" }],
        agents: [{ id: "ana", name: "Ana Lima", queues: ["Q-Pops"] }],
        center: { ringTimeoutSeconds: 120 },
        screenPop: { rewriteHosts: { "crm.example.com": "embedded-crm" } },
      },
    });
    b = await launch();
  });

  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it("opens inside-desktop pops in the pane, existing-tab pops in the named tab, and refuses a javascript: address", async () => {
    const shots = new Shots("screen-pops");
    const agent = await b.context.newPage();
    await signInPage(agent, t.url, "ana", "/#/agent");
    await agent.selectOption("#agent-select", "ana");
    await agent.click("#sign-in");
    await agent.click("#go-available");
    await agent.locator(".state-bar .pill", { hasText: "Available" }).waitFor();

    const placed = await t.call("POST", "/api/calls", { ani: "+14805550999", flow: "pops" });
    expect(placed.status).toBe(201);
    await agent.locator("#offer").waitFor();
    const tab = b.context.waitForEvent("page");
    await agent.click("#accept");
    const named: Page = await tab;
    await named.waitForLoadState();
    expect(new URL(named.url()).searchParams.get("etn")).toBe("incident");
    expect(await named.evaluate(() => window.name)).toBe("ccflow-screen-pop");

    await agent.locator("#pop-list .pop").nth(2).waitFor();
    const frame = agent.frameLocator("#pop-iframe");
    await frame.locator("h1", { hasText: "Contacts" }).waitFor();
    expect(await agent.locator("#pop-pane-label").textContent()).toBe("Contacts inside");
    const refused = agent.locator("#pop-list .pop", { hasText: "Not a web address" });
    expect(await refused.locator("span.pop-url.blocked").count()).toBe(1);
    expect(await refused.locator("a").count()).toBe(0);
    // The agent desktop and the one named pop tab; nothing opened for the javascript: pop.
    expect(b.context.pages().filter((p) => p.url().startsWith("http")).map((p) => new URL(p.url()).pathname)).toEqual(["/", "/main.aspx"]);
    expect(await agent.title()).not.toBe("owned");
    await agent.bringToFront();
    await shots.take(agent, "agent-desktop-with-pops");

    await agent.click("#end-call");
    await agent.click("#wrapup-available");
  }, 90_000);

  it("keeps the softphone's call up while the same tab shows the supervisor view", async () => {
    const page = await b.context.newPage();
    await page.addInitScript(() => localStorage.setItem("ccflow.speech", "off"));
    // The supervisor view needs the supervisor role: Sam (supervisor and caller) signs this browser in.
    await signInPage(page, t.url, "sam", "/#/phone");
    await page.locator('#flow option[value="pops"]').waitFor({ state: "attached" });
    await page.fill("#ani", "+14805550888");
    await page.click("#call");
    await page.locator("#transcript .note", { hasText: "Waiting in" }).waitFor();
    await page.evaluate(() => (location.hash = "#/supervisor"));
    await page.locator("#contacts tr", { hasText: "+14805550888" }).waitFor();
    await page.evaluate(() => (location.hash = "#/phone"));
    const live = (await t.call("GET", "/api/contacts?state=active")).body as Array<{ ani: string; state: string }>;
    // Still waiting (or ringing Ana, whose desktop from the test before is Available): not ended.
    expect(["queued", "offered"]).toContain(live.find((c) => c.ani === "+14805550888")?.state);
    await page.click("#hangup");
    await page.locator("#transcript .note.end").waitFor();
    await page.close();
  }, 60_000);
});
