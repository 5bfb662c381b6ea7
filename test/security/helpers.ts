/** What the security tests share: a two-agent center, and a raw WebSocket upgrade that reports the HTTP status. */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { supportFlow } from "../server/fixtures.js";
import { startTestServer, type TestServer } from "../server/helpers.js";
import type { ServeOptions } from "../../src/server/server.js";

export const twoAgents = {
  queues: [{ id: "Q-Test", name: "Test Queue" }],
  agents: [
    { id: "ana", name: "Ana Lima", email: "ana@example.com", queues: ["Q-Test"] },
    { id: "ben", name: "Ben Okafor", email: "ben@example.com", queues: ["Q-Test"] },
  ],
  center: { ringTimeoutSeconds: 60 },
};

export function startSecurityServer(options: { crm?: boolean; extra?: Partial<ServeOptions>; httpsPort?: number | false } = {}): Promise<TestServer> {
  return startTestServer({ flows: [{ id: "support", definition: supportFlow() }], environment: twoAgents, ...options });
}

/**
 * Asks for a WebSocket upgrade over a raw TCP socket and resolves with the status line's code:
 * 101 when the server switched protocols, else the refusal's status (401, 403, 404...).
 */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const u = new URL(url.replace(/^ws/, "http"));
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname, () => {
      const lines = [
        `GET ${u.pathname}${u.search} HTTP/1.1`,
        `Host: ${u.host}`,
        "Connection: Upgrade",
        "Upgrade: websocket",
        "Sec-WebSocket-Version: 13",
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    });
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      text += d;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error(`no answer to the upgrade of ${url}: ${text.slice(0, 200)}`)));
  });
}

/** A concrete path for a route pattern: `:id` becomes the given agent or call id. */
export function concrete(url: string, ids: { agent: string; call: string; flow: string }): string {
  if (url.startsWith("/api/agents/:id")) return url.replace(":id", ids.agent);
  if (url.startsWith("/api/calls/:id") || url.startsWith("/api/contacts/:id")) return url.replace(":id", ids.call);
  if (url.startsWith("/api/flows/:id")) return url.replace(":id", ids.flow);
  return url;
}
