import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Fastify from "fastify";
import forge from "node-forge";
import { Agent } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";
import { createCrm, registerCrmRoutes, startCrmServer } from "../../src/crm/index.js";
import { getToken } from "./helpers.js";
import { storeOptions } from "./stores.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ccflow-crm-compose-"));
  dirs.push(dir);
  return dir;
}

describe("composing the CRM", () => {
  it("mounts next to other routes on one fastify instance without changing how they parse bodies", async () => {
    const store = await storeOptions();
    const crm = await createCrm({ dataDir: tempDir(), ...store.options });
    const app = Fastify();
    app.post("/echo", async (request) => ({ received: request.body }));
    registerCrmRoutes(app, crm);
    const address = await app.listen({ port: 0, host: "127.0.0.1" });
    crm.addPublicBaseUrl(address);
    try {
      const json = await fetch(`${address}/echo`, { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"a":1}' });
      expect(await json.json()).toEqual({ received: { a: 1 } });
      const form = await fetch(`${address}/echo`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "a=1" });
      expect(form.status).toBe(415);
      const token = (await (await getToken(address)).json()) as { access_token: string };
      const who = await fetch(`${address}/api/data/v9.1/WhoAmI()`, { headers: { Authorization: `Bearer ${token.access_token}` } });
      expect(who.status).toBe(200);
      const badJson = await fetch(`${address}/api/data/v9.2/contacts`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token.access_token}`, "Content-Type": "application/json" },
        body: "{oops",
      });
      expect(badJson.status).toBe(400);
      expect(((await badJson.json()) as { error: { code: string } }).error.code).toBe("0x80060888");
      expect((await fetch(`${address}/api/data/v8.0/WhoAmI`, { headers: { Authorization: `Bearer ${token.access_token}` } })).status).toBe(404);
    } finally {
      await app.close();
      await crm.close();
      await store.drop();
    }
  });

  it("creates its own CA and HTTPS certificate at first start, keeps them after, and serves HTTPS with it", async () => {
    const dataDir = tempDir();
    const store = await storeOptions();
    const first = await startCrmServer({ dataDir, ...store.options, port: 0, httpsPort: 0, env: {}, orgUrls: ["https://org734cd33d.crm.dynamics.com"] });
    const caPem = readFileSync(first.caPath, "utf8");
    expect(first.caPath).toBe(path.join(dataDir, "tls", "ca.pem"));
    expect(statSync(path.join(dataDir, "tls", "ca-key.pem")).mode & 0o077).toBe(0);
    const server = forge.pki.certificateFromPem(readFileSync(path.join(dataDir, "tls", "server.pem"), "utf8"));
    const names = (server.getExtension("subjectAltName") as { altNames: Array<{ value?: string; ip?: string }> }).altNames.map((n) => n.ip ?? n.value);
    expect(names).toEqual(expect.arrayContaining(["localhost", "127.0.0.1", "org734cd33d.crm.dynamics.com", "org734cd33d.api.crm.dynamics.com"]));
    expect(forge.pki.certificateFromPem(caPem).verify(server)).toBe(true);
    const agent = new Agent({ connect: { ca: caPem } });
    const discovery = await fetch(`${first.httpsUrl}/${DEV_CREDENTIALS.tenantId}/v2.0/.well-known/openid-configuration`, { dispatcher: agent } as RequestInit);
    expect(discovery.status).toBe(200);
    const byAddress = await fetch(first.httpsUrl.replace("localhost", "127.0.0.1") + "/common/discovery/keys", { dispatcher: agent } as RequestInit);
    expect(byAddress.status).toBe(200);
    await expect(fetch(`${first.httpsUrl}/${DEV_CREDENTIALS.tenantId}/v2.0/.well-known/openid-configuration`)).rejects.toThrow();
    await agent.close();
    await first.close();

    const second = await startCrmServer({ dataDir, ...store.options, port: 0, httpsPort: 0, env: {}, orgUrls: ["https://org734cd33d.crm.dynamics.com"] });
    expect(readFileSync(second.caPath, "utf8")).toBe(caPem);
    await second.close();
    await store.drop();
  });

  it("takes its credentials from CCFLOW_* variables and never prints an overriding secret", async () => {
    const lines: string[] = [];
    const logger = {
      info: (msg: unknown) => lines.push(String(msg)),
      warn: () => {},
      error: () => {},
      debug: () => {},
      child() {
        return this;
      },
    };
    const env = { CCFLOW_TENANT_ID: "11111111-1111-4111-8111-111111111111", CCFLOW_CLIENT_ID: "22222222-2222-4222-8222-222222222222", CCFLOW_CLIENT_SECRET: "s3cret-from-env" };
    const store = await storeOptions();
    const server = await startCrmServer({ dataDir: tempDir(), ...store.options, port: 0, httpsPort: 0, env, logger: logger as never });
    try {
      expect(lines.join("\n")).toContain("tenant id 11111111-1111-4111-8111-111111111111, client id 22222222-2222-4222-8222-222222222222");
      expect(lines.join("\n")).not.toContain("s3cret-from-env");
      const token = await fetch(`${server.httpUrl}/${env.CCFLOW_TENANT_ID}/oauth2/v2.0/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: env.CCFLOW_CLIENT_ID, client_secret: env.CCFLOW_CLIENT_SECRET, scope: `${server.httpUrl}/.default` }).toString(),
      });
      expect(token.status).toBe(200);
      const stored = JSON.stringify(await server.crm.store.listApps());
      expect(stored).not.toContain("s3cret-from-env");
      expect(stored).toContain("scrypt$");
    } finally {
      await server.close();
      await store.drop();
    }
  });
});
