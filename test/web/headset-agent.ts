/**
 * A Chromium whose microphone plays a WAV file, and an agent signed in on it with the headset
 * connected and Available: the start of every browser test that checks who hears whom.
 */
import type { Page } from "playwright-core";
import { signInPage } from "../helpers/api-auth.js";
import { eventually, type TestServer } from "../server/helpers.js";
import { launch, type TestBrowser } from "./browser.js";

export function launchWithMicrophone(wav: string): Promise<TestBrowser> {
  return launch([
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-audio-capture=${wav}`,
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
  ]);
}

export async function agentWithHeadset(b: TestBrowser, t: TestServer, agentId: string): Promise<Page> {
  const page = await b.context.newPage();
  await signInPage(page, t.url, agentId, "/#/agent");
  await page.click("#sign-in");
  await page.locator("#headset-toggle").click();
  await page.locator('#headset[data-state="connected"]').waitFor({ timeout: 20_000 });
  await page.locator("#go-available").click();
  await eventually(() => t.server.context.center.agent(agentId)?.state === "Available" || undefined, `${agentId} available`);
  return page;
}
