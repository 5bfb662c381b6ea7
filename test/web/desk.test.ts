/**
 * The supervisor's live KPIs and reports (charts and the CSV download), the CRM home page, and
 * the agent desktop in a narrow (phone-sized) window, in Chromium; screenshots go to
 * test-results/web/desk*.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInPage } from "../helpers/api-auth.js";
import { eventually, startTestServer, type TestServer } from "../server/helpers.js";
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

  it("draws today's report per queue from the stored records, and downloads it as CSV", async () => {
    const shots = new Shots("desk-reports");
    const page = await b.context.newPage();
    await signInPage(page, t.url, "sam", "/#/supervisor");
    // One caller who hangs up while waiting: offered and abandoned in this interval.
    const placed = await t.call("POST", "/api/calls", { ani: "+14805550778", flow: "support" });
    const id = placed.body.interactionId as string;
    await t.call("POST", `/api/calls/${id}/digits`, { digits: "1" });
    await page.locator('.kpis[data-kpis="Q-Test"] .stat', { hasText: "waiting now" }).locator(".value", { hasText: "1" }).waitFor();
    await t.call("POST", `/api/calls/${id}/hangup`);
    const report = page.locator('.report[data-report="Q-Test"]');
    // Today's line says what the API says (other tests of this file may have placed calls too).
    const today = (await eventually(async () => {
      const r = (await t.call("GET", "/api/reports?interval=1d&queue=Q-Test")).body.queues[0].intervals.at(-1);
      return r.abandoned >= 1 ? r : undefined;
    }, "the abandoned call in the report")) as { offered: number; answered: number; abandoned: number };
    await report.locator(".report-totals", { hasText: `${today.offered} offered · ${today.answered} answered · ${today.abandoned} abandoned` }).waitFor();
    expect(await report.locator("rect.bar.abandoned").count()).toBeGreaterThanOrEqual(1);
    await page.click('#report-interval button[data-interval="15m"]');
    await page.locator('#report-interval button.on[data-interval="15m"]').waitFor();
    await report.locator("rect.bar.abandoned").first().waitFor();
    await page.locator(".reports-card").scrollIntoViewIfNeeded();
    await shots.take(page, "supervisor-reports");

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#report-csv")]);
    expect(download.suggestedFilename()).toBe("ccflow-report-15m.csv");
    const csv = readFileSync((await download.path())!, "utf8").trim().split("\n");
    expect(csv[0]).toMatch(/^queue,interval_start,interval_end,offered,answered,abandoned,/);
    expect(csv.filter((line) => line.startsWith("Test Queue,")).map((line) => line.split(",")[5]).reduce((a, b) => a + Number(b), 0)).toBe(today.abandoned);
  });
});
