/**
 * Stopping the server while ccflow's dialler has a number ringing: the customer's phone (SIPp,
 * ringing with a 60 s ring time) gets ccflow's CANCEL as the server stops, not a minute later,
 * and the SIPp run ends cleanly (CANCEL answered, 487 acknowledged).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { buildFlow } from "../helpers/flow-builder.js";
import { freeUdpPort, hasSipp } from "../channels/sip/helpers.js";
import { eventually, startTestServer } from "../server/helpers.js";
import { customer, RINGS } from "./sipp-customers.js";

it.skipIf(!hasSipp)("a number still ringing when the server stops is given up with CANCEL at once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ccflow-dialler-stop-"));
  const port = await freeUdpPort();
  const t = await startTestServer({
    flows: [{ id: "outbound", definition: buildFlow({ name: "Outbound", main: [{ name: "Placeholder", type: "end" }], links: [] }) }],
    environment: {
      queues: [{ id: "Q-Out", name: "Outbound" }],
      agents: [{ id: "ana", name: "Ana Lima", queues: ["Q-Out"] }],
      center: { dialPlan: [{ prefix: "+1777", uri: `sip:{number}@127.0.0.1:${port}` }], outsideRingSeconds: 60 },
    },
    extra: { sipPort: 0 },
  });
  const party = await customer(RINGS, dir, 1, port);
  try {
    await t.call("POST", "/api/agents/ana/login", { available: true });
    const pending = t.call("POST", "/api/agents/ana/outdial", { number: "+17770009001" }).catch(() => undefined);
    await eventually(() => t.server.context.calls.list().find((s) => s.ani === "+17770009001"), "the outdial contact");
    // Ringing at the customer (the 180 has come back) before the server stops.
    await new Promise((r) => setTimeout(r, 500));
    const stopped = Date.now();
    await t.close();
    const sipp = await party.done;
    expect(sipp.code, sipp.output).toBe(0);
    // Well inside the 60 s ring time: the CANCEL came with the stop.
    expect(Date.now() - stopped).toBeLessThan(30_000);
    await pending;
  } finally {
    party.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);
