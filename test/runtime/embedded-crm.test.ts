/**
 * The CRM `ccflow call` and the flow tests start in-process hands the flow's connectors a client
 * made for this run: not the public development app, so guesses at the development secret
 * (which lock that app out from this address) do not stop a call's CRM lookups.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../src/crm/config.js";
import { startEmbeddedCrm, type EmbeddedCrm } from "../../src/runtime/embedded-crm.js";

const dataDir = mkdtempSync(join(tmpdir(), "ccflow-embedded-crm-"));
let crm: EmbeddedCrm;

beforeAll(async () => {
  crm = await startEmbeddedCrm({ dataDir });
});

afterAll(async () => {
  await crm?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function token(clientId: string, secret: string): Promise<Response> {
  return fetch(`${crm.binding.baseUrl}/${crm.binding.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: secret, scope: `${crm.binding.baseUrl}/.default` }),
  });
}

describe("the embedded CRM of ccflow call", () => {
  it("gives the connectors fresh credentials, which work while the development app is locked out", async () => {
    expect(crm.binding.clientId).not.toBe(DEV_CREDENTIALS.clientId);
    expect(crm.binding.clientSecret).not.toBe(DEV_CREDENTIALS.clientSecret);
    expect(crm.binding.clientSecret).toMatch(/^[\w-]{43}$/);
    for (let i = 0; i < 10; i++) await token(DEV_CREDENTIALS.clientId, `guess-${i}`);
    expect((await token(DEV_CREDENTIALS.clientId, DEV_CREDENTIALS.clientSecret)).status).toBe(429);
    const ours = await token(crm.binding.clientId, crm.binding.clientSecret);
    expect(ours.status).toBe(200);
    const { access_token } = (await ours.json()) as { access_token: string };
    const whoAmI = await fetch(`${crm.binding.baseUrl}/api/data/v9.2/WhoAmI`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(whoAmI.status).toBe(200);
  });
});
