/**
 * The identity service's token endpoint under a secret-guessing attack, over real HTTP from
 * chosen loopback addresses: ten wrong secrets in a minute for one client from one address make
 * that pair wait (429, Retry-After) even with the right secret; the same client from another
 * address, and the server's own web client (whose code redemption sign-in needs), are not locked
 * out. The counting is the CRM token service's (util/failure-guard.ts).
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_APP, signIn } from "../helpers/api-auth.js";
import type { TestServer } from "../server/helpers.js";
import { startSecurityServer } from "./helpers.js";

let t: TestServer;

beforeAll(async () => {
  t = await startSecurityServer();
});

afterAll(async () => {
  await t?.close();
});

function tokenRequest(clientId: string, secret: string, from: string): Promise<{ status: number; retryAfter?: string; body: { error?: string; error_description?: string; access_token?: string } }> {
  const body = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: secret, scope: "api://ccflow/.default" }).toString();
  return new Promise((resolve, reject) => {
    const req = request(`${t.url}/identity/token`, { method: "POST", localAddress: from, headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ...(res.headers["retry-after"] ? { retryAfter: String(res.headers["retry-after"]) } : {}), body: JSON.parse(text) as never }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("failed client secrets at /identity/token", () => {
  it("lock out only the (client, address) that guessed", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await tokenRequest(DEV_APP.clientId, `guess-${i}`, "127.0.0.3")).status);
    expect(statuses).toEqual(Array(10).fill(401));
    const locked = await tokenRequest(DEV_APP.clientId, DEV_APP.clientSecret, "127.0.0.3");
    expect(locked.status).toBe(429);
    expect(Number(locked.retryAfter)).toBeGreaterThan(0);
    expect(locked.body.error).toBe("temporarily_unavailable");
    expect(locked.body.error_description).toMatch(/too many failed client authentications for .* from this address; try again in \d+ s/);
    expect(locked.body.access_token).toBeUndefined();
    // The same client from elsewhere gets its token.
    const elsewhere = await tokenRequest(DEV_APP.clientId, DEV_APP.clientSecret, "127.0.0.1");
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.access_token).toBeTruthy();
  });

  it("never lock out the server's own web client: people still sign in after guesses at its secret", async () => {
    for (let i = 0; i < 12; i++) expect((await tokenRequest("ccflow-web", `guess-${i}`, "127.0.0.1")).status).toBe(401);
    const ana = await signIn(t.url, "ana");
    expect(ana.user.name).toBe("Ana Lima");
  });
});
