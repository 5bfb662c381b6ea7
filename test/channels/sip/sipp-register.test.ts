/**
 * SIP phones register with ccflow (SIPp as the phone): the first REGISTER is challenged (401), the
 * digest of a `sip.users` entry makes a binding that ccflow keeps with its expiry (the 200 lists
 * it), a keep-alive OPTIONS is answered, Expires: 0 removes it, and a registration nobody renews
 * lapses. A wrong password is challenged again and registers nothing; a user registering another
 * user's address gets 403.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestServer, type TestServer } from "../../server/helpers.js";
import { cue, hasSipp, runSipp } from "./helpers.js";
import { queueFlow } from "./tone-call.js";

describe.skipIf(!hasSipp)("SIP phones register (REGISTER with digest, SIPp)", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({
      flows: [{ id: "queue", definition: queueFlow }],
      environment: {
        queues: [{ id: "Q-Voice", name: "Voice" }],
        sip: {
          users: [
            { username: "alice", password: "correct-horse" },
            { username: "bob", password: "battery-staple" },
          ],
          registrar: { minExpires: 1, maxExpires: 3600 },
        },
      },
      extra: { sipPort: 0 },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  const target = () => `127.0.0.1:${new URL(t.server.context.urls.sip!.replace(/^sip:/, "sip://")).port}`;
  const registrar = () => t.server.context.sip!.registrar;

  function phone(scenario: string, user: string, credentials: [string, string], expires: number, more: string[] = []) {
    return runSipp(scenario, { target: target(), dnis: user, ani: "+14806754110", rtpPort: 9, extraArgs: ["-key", "expires", String(expires), "-au", credentials[0], "-ap", credentials[1], ...more] });
  }

  it("challenges, registers with the digest, answers the phone's OPTIONS, and unregisters on Expires: 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccflow-register-"));
    const ready = join(dir, "keep-alive-answered");
    const sipp = await phone("phone-registers.xml", "alice", ["alice", "correct-horse"], 120, ["-key", "ready", ready]);
    try {
      const [binding] = await Promise.race([
        eventually(() => (registrar().lookup("alice").length ? registrar().lookup("alice") : undefined), "alice's binding"),
        sipp.done.then((r) => Promise.reject(new Error(`SIPp ended first (${r.code}): ${r.output.slice(-3000)}`))),
      ]);
      expect(binding!.contact).toBe(`sip:alice@127.0.0.1:${sipp.sipPort};transport=UDP`);
      expect(binding!.peer).toMatchObject({ address: "127.0.0.1", port: sipp.sipPort, transport: "UDP" });
      const left = registrar().remaining(binding!);
      expect(left).toBeGreaterThan(100);
      expect(left).toBeLessThanOrEqual(120);
      expect(t.logs.some((l) => /alice registered sip:alice@127\.0\.0\.1:\d+;transport=UDP for 1[12]\d s over UDP/.test(l)), t.logs.join("\n")).toBe(true);

      // The phone's keep-alive OPTIONS must have its 200 before the cue reaches it.
      await Promise.race([
        eventually(() => existsSync(ready) || undefined, "the phone's keep-alive answered"),
        sipp.done.then((r) => Promise.reject(new Error(`SIPp ended first (${r.code}): ${r.output.slice(-3000)}`))),
      ]);
      await cue(binding!.callId, sipp.sipPort);
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      expect(registrar().lookup("alice")).toEqual([]);
      expect(t.logs.some((l) => /alice unregistered sip:alice@/.test(l))).toBe(true);
    } finally {
      sipp.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("lets a registration nobody renews lapse", async () => {
    const sipp = await phone("phone-registers-once.xml", "bob", ["bob", "battery-staple"], 2);
    try {
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      expect(registrar().lookup("bob")).toHaveLength(1);
      await eventually(() => registrar().lookup("bob").length === 0 || undefined, "bob's binding lapsed", 10_000);
      await eventually(() => t.logs.some((l) => /registration of bob at sip:bob@127\.0\.0\.1:\d+;transport=UDP expired/.test(l)) || undefined, "the expiry logged", 10_000);
    } finally {
      sipp.kill();
    }
  }, 60_000);

  it("challenges a wrong password again (401) and registers nothing", async () => {
    const sipp = await phone("phone-register-refused.xml", "alice", ["alice", "wrong-horse"], 60);
    try {
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      expect(t.logs.some((l) => /REGISTER from 127\.0\.0\.1:\d+ refused \(401\): credentials refused/.test(l)), t.logs.join("\n")).toBe(true);
      expect(registrar().lookup("alice")).toEqual([]);
    } finally {
      sipp.kill();
    }
  }, 60_000);

  it("refuses (403) a user who registers another user's address", async () => {
    const sipp = await phone("phone-register-refused.xml", "bob", ["alice", "correct-horse"], 60);
    try {
      const result = await sipp.done;
      expect(result.code, result.output.slice(-3000)).toBe(0);
      expect(t.logs.some((l) => /REGISTER of alice from 127\.0\.0\.1:\d+ refused \(403\): alice may not register bob/.test(l)), t.logs.join("\n")).toBe(true);
      expect(registrar().lookup("bob")).toEqual([]);
    } finally {
      sipp.kill();
    }
  }, 60_000);
});
