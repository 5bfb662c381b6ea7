/**
 * Interop with a real browser SIP library: JsSIP 3.13 (bundled for the page by esbuild) runs in
 * Chromium with a fake microphone and talks to ccflow over SIP over WebSocket (`ws://…/sip`). The
 * phone registers (a digest challenge answered by JsSIP), calls the number, hears the hold music
 * (getStats), holds ccflow with JsSIP's own hold() (a re-INVITE with a=sendonly: ccflow must stop
 * sending) and takes it back with unhold(), presses 5 by SIP INFO (JsSIP's default) and 7 by RFC
 * 4733 (its RTCDTMFSender path), and hangs up with terminate() — a BYE that ends the contact.
 */
import { createRequire } from "node:module";
import type * as Esbuild from "esbuild";
import type * as JsSipModule from "jssip";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallSession } from "../../src/server/calls.js";
import { queueFlow } from "../channels/sip/tone-call.js";
import { eventually, startTestServer, type TestServer } from "../server/helpers.js";
import { hasChromium, launch, type TestBrowser } from "./browser.js";

const require = createRequire(import.meta.url);
const CALLER = "+14806754110";

/** JsSIP as one script for the page (its npm package is CommonJS only). */
async function jssipBundle(): Promise<string> {
  const esbuild = (await import("esbuild")) as typeof Esbuild;
  const result = await esbuild.build({ entryPoints: [require.resolve("jssip")], bundle: true, format: "iife", globalName: "JsSIP", platform: "browser", write: false, logLevel: "silent" });
  return result.outputFiles[0]!.text;
}

type PagePhone = { session: { connection: RTCPeerConnection; hold(): boolean; unhold(): boolean; sendDTMF(k: string, o?: object): void; terminate(): void }; events: string[] };

/** Packets the page's connection has received so far (getStats). */
function packetsReceived(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const phone = (window as unknown as { phone: PagePhone }).phone;
    let n = 0;
    (await phone.session.connection.getStats()).forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "audio") n = r.packetsReceived ?? 0;
    });
    return n;
  });
}

