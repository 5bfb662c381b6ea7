import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS } from "../../../src/crm/config.js";
import { SEED_RECORDS } from "../../../src/crm/demo-data.js";
import { startTestCrm, type TestCrm } from "../helpers.js";

const here = path.dirname(fileURLToPath(import.meta.url));

type Row = Record<string, unknown>;
/** What dwa-client.mjs prints: each library call's return value. */
interface ClientOutput {
  msal: Row;
  wrongSecret: { errorCode?: string; message?: string };
  whoAmI: Row;
  ani: { oDataCount?: number; oDataContext?: string; value: Row[] };
  cases: { value: Row[] };
  paging: { page1: number; page1Next: boolean; page2First: string; page1Names: string[]; allCount: number; allDistinct: number };
  retrieve: Row;
  count: number;
  countFiltered: number;
  created: string;
  createdRepresentation: Row;
  updated: boolean;
  afterUpdate: string;
  staleUpdate: boolean;
  updateWithEtag: boolean;
  upserted: string;
  upsertedName: string;
  deleted: boolean;
  afterDelete: Row;
  batch: unknown[];
  batchCases: Row[];
}
let crm: TestCrm;

beforeAll(async () => {
  crm = await startTestCrm();
});
afterAll(async () => {
  await crm?.stop();
});

/** Runs the client program in a fresh Node with the CRM's CA trusted and no proxy settings. */
function runClient(): Promise<{ code: number | null; result: Record<string, unknown>; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "NODE_OPTIONS"]) delete env[key];
  Object.assign(env, {
    NODE_EXTRA_CA_CERTS: crm.caPath,
    CRM_HTTPS_URL: crm.httpsUrl,
    CRM_TENANT_ID: DEV_CREDENTIALS.tenantId,
    CRM_CLIENT_ID: DEV_CREDENTIALS.clientId,
    CRM_CLIENT_SECRET: DEV_CREDENTIALS.clientSecret,
    CRM_CONTACT_ID: SEED_RECORDS.contactId,
  });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, "dwa-client.mjs")], { env, cwd: path.resolve(here, "../../..") });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      try {
        resolve({ code, result: JSON.parse(line) as Record<string, unknown>, stderr });
      } catch {
        reject(new Error(`client printed no result (exit ${code}): ${stdout}\n${stderr}`));
      }
    });
  });
}

describe("@azure/msal-node and dynamics-web-api against the CRM over HTTPS", () => {
  it("get a token with knownAuthorities and run every kind of Web API call", async () => {
    const { code, result, stderr } = await runClient();
    expect(result.ok, JSON.stringify(result, null, 2) + stderr).toBe(true);
    expect(code).toBe(0);
    const out = result.out as ClientOutput;

    expect(out.msal).toEqual({ tokenType: "Bearer", hasToken: true, secondFromCache: true });
    expect(out.wrongSecret.errorCode).toBe("invalid_client");
    expect(out.wrongSecret.message).toContain("7000215");
    expect(out.whoAmI).toMatchObject({ UserId: crm.crm.config.applicationUserId, BusinessUnitId: crm.crm.config.businessUnitId });

    expect(out.ani.oDataCount).toBe(1);
    expect(out.ani.value).toHaveLength(1);
    expect(out.ani.value[0]).toMatchObject({ fullname: "Yvonne McKay", telephone1: "+14806754110", contactid: SEED_RECORDS.contactId });
    expect(out.ani.oDataContext).toMatch(/\$metadata#contacts\(fullname,telephone1,contactid\)$/);

    expect(out.cases.value.map((c) => c.title)).toEqual([SEED_RECORDS.caseTitle, "Follow-up on thermostat replacement"]);
    expect(out.cases.value[0]!.customerid_contact).toMatchObject({ fullname: "Yvonne McKay" });
    expect(out.cases.value[0]!.prioritycode_Formatted).toBe("High");

    expect(out.paging).toMatchObject({ page1: 10, page1Next: true, allCount: 36, allDistinct: 36 });
    expect(out.paging.page1Names).not.toContain(out.paging.page2First);

    expect(out.retrieve).toMatchObject({ fullname: "Yvonne McKay", telephone1: "+14806754110" });
    expect(out.count).toBe(36);
    expect(out.countFiltered).toBe(2);

    expect(out.created).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.createdRepresentation.title).toBe("With representation");
    expect(out.createdRepresentation.ticketnumber).toMatch(/^CAS-\d{5}-[A-Z0-9]{6}$/);
    expect(out.updated).toBe(true);
    expect(out.afterUpdate).toBe("Updated by dynamics-web-api");
    expect(out.staleUpdate).toBe(false);
    expect(out.updateWithEtag).toBe(true);

    expect(out.upserted).toBe("5b0e5a4e-1c2d-4e3f-8a9b-0c1d2e3f4a5b");
    expect(out.upsertedName).toBe("Upserted Contact Again");
    expect(out.deleted).toBe(true);
    expect(out.afterDelete).toMatchObject({ status: 404, code: "0x80040217" });

    expect(out.batch).toHaveLength(4);
    expect((out.batch[0] as { value: Row[] }).value[0]).toMatchObject({ fullname: "Yvonne McKay" });
    expect(out.batch[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.batch[2]).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.batchCases.map((c) => c.title)).toEqual(["Batch case"]);
  }, 60_000);
});
