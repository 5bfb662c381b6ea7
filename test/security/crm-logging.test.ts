/**
 * The embedded CRM's failures reach the server's log (it used to log nowhere), and no secret does:
 * not a wrong client secret someone tried, not a bearer token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";
import { supportEnvironment, supportFlow } from "../server/fixtures.js";
import { startTestServer, type TestServer } from "../server/helpers.js";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ flows: [{ id: "support", definition: supportFlow() }], environment: supportEnvironment, crm: true });
});

afterAll(async () => {
  await t?.close();
});

async function crmToken(secret: string): Promise<Response> {
  return fetch(`${t.url}/${DEV_CREDENTIALS.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: DEV_CREDENTIALS.clientId, client_secret: secret, scope: `${t.url}/.default` }),
  });
}

describe("CRM failures in the server log", () => {
  it("logs a failed client authentication and a refused query, with no secret in either", async () => {
    const wrong = "wrong-secret-7f3a9c";
    expect((await crmToken(wrong)).status).toBe(401);
    const ok = (await (await crmToken(DEV_CREDENTIALS.clientSecret)).json()) as { access_token: string };
    const refused = await fetch(`${t.url}/api/data/v9.2/contacts?$filter=nosuchcolumn eq 1`, { headers: { authorization: `Bearer ${ok.access_token}` } });
    expect(refused.status).toBe(400);

    const crmLines = t.logs.filter((l) => l.includes("crm: "));
    expect(crmLines.some((l) => /^info: crm: token endpoint: client authentication failed/.test(l))).toBe(true);
    expect(crmLines.some((l) => /^info: crm: web api: request refused \(method=GET, path=contacts, status=400/.test(l))).toBe(true);
    const all = t.logs.join("\n");
    expect(all).not.toContain(wrong);
    expect(all).not.toContain(DEV_CREDENTIALS.clientSecret);
    expect(all).not.toContain(ok.access_token);
    expect(all).not.toContain(ok.access_token.split(".")[2]!);
  });
});
