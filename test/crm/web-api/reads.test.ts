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

async function json(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await crm.api(path, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

type Rows = Array<Record<string, unknown>>;
const ANNOTATIONS = { Prefer: 'odata.include-annotations="*"' };

describe("Web API reads", () => {
  it("answers the seed's ANI lookup exactly as Dataverse shapes it", async () => {
    const { status, headers, body } = await json("contacts?$select=fullname,telephone1,contactid&$filter=contains(telephone1,'14806754110')");
    expect(status).toBe(200);
    expect(headers.get("content-type")).toBe("application/json; odata.metadata=minimal");
    expect(headers.get("odata-version")).toBe("4.0");
    expect(body["@odata.context"]).toBe(`${crm.httpUrl}/api/data/v9.2/$metadata#contacts(fullname,telephone1,contactid)`);
    const rows = body.value as Rows;
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!)).toEqual(["@odata.etag", "fullname", "telephone1", "contactid"]);
    expect(rows[0]).toMatchObject({ fullname: SEED_RECORDS.contactName, telephone1: "+14806754110", contactid: SEED_RECORDS.contactId });
    expect(rows[0]!["@odata.etag"]).toMatch(/^W\/"\d+"$/);
    const unknown = await json("contacts?$select=fullname,telephone1,contactid&$filter=contains(telephone1,'19995550000')");
    expect(unknown.body.value).toEqual([]);
  });

  it("serves WhoAmI with and without parentheses, the service document and $metadata", async () => {
    for (const path of ["WhoAmI", "WhoAmI()"]) {
      const { status, body } = await json(path);
      expect(status).toBe(200);
      expect(body).toMatchObject({ UserId: crm.crm.config.applicationUserId, BusinessUnitId: crm.crm.config.businessUnitId, OrganizationId: crm.crm.config.organizationId });
      expect(body["@odata.context"]).toMatch(/\$metadata#Microsoft\.Dynamics\.CRM\.WhoAmIResponse$/);
    }
    const service = await json("");
    expect(service.body.value).toEqual(expect.arrayContaining([{ name: "contacts", kind: "EntitySet", url: "contacts" }, { name: "incidents", kind: "EntitySet", url: "incidents" }]));
    const metadata = await crm.api("$metadata", { headers: { Accept: "application/xml" } });
    const xml = await metadata.text();
    expect(metadata.headers.get("content-type")).toMatch(/^application\/xml/);
    expect(xml).toContain('<EntityType Name="account" BaseType="mscrm.crmbaseentity">');
    expect(xml).toContain('<Key><PropertyRef Name="accountid"/></Key>');
    expect(xml).toContain('<NavigationProperty Name="customerid_contact" Type="mscrm.contact">');
  });

  it("returns every column when nothing is selected, the primary key always, and lower-case GUIDs", async () => {
    const all = await json("accounts?$filter=name eq 'Nehas Test Account'");
    const account = (all.body.value as Rows)[0]!;
    expect(account).toHaveProperty("revenue");
    expect(account).toHaveProperty("_primarycontactid_value", SEED_RECORDS.contactId);
    expect(account.createdon).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Object.keys(account).at(-1)).toBe("accountid");
    const selected = await json("accounts?$select=name&$filter=name eq 'Nehas Test Account'");
    expect(Object.keys((selected.body.value as Rows)[0]!)).toEqual(["@odata.etag", "name", "accountid"]);
    const nav = await json("incidents?$select=customerid");
    expect(nav.status).toBe(400);
    expect(nav.body).toEqual({ error: { code: "0x80060888", message: "Could not find a property named 'customerid' on type 'Microsoft.Dynamics.CRM.incident'." } });
  });

  it("matches lookups by quoted (Postman) and unquoted (dynamics-web-api) GUIDs and keeps creation order", async () => {
    const quoted = await json(`incidents?$filter=_customerid_value eq '${SEED_RECORDS.contactId}'&$select=title,_customerid_value,ticketnumber`);
    const unquoted = await json(`incidents?$filter=_customerid_value%20eq%20${SEED_RECORDS.contactId.toUpperCase()}&$select=title,_customerid_value,ticketnumber`);
    expect(quoted.body.value).toEqual(unquoted.body.value);
    expect((quoted.body.value as Rows).map((r) => r.title)).toEqual([SEED_RECORDS.caseTitle, "Follow-up on thermostat replacement"]);
    const first = await json("incidents?$select=title,_customerid_value,ticketnumber");
    const firstCase = (first.body.value as Rows)[0]!;
    expect(firstCase).toMatchObject({ title: SEED_RECORDS.caseTitle, incidentid: SEED_RECORDS.caseId });
    expect(firstCase.ticketnumber).toMatch(/^CAS-\d{5}-[A-Z0-9]{6}$/);
  });

  it("counts with $count=true (capped at 5000) and /$count as plain text", async () => {
    const counted = await json("contacts?$select=fullname&$count=true&$top=2");
    expect(Object.keys(counted.body).slice(0, 2)).toEqual(["@odata.context", "@odata.count"]);
    expect(counted.body["@odata.count"]).toBe(36);
    expect(counted.body.value).toHaveLength(2);
    const plain = await crm.api("contacts/$count");
    expect(plain.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(Number((await plain.text()).replace(/^\uFEFF/, ""))).toBe(36);
    const nested = await crm.api(`contacts(${SEED_RECORDS.contactId})/incident_customer_contacts/$count`);
    expect(Number((await nested.text()).trim().replace(/^\uFEFF/, ""))).toBe(2);
  });

  it("pages with Prefer odata.maxpagesize through a nextLink that round-trips, ignoring $top", async () => {
    const first = await json("contacts?$select=fullname&$orderby=lastname desc,fullname&$filter=statecode eq 0&$top=3", { headers: { Prefer: "odata.maxpagesize=7" } });
    expect(first.headers.get("preference-applied")).toBe("odata.maxpagesize=7");
    const names: unknown[] = (first.body.value as Rows).map((r) => r.fullname);
    expect(names).toHaveLength(7);
    let next = first.body["@odata.nextLink"] as string | undefined;
    expect(next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/contacts\?\$select=fullname&.*\$skiptoken=%3Ccookie%20pagenumber%3D%222%22/);
    let pages = 1;
    while (next) {
      const response = await fetch(next, { headers: { Authorization: `Bearer ${crm.token}`, Prefer: "odata.maxpagesize=7" } });
      const body = (await response.json()) as Record<string, unknown>;
      names.push(...(body.value as Rows).map((r) => r.fullname));
      next = body["@odata.nextLink"] as string | undefined;
      pages++;
    }
    expect(pages).toBe(6);
    const all = await json("contacts?$select=fullname&$orderby=lastname desc,fullname&$filter=statecode eq 0");
    expect(names).toEqual((all.body.value as Rows).map((r) => r.fullname));
    expect(new Set(names).size).toBe(36);
  });

  it("adds formatted values and lookup annotations before each property when asked", async () => {
    const { body, headers } = await json(`incidents(${SEED_RECORDS.caseId})?$select=title,prioritycode,createdon,_customerid_value`, { headers: ANNOTATIONS });
    expect(headers.get("preference-applied")).toBe('odata.include-annotations="*"');
    expect(body).toMatchObject({
      "prioritycode@OData.Community.Display.V1.FormattedValue": "High",
      prioritycode: 1,
      "_customerid_value@OData.Community.Display.V1.FormattedValue": SEED_RECORDS.contactName,
      "_customerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty": "customerid_contact",
      "_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "contact",
    });
    expect(body["createdon@OData.Community.Display.V1.FormattedValue"]).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2} (AM|PM)$/);
    const keys = Object.keys(body);
    expect(keys.indexOf("prioritycode@OData.Community.Display.V1.FormattedValue")).toBe(keys.indexOf("prioritycode") - 1);
    const onlyNames = await json(`incidents(${SEED_RECORDS.caseId})?$select=prioritycode`, { headers: { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.*"' } });
    expect(Object.keys(onlyNames.body).some((k) => k.includes("FormattedValue"))).toBe(false);
  });

  it("expands lookups and collections with nested options, and references", async () => {
    const single = await json(`incidents?$select=title&$filter=_customerid_value eq ${SEED_RECORDS.contactId}&$expand=customerid_contact($select=fullname)`);
    const row = (single.body.value as Rows)[0]!;
    expect(row.customerid_contact).toMatchObject({ fullname: SEED_RECORDS.contactName, contactid: SEED_RECORDS.contactId });
    const account = await json(`incidents?$select=title&$filter=title eq 'Account-level service review'&$expand=customerid_contact($select=fullname),customerid_account($select=name)`);
    expect((account.body.value as Rows)[0]).toMatchObject({ customerid_contact: null, customerid_account: { name: "Contoso Pharmaceuticals" } });
    const collection = await json(
      `contacts(${SEED_RECORDS.contactId})?$select=fullname&$expand=incident_customer_contacts($select=title,prioritycode;$filter=prioritycode eq 1;$orderby=title desc)`,
    );
    expect((collection.body.incident_customer_contacts as Rows).map((r) => r.title)).toEqual([SEED_RECORDS.caseTitle]);
    const ref = await json(`accounts?$select=name&$filter=name eq 'Nehas Test Account'&$expand=primarycontactid/$ref`);
    expect((ref.body.value as Rows)[0]!.primarycontactid).toEqual({ "@odata.id": `${crm.httpUrl}/api/data/v9.2/contacts(${SEED_RECORDS.contactId})` });
    const bad = await json("incidents?$expand=title");
    expect(bad.body).toEqual({
      error: {
        code: "0x80060888",
        message: "Property 'title' on type 'Microsoft.Dynamics.CRM.incident' is not a navigation property or complex property. Only navigation properties can be expanded.",
      },
    });
    const nestedTop = await json(`incidents?$expand=customerid_contact($select=fullname;$top=1)`);
    expect(nestedTop.status).toBe(400);
  });

  it("reads single rows by id, alternate key, property, $value and navigation, with Dataverse's 404s", async () => {
    const byKey = await json("accounts(accountnumber='NTA-0001')?$select=name");
    expect(byKey.body).toMatchObject({ name: "Nehas Test Account" });
    expect(byKey.body["@odata.context"]).toMatch(/#accounts\(name\)\/\$entity$/);
    expect(byKey.headers.get("etag")).toMatch(/^W\/"\d+"$/);
    const property = await json(`contacts(${SEED_RECORDS.contactId})/fullname`);
    expect(property.body).toEqual({ "@odata.context": `${crm.httpUrl}/api/data/v9.2/$metadata#contacts(${SEED_RECORDS.contactId})/fullname`, value: SEED_RECORDS.contactName });
    expect(await (await crm.api(`contacts(${SEED_RECORDS.contactId})/fullname/$value`)).text()).toBe(SEED_RECORDS.contactName);
    const nav = await json(`accounts(accountnumber='NTA-0001')/primarycontactid?$select=fullname`);
    expect(nav.body).toMatchObject({ fullname: SEED_RECORDS.contactName, contactid: SEED_RECORDS.contactId });
    const member = await json(`contacts(${SEED_RECORDS.contactId})/incident_customer_contacts(${SEED_RECORDS.caseId})?$select=title`);
    expect(member.body).toMatchObject({ title: SEED_RECORDS.caseTitle, incidentid: SEED_RECORDS.caseId });
    const notMember = await json(`accounts(accountnumber='NTA-0001')/incident_customer_accounts(${SEED_RECORDS.caseId})`);
    expect(notMember.status).toBe(404);
    const braces = await json(`contacts({${SEED_RECORDS.contactId}})?$select=fullname`);
    expect(braces.status).toBe(200);
    const missing = await json("contacts(00000000-0000-0000-0000-000000000001)");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: "0x80040217", message: "contact With Id = 00000000-0000-0000-0000-000000000001 Does Not Exist" } });
    const unknownSet = await json("acounts");
    expect(unknownSet.status).toBe(404);
    expect(unknownSet.body).toEqual({ error: { code: "0x80060888", message: "Resource not found for the segment 'acounts'." } });
  });

  it("answers a conditional GET with 304 while the row is unchanged", async () => {
    const first = await crm.api(`contacts(${SEED_RECORDS.contactId})?$select=fullname`);
    const etag = first.headers.get("etag")!;
    const again = await crm.api(`contacts(${SEED_RECORDS.contactId})?$select=fullname`, { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    const withAnnotations = await crm.api(`contacts(${SEED_RECORDS.contactId})?$select=fullname`, { headers: { "If-None-Match": etag, ...ANNOTATIONS } });
    expect(withAnnotations.status).toBe(200);
  });

  it("rejects $skip and unknown options as Dataverse does, decodes + as a space, and takes long URLs", async () => {
    const skip = await json("contacts?$skip=5");
    expect(skip.status).toBe(400);
    expect(skip.body).toEqual({ error: { code: "0x80060888", message: "Skip Clause is not supported in CRM" } });
    const plus = await json("contacts?$select=fullname&$filter=contains(telephone1,'+14806754110')");
    expect(plus.body.value).toEqual([]);
    const encoded = await json("contacts?$select=fullname&$filter=contains(telephone1,'%2B14806754110')");
    expect(encoded.body.value).toHaveLength(1);
    const longFilter = Array.from({ length: 400 }, (_, i) => `telephone1 eq '+1555${String(i).padStart(7, "0")}'`).join(" or ");
    expect(longFilter.length).toBeGreaterThan(12_000);
    const long = await json(`contacts?$select=fullname&$filter=${encodeURIComponent(longFilter)}`);
    expect(long.status).toBe(200);
  });

  it("filters through navigation paths, lambdas and Dataverse query functions", async () => {
    const viaNav = await json("incidents?$select=title&$filter=customerid_contact/fullname eq 'yvonne mckay'");
    expect((viaNav.body.value as Rows).map((r) => r.title)).toEqual([SEED_RECORDS.caseTitle, "Follow-up on thermostat replacement"]);
    const high = await json("contacts?$select=fullname&$filter=incident_customer_contacts/any(i:i/prioritycode eq 1)&$count=true");
    expect(high.body["@odata.count"]).toBeGreaterThan(3);
    const none = await json("contacts?$select=fullname&$filter=not incident_customer_contacts/any()&$count=true");
    expect(none.body["@odata.count"]).toBe(11);
    const inList = await json("incidents?$select=title&$filter=Microsoft.Dynamics.CRM.In(PropertyName='prioritycode',PropertyValues=['1'])&$count=true");
    const highCases = await json("incidents?$select=title&$filter=prioritycode eq 1&$count=true");
    expect(inList.body["@odata.count"]).toBe(highCases.body["@odata.count"]);
    const alias = await json("contacts?$select=fullname&$filter=contains(fullname,@p1)&@p1='McKay'");
    expect((alias.body.value as Rows).map((r) => r.fullname)).toEqual([SEED_RECORDS.contactName]);
  });
});
