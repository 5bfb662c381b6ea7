/**
 * Debian's Chromium driven by playwright-core, for the web UI tests. Skipped with a notice when
 * /usr/bin/chromium is absent (CI installs it through .ci/run). Screenshots go to test-results/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { repoRoot } from "../helpers/shared.js";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) process.stderr.write(`notice: ${CHROMIUM} is absent; the browser tests of the web UI are skipped (apt-get install chromium)\n`);

export interface TestBrowser {
  /** One browser window's context: the softphone, the agent desktop and screen pops share it. */
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile (--user-data-dir) each time, so no state leaks between runs. `args`: more Chromium switches. */
export async function launch(args: string[] = []): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "ccflow-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...args,
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves numbered screenshots of one scenario under test-results/web/<scenario>/. */
export class Shots {
  private n = 0;
  readonly dir: string;

  constructor(scenario: string) {
    this.dir = resolve(repoRoot, "test-results/web", scenario);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  async take(page: Page, name: string): Promise<void> {
    this.n++;
    await page.screenshot({ path: join(this.dir, `${String(this.n).padStart(2, "0")}-${name}.png`), fullPage: true });
  }
}
