/**
 * The dialler on the agent desktop in Chromium, with SIPp as the customers: Ana types a busy
 * number and presses Call — the desk tells her it was busy (SIP 486) and that the contact ended;
 * then she calls a number that answers and the desk shows her on the call with that customer.
 * A preview campaign then holds her: the desk shows the contact's number, she presses Call and
 * the answered customer is on her desk. Screenshots go to test-results/web/dialler/.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { signInPage } from "../helpers/api-auth.js";
import { buildFlow } from "../helpers/flow-builder.js";
import { freeUdpPort, hasSipp } from "../channels/sip/helpers.js";
import { startTestServer, type TestServer } from "../server/helpers.js";
import { ANSWERS, BUSY, customer } from "../campaigns/sipp-customers.js";
import { hasChromium, launch, Shots, type TestBrowser } from "./browser.js";

describe.skipIf(!hasChromium || !hasSipp)("outdial and preview campaigns on the agent desktop", () => {
  let t: TestServer;
  let b: TestBrowser;
  let agent: Page;
  let dir: string;
  const ports = { answers: 0, busy: 0 };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ccflow-desk-dialler-"));
    ports.answers = await freeUdpPort();
    ports.busy = await freeUdpPort();
    t = await startTestServer({
      flows: [{ id: "outbound", definition: buildFlow({ name: "Outbound", main: [{ name: "Placeholder", type: "end" }], links: [] }) }],
      environment: {
        queues: [{ id: "Q-Camp", name: "Collections" }],
        agents: [{ id: "ana", name: "Ana Lima", email: "ana@example.com", queues: ["Q-Camp"] }],
        center: {
          ringTimeoutSeconds: 60,
          dialPlan: [
            { prefix: "+1555", uri: `sip:{number}@127.0.0.1:${ports.answers}` },
            { prefix: "+1666", uri: `sip:{number}@127.0.0.1:${ports.busy}` },
          ],
          outsideRingSeconds: 10,
        },
      },
      extra: { sipPort: 0 },
    });
    b = await launch();
    await b.context.addInitScript(() => localStorage.setItem("ccflow.speech", "off"));
    agent = await b.context.newPage();
    await signInPage(agent, t.url, "ana", "/#/agent");
    await agent.selectOption("#agent-select", "ana");
    await agent.click("#sign-in");
    await agent.click("#go-available");
    await agent.locator(".state-bar .pill", { hasText: "Available" }).waitFor();
  }, 90_000);

  afterAll(async () => {
    await b?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("Ana dials a busy number, is told why, then dials one that answers and is on the call", { timeout: 90_000 }, async () => {
    const shots = new Shots("dialler");
    const busy = await customer(BUSY, dir, 1, ports.busy);
    const answers = await customer(ANSWERS, dir, 1, ports.answers);
    try {
      await agent.fill("#outdial-number", "+16660007001");
      await agent.click("#outdial");
      await agent.locator("#outdial-result", { hasText: "+16660007001: busy (SIP 486)" }).waitFor();
      expect(await agent.locator("#outdial-result").textContent()).toContain("ended (outdial-busy)");
      await agent.locator(".state-bar .pill", { hasText: "Available" }).waitFor();
      await shots.take(agent, "outdial-busy");

      await agent.fill("#outdial-number", "+15550007002");
      await agent.click("#outdial");
      await agent.locator("#on-call").waitFor();
      expect(await agent.locator("#on-call").textContent()).toContain("+15550007002");
      await shots.take(agent, "outdial-connected");
      await agent.click("#end-call");
      await agent.locator("#wrap-up").waitFor();
      expect((await busy.done).code).toBe(0);
      const r = await answers.done;
      expect(r.code, r.output).toBe(0);
      await t.call("POST", "/api/agents/ana/wrapup", { state: "Available" });
      await agent.locator(".state-bar .pill", { hasText: "Available" }).waitFor();
    } finally {
      busy.kill();
      answers.kill();
    }
  });

  it("a preview campaign shows Ana the contact; she presses Call and the customer is on her desk", { timeout: 90_000 }, async () => {
    const shots = new Shots("dialler-preview");
    const answers = await customer(ANSWERS, dir, 1, ports.answers);
    try {
      const created = await t.call("POST", "/api/campaigns", { name: "Renewals", mode: "preview", numbers: ["+15550007003"], queue: "Q-Camp", flow: "outbound" });
      expect(created.status).toBe(201);
      await agent.locator("#preview-number", { hasText: "+15550007003" }).waitFor();
      await shots.take(agent, "preview");
      await agent.click("#preview-accept");
      // The customer answered: offered to Ana (hers alone), she accepts.
      await agent.locator("#offer").waitFor();
      await agent.click("#accept");
      await agent.locator("#on-call").waitFor();
      expect(await agent.locator("#on-call").textContent()).toContain("+15550007003");
      await shots.take(agent, "preview-connected");
      await agent.click("#end-call");
      const r = await answers.done;
      expect(r.code, r.output).toBe(0);
    } finally {
      answers.kill();
    }
  });
});