describe.skipIf(!hasChromium)("JsSIP in Chromium calls ccflow over SIP over WebSocket", () => {
  let t: TestServer;
  let b: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    t = await startTestServer({
      flows: [{ id: "queue", definition: queueFlow }],
      environment: { queues: [{ id: "Q-Voice", name: "Voice" }], sip: { users: [{ username: CALLER, password: "correct-horse" }] } },
      extra: { sipPort: 0 },
    });
    b = await launch(["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required"]);
    page = await b.context.newPage();
    // A page of the server's own origin (the SIP socket's Origin must be allowed) that stays put.
    await page.goto(`${t.url}/sip`);
    await page.addScriptTag({ content: await jssipBundle() });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it("registers, calls, hears the music, holds and resumes by re-INVITE, presses keys by INFO and RFC 4733, hangs up", async () => {
    const wsUrl = `${t.url.replace(/^http/, "ws")}/sip`;
    const registered = await page.evaluate(
      async ([wsUrl, caller]) => {
        const JsSIP = (window as unknown as { JsSIP: typeof JsSipModule }).JsSIP;
        const ua = new JsSIP.UA({ sockets: [new JsSIP.WebSocketInterface(wsUrl)], uri: `sip:${caller}@ccflow.invalid`, password: "correct-horse", register: true, register_expires: 300 });
        (window as unknown as { ua: unknown }).ua = ua;
        const outcome = new Promise<string>((resolve) => {
          ua.on("registered", () => resolve("registered"));
          ua.on("registrationFailed", (e: { cause?: string }) => resolve(`failed: ${e.cause}`));
        });
        ua.start();
        return outcome;
      },
      [wsUrl, CALLER] as const,
    );
    expect(registered).toBe("registered");
    const [binding] = t.server.context.sip!.registrar.lookup(CALLER);
    expect(binding?.peer.transport).toBe("WS");

    const since = Date.now();
    const answered = await page.evaluate(async () => {
      const ua = (window as unknown as { ua: JsSipModule.UA }).ua;
      const audio = document.createElement("audio");
      audio.autoplay = true;
      document.body.appendChild(audio);
      const events: string[] = [];
      const session = ua.call("sip:+18005550100@ccflow.invalid", { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } });
      (window as unknown as { phone: { session: unknown; events: string[] } }).phone = { session, events };
      session.connection.addEventListener("track", (e) => (audio.srcObject = e.streams[0] ?? new MediaStream([e.track])));
      for (const name of ["progress", "confirmed", "ended", "failed", "hold", "unhold"]) session.on(name as "confirmed", ((e: { cause?: string }) => void events.push(e?.cause ? `${name}: ${e.cause}` : name)) as never);
      return new Promise<string>((resolve) => {
        session.on("confirmed", () => resolve("confirmed"));
        session.on("failed", (e: { cause?: string }) => resolve(`failed: ${e.cause}`));
      });
    });
    expect(answered).toBe("confirmed");
    const session: CallSession = await eventually(() => t.server.context.calls.list().find((s) => s.startedAt >= since), "the call");
    expect(session.summary()).toMatchObject({ ani: CALLER, dnis: "+18005550100" });
    expect(t.logs.some((l) => / is SIP from 127\.0\.0\.1:\d+ over WS, WebRTC PCMU/.test(l)), t.logs.join("\n")).toBe(true);

    // The hold music arrives over WebRTC.
    await page.waitForFunction(() => (window as unknown as { phone: PagePhone }).phone.session.connection.connectionState === "connected", undefined, { timeout: 60_000 });
    const p0 = await packetsReceived(page);
    await eventually(async () => (await packetsReceived(page)) > p0 + 25 || undefined, "music packets", 30_000);

    // JsSIP's hold(): a re-INVITE with a=sendonly, answered; ccflow sends nothing until unhold().
    await page.evaluate(() => (window as unknown as { phone: PagePhone }).phone.session.hold());
    await eventually(() => t.server.context.sip?.calls[0]?.onHold || undefined, "the hold taken by ccflow", 30_000);
    await eventually(async () => ((await page.evaluate(() => (window as unknown as { phone: PagePhone }).phone.events)).includes("hold") || undefined), "JsSIP on hold");
    await new Promise((r) => setTimeout(r, 500));
    const h0 = await packetsReceived(page);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await packetsReceived(page)) - h0, "packets while JsSIP holds ccflow").toBeLessThanOrEqual(2);
    await page.evaluate(() => (window as unknown as { phone: PagePhone }).phone.session.unhold());
    await eventually(() => !t.server.context.sip?.calls[0]?.onHold || undefined, "the resume taken by ccflow", 30_000);
    const u0 = await packetsReceived(page);
    await eventually(async () => (await packetsReceived(page)) > u0 + 25 || undefined, "music after unhold", 30_000);

    // Keys: 5 by SIP INFO (JsSIP's default), 7 by RFC 4733.
    await page.evaluate(() => (window as unknown as { phone: PagePhone }).phone.session.sendDTMF("5"));
    await eventually(async () => ((await t.call("GET", `/api/calls/${session.interactionId}`)).body.bufferedDigits === "5") || undefined, "5 by INFO", 30_000);
    await page.evaluate(() => (window as unknown as { phone: PagePhone }).phone.session.sendDTMF("7", { transportType: "RFC2833" }));
    await eventually(async () => ((await t.call("GET", `/api/calls/${session.interactionId}`)).body.bufferedDigits === "57") || undefined, "7 by RFC 4733", 30_000);

    await page.evaluate(() => (window as unknown as { phone: PagePhone }).phone.session.terminate());
    await eventually(() => session.ended || undefined, "the contact ended by JsSIP's BYE");
    expect(session.summary().endReason).toBe("caller-hangup");
    const events = await page.evaluate(() => (window as unknown as { phone: PagePhone }).phone.events);
    expect(events).toEqual(expect.arrayContaining(["confirmed", "hold", "unhold"]));
  }, 240_000);
});
