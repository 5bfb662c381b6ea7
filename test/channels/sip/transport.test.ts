import { createSocket } from "node:dgram";
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SipTransport } from "../../../src/channels/sip/transport.js";

const listening: Server[] = [];
afterEach(async () => {
  await Promise.all(listening.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function takeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  listening.push(server);
  return (server.address() as { port: number }).port;
}

describe("a SIP server choosing its port", () => {
  it("listens on UDP and TCP on one port when asked for any port", async () => {
    const transport = new SipTransport("127.0.0.1", () => undefined);
    const port = await transport.listen(0);
    expect(port).toBeGreaterThan(0);
    // Both are taken by us now: another TCP listener on that port is refused.
    await expect(new Promise((resolve, reject) => {
      const other = createServer();
      other.once("error", reject);
      other.listen(port, "127.0.0.1", () => {
        listening.push(other);
        resolve(undefined);
      });
    })).rejects.toMatchObject({ code: "EADDRINUSE" });
    await transport.close();
  });

  it("reports a named port whose TCP side is taken, and lets go of the UDP side", async () => {
    const port = await takeTcpPort();
    const transport = new SipTransport("127.0.0.1", () => undefined);
    await expect(transport.listen(port)).rejects.toMatchObject({ code: "EADDRINUSE" });
    // The UDP socket bound before TCP failed is closed again: the port is free for UDP.
    const udp = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, "127.0.0.1", resolve);
    });
    udp.close();
  });
});
