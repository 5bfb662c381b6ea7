/**
 * The supervisor's live KPIs, the CRM home page, and the agent desktop in a narrow (phone-sized)
 * window, in Chromium; screenshots go to test-results/web/desk/.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInPage } from "../helpers/api-auth.js";
import { startTestServer, type TestServer } from "../server/helpers.js";
import { supportEnvironment, supportFlow } from "../server/fixtures.js";
import { hasChromium, launch, Shots, type TestBrowser } from "./browser.js";

let t: TestServer;
let b: TestBrowser;

describe.skipIf(!hasChromium)("supervisor KPIs, CRM home and a narrow window", () => {
  beforeAll(async () => {
    t = await startTestServer({ flows: [{ id: "support", definition: supportFlow() }], crm: true, environment: supportEnvironment });
    b = await launch();
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it("shows each queue's live KPIs with charts, the CRM home with search, and a usable desktop at 400 px", async () => {
    const shots = new Shots("desk");
    const page = await b.context.newPage();
    await signInPage(page, t.url, "sam", "/#/supervisor");
    const placed = await t.call("POST", "/api/calls", { ani: "+14805550777", flow: "support" });
    await t.call("POST", `/api/calls/${placed.body.interactionId}/digits`, { digits: "1" });
    const strip = page.locator('.kpis[data-kpis="Q-Test"]');
    await strip.locator(".stat", { hasText: "waiting now" }).locator(".value", { hasText: "1" }).waitFor();
    for (const label of ["service level (≤ 20 s)", "avg speed of answer", "abandoned", "avg handle time", "occupancy"]) expect(await strip.locator(".label", { hasText: label }).count(), label).toBe(1);
    await shots.take(page, "supervisor-kpis");

    await page.goto(`${t.url}/main.aspx`);
    await page.locator("h1", { hasText: "Customer service" }).waitFor();
    await page.fill('input[name="q"]', "Yvonne");
    await page.click('form.search button[type="submit"]');
    await page.locator("a", { hasText: "Yvonne McKay" }).first().waitFor();
    await shots.take(page, "crm-search");

    await page.setViewportSize({ width: 400, height: 800 });
    await page.goto(`${t.url}/#/phone`);
    await page.locator("#ani").waitFor();
    // Nothing wider than the window: no sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
    // The navigation stays readable: every view's link is at least a word wide.
    for (const view of ["phone", "agent", "supervisor"]) expect((await page.locator(`#nav a[data-view="${view}"]`).boundingBox())!.width, view).toBeGreaterThan(40);
    await shots.take(page, "softphone-400px");
    await t.call("POST", `/api/calls/${placed.body.interactionId}/hangup`);
  });
});
