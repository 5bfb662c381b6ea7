import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_RECORDS } from "../../../src/crm/demo-data.js";
import { startTestCrm, type TestCrm } from "../helpers.js";

let crm: TestCrm;
beforeAll(async () => {
  crm = await startTestCrm();
});
afterAll(async () => {
  await crm?.stop();
});

function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return crm.api(path, {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...body.error };
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe("Web API writes", () => {
  it("creates a case linked to a contact (the seed's request 7): 204 with OData-EntityId", async () => {
    const response = await send("POST", "incidents", {
      title: "New Test Title",
      description: "New Case Description",
      "customerid_contact@odata.bind": `/contacts(${SEED_RECORDS.contactId})`,
      caseorigincode: 1,
      casetypecode: 2,
    });
    expect(response.status).toBe(204);
    const entityId = response.headers.get("odata-entityid")!;
    expect(entityId).toMatch(new RegExp(`^${crm.httpUrl}/api/data/v9\\.2/incidents\\(${GUID.source}\\)$`));
    const id = GUID.exec(entityId)![0];
    const created = (await (await crm.api(`incidents(${id})?$select=title,ticketnumber,statecode,statuscode,prioritycode,_customerid_value,createdon`)).json()) as Record<string, unknown>;
    expect(created).toMatchObject({ title: "New Test Title", statecode: 0, statuscode: 1, prioritycode: 2, _customerid_value: SEED_RECORDS.contactId });
    expect(created.ticketnumber).toMatch(/^CAS-\d{5}-[A-Z0-9]{6}$/);
  });

  it("answers 201 with the row when return=representation is preferred, honouring $select", async () => {
    const response = await send(
      "POST",
      "incidents?$select=title,ticketnumber",
      { title: "Represented", "customerid_account@odata.bind": "accounts(accountnumber='NTA-0001')" },
      { Prefer: "return=representation" },
    );
    expect(response.status).toBe(201);
    expect(response.headers.get("preference-applied")).toBe("return=representation");
    expect(response.headers.get("odata-entityid")).toBeNull();
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(["@odata.context", "@odata.etag", "title", "ticketnumber", "incidentid"]);
    expect(body["@odata.context"]).toBe(`${crm.httpUrl}/api/data/v9.2/$metadata#incidents(title,ticketnumber)/$entity`);
  });

  it("accepts bind references as /set(id), set(id) and absolute URLs, and 404s a missing target", async () => {
    for (const ref of [`/contacts(${SEED_RECORDS.contactId})`, `contacts(${SEED_RECORDS.contactId})`, `${crm.httpUrl}/api/data/v9.2/contacts(${SEED_RECORDS.contactId})`]) {
      expect((await send("POST", "incidents", { title: `Bind ${ref}`, "customerid_contact@odata.bind": ref })).status).toBe(204);
    }
    const missing = await errorOf(await send("POST", "incidents", { title: "x", "customerid_contact@odata.bind": "/contacts(00000000-0000-0000-0000-00000000beef)" }));
    expect(missing).toEqual({ status: 404, code: "0x80040217", message: "contact With Id = 00000000-0000-0000-0000-00000000beef Does Not Exist" });
    const wrongSet = await errorOf(await send("POST", "incidents", { title: "x", "customerid_contact@odata.bind": "/accounts(accountnumber='NTA-0001')" }));
    expect(wrongSet.status).toBe(400);
  });

  it("rejects bad bodies with Dataverse's messages", async () => {
    expect(await errorOf(await send("POST", "incidents", { title: "No customer" }))).toEqual({
      status: 400,
      code: "0x80040203",
      message: "You should specify a parent contact or account.",
    });
    expect(await errorOf(await send("POST", "contacts", { nickname: "x" }))).toEqual({
      status: 400,
      code: "0x80060888",
      message: "The property 'nickname' does not exist on type 'Microsoft.Dynamics.CRM.contact'. Make sure to only use property names that are defined by the type.",
    });
    expect((await errorOf(await send("POST", "incidents", { title: "x", _customerid_value: SEED_RECORDS.contactId }))).message).toBe(
      "CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.",
    );
    expect((await errorOf(await send("POST", "contacts", { firstname: 5 }))).message).toBe("Cannot convert the literal '5' to the expected type 'Edm.String'.");
    expect((await errorOf(await send("POST", "contacts", "{not json"))).status).toBe(400);
    const tooLong = await errorOf(await send("POST", "contacts", { lastname: "x".repeat(51) }));
    expect(tooLong).toMatchObject({ status: 400, code: "0x80044331" });
    expect(tooLong.message).toContain("exceeded the maximum allowed length of '50'");
  });

  it("ignores read-only columns and recomputes the full name (the seed's request 8)", async () => {
    const response = await send("PATCH", `contacts(${SEED_RECORDS.contactId})`, { lastname: "Webex", fullname: "Ignored Name" });
    expect(response.status).toBe(204);
    expect(response.headers.get("odata-entityid")).toBe(`${crm.httpUrl}/api/data/v9.2/contacts(${SEED_RECORDS.contactId})`);
    const row = (await (await crm.api(`contacts(${SEED_RECORDS.contactId})?$select=fullname`)).json()) as Record<string, unknown>;
    expect(row.fullname).toBe("Yvonne Webex");
    await send("PATCH", `contacts(${SEED_RECORDS.contactId})`, { lastname: "McKay" });
  });

  it("treats PATCH as upsert and honours If-Match / If-None-Match", async () => {
    const id = "4a1d2c3b-0000-4000-8000-00000000c0de";
    const created = await send("PATCH", `contacts(${id})`, { firstname: "Upsert", lastname: "Created", telephone1: "+15550001111" });
    expect(created.status).toBe(204);
    const read = await crm.api(`contacts(${id})?$select=fullname,telephone1`);
    const etag = read.headers.get("etag")!;
    expect(await read.json()).toMatchObject({ fullname: "Upsert Created" });
    expect((await crm.api("contacts?$select=fullname&$filter=contains(telephone1,'5550001111')").then((r) => r.json()) as { value: unknown[] }).value).toHaveLength(1);

    const mustExist = await errorOf(await send("PATCH", "contacts(00000000-0000-0000-0000-00000000f00d)", { firstname: "x" }, { "If-Match": "*" }));
    expect(mustExist).toEqual({ status: 404, code: "0x80040217", message: "contact With Id = 00000000-0000-0000-0000-00000000f00d Does Not Exist" });
    const mustNotExist = await errorOf(await send("PATCH", `contacts(${id})`, { firstname: "x" }, { "If-None-Match": "*" }));
    expect(mustNotExist).toMatchObject({ status: 412, message: "A record with matching key values already exists." });

    expect((await send("PATCH", `contacts(${id})`, { jobtitle: "Tester" }, { "If-Match": etag })).status).toBe(204);
    const stale = await errorOf(await send("PATCH", `contacts(${id})`, { jobtitle: "Again" }, { "If-Match": etag }));
    expect(stale).toEqual({ status: 412, code: "0x80060882", message: "The version of the existing record doesn't match the RowVersion property provided." });
    const staleDelete = await send("DELETE", `contacts(${id})`, undefined, { "If-Match": etag });
    expect(staleDelete.status).toBe(412);

    const represented = await send("PATCH", `contacts(${id})?$select=jobtitle`, { jobtitle: "Lead" }, { Prefer: "return=representation" });
    expect(represented.status).toBe(200);
    expect(await represented.json()).toMatchObject({ jobtitle: "Lead", contactid: id });

    expect((await send("DELETE", `contacts(${id})`)).status).toBe(204);
    expect((await send("DELETE", `contacts(${id})`)).status).toBe(404);
  });

  it("upserts through an alternate key", async () => {
    expect((await send("PATCH", "accounts(accountnumber='ALT-77')", { name: "Alternate Key Ltd" })).status).toBe(204);
    const row = (await (await crm.api("accounts(accountnumber='ALT-77')?$select=name,accountnumber")).json()) as Record<string, unknown>;
    expect(row).toMatchObject({ name: "Alternate Key Ltd", accountnumber: "ALT-77" });
    expect((await send("PATCH", "accounts(accountnumber='ALT-77')", { name: "Renamed Ltd" })).status).toBe(204);
    const count = await crm.api("accounts/$count?$filter=accountnumber eq 'ALT-77'");
    expect((await count.text()).replace(/^\uFEFF/, "")).toBe("1");
  });

  it("writes and clears single properties and lookups through $ref", async () => {
    const created = await send("POST", "contacts", { firstname: "Prop", lastname: "Erty" });
    const id = GUID.exec(created.headers.get("odata-entityid")!)![0];
    expect((await send("PUT", `contacts(${id})/jobtitle`, { value: "Engineer" })).status).toBe(204);
    expect(await (await crm.api(`contacts(${id})/jobtitle`)).json()).toMatchObject({ value: "Engineer" });
    expect((await send("DELETE", `contacts(${id})/jobtitle`)).status).toBe(204);
    expect((await crm.api(`contacts(${id})/jobtitle`)).status).toBe(204);

    const account = "accounts(accountnumber='NTA-0001')";
    expect((await send("PUT", `${account}/primarycontactid/$ref`, { "@odata.id": `${crm.httpUrl}/api/data/v9.2/contacts(${id})` })).status).toBe(204);
    const ref = (await (await crm.api(`${account}/primarycontactid/$ref`)).json()) as Record<string, unknown>;
    expect(ref["@odata.id"]).toBe(`${crm.httpUrl}/api/data/v9.2/contacts(${id})`);
    expect((await send("DELETE", `${account}/primarycontactid/$ref`)).status).toBe(204);
    expect((await crm.api(`${account}/primarycontactid`)).status).toBe(204);
    expect((await send("PUT", `${account}/primarycontactid/$ref`, { "@odata.id": `contacts(${SEED_RECORDS.contactId})` })).status).toBe(204);

    const child = await send("POST", `contacts(${id})/incident_customer_contacts`, { title: "Created through the collection" });
    expect(child.status).toBe(204);
    const cases = (await (await crm.api(`contacts(${id})/incident_customer_contacts?$select=title`)).json()) as { value: Array<{ title: string }> };
    expect(cases.value.map((c) => c.title)).toEqual(["Created through the collection"]);
  });

  it("answers 405 for methods a resource does not support", async () => {
    expect(await errorOf(await send("PATCH", "contacts", { firstname: "x" }))).toEqual({
      status: 405,
      code: "0x80060888",
      message: "The requested resource does not support http method 'PATCH'.",
    });
    expect((await send("DELETE", "contacts")).status).toBe(405);
    expect((await send("POST", "WhoAmI", {})).status).toBe(405);
  });
});
