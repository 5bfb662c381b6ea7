/**
 * Regenerates the README's screenshots of the agent desktop and the supervisor view from the
 * running demo: `ccflow serve` with the example flow and environment and the embedded CRM's own
 * demo data, driven in Chromium (/usr/bin/chromium, playwright-core) as a caller, Ana and Sam
 * would use it. Writes docs/images/desk-*.png. Run with `npm run screenshots`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

const root = resolve(import.meta.dirname, "../..");
const out = join(root, "docs/images");

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => done(a && typeof a === "object" ? a.port : 0));
    });
  });
}

async function signIn(page: Page, base: string, user: string, returnTo: string): Promise<void> {
  await page.goto(`${base}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  await page.fill("#username", user);
  await page.fill("#password", `${user}-dev-password`);
  await Promise.all([page.waitForURL((u) => u.pathname === "/"), page.click("button[type=submit]")]);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(out, `desk-${name}.png`) });
  console.log(`wrote docs/images/desk-${name}.png`);
}

async function main(): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), "ccflow-shots-"));
  const port = await freePort();
  const server = spawn(process.execPath, [join(root, "bin/ccflow.js"), "serve", "--port", String(port), "--no-https", "--no-sip", "--data", data], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  const base = `http://127.0.0.1:${port}`;
  let contexts: BrowserContext[] = [];
  try {
    await new Promise<void>((ready, fail) => {
      let text = "";
      server.stdout!.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("Ready in")) ready();
      });
      server.once("exit", (code) => fail(new Error(`ccflow serve exited (${code})`)));
    });
    const launch = async () => {
      const profile = mkdtempSync(join(tmpdir(), "ccflow-shots-chromium-"));
      const context = await chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", headless: true, viewport: { width: 1280, height: 820 }, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] });
      await context.addInitScript(() => localStorage.setItem("ccflow.speech", "off"));
      contexts.push(context);
      return context;
    };
    // Ana's desktop and the caller's softphone share her browser (demo users may place calls).
    const ana = await launch();
    const desk = await ana.newPage();
    await signIn(desk, base, "ana", "/#/agent");
    await desk.goto(`${base}/#/agent`);
    await desk.selectOption("#agent-select", "ana");
    await desk.click("#sign-in");
    await desk.click("#go-available");
    await desk.locator(".state-bar .pill", { hasText: "Available" }).waitFor();

    const phone = await ana.newPage();
    await phone.goto(`${base}/#/phone`);
    await phone.fill("#ani", "+14806754110");
    await phone.click("#call");
    await phone.locator("#call-status", { hasText: "Press" }).waitFor({ timeout: 60_000 });
    await phone.keyboard.press("1");
    await desk.bringToFront();
    await desk.locator("#offer").waitFor({ timeout: 60_000 });
    await desk.click("#accept");
    await desk.locator("#on-call").waitFor();
    await desk.click("#hold");
    await desk.locator("#held-tag").waitFor();
    await shot(desk, "agent-on-hold");
    await phone.bringToFront();
    await phone.locator("#on-hold").waitFor();
    await shot(phone, "caller-on-hold");
    await desk.bringToFront();
    await desk.click("#resume");
    await desk.locator("#hold").waitFor();
    await desk.click("#end-call");
    await desk.selectOption("#wrapup-code", "follow-up");
    await desk.fill("#wrapup-notes", "Asked for an update on the open case by Friday.");
    await shot(desk, "wrap-up");
    await desk.click("#wrapup-available");
    await desk.locator("#wrap-up").waitFor({ state: "detached", timeout: 15_000 });

    const sam = await launch();
    const sup = await sam.newPage();
    await signIn(sup, base, "sam", "/#/supervisor");
    await sup.goto(`${base}/#/supervisor`);
    await sup.locator(".report .report-totals", { hasText: "1 answered" }).first().waitFor({ timeout: 60_000 });
    await sup.locator(".reports-card").scrollIntoViewIfNeeded();
    await shot(sup, "supervisor-reports");
  } finally {
    for (const c of contexts) await c.close().catch(() => undefined);
    contexts = [];
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    rmSync(data, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
