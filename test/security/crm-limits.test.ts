/**
 * Hostile queries and bodies against the CRM's Web API, over real HTTP: each gets a small
 * Dataverse-shaped 4xx (never a 500, never megabytes), and the server keeps answering others.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_ORGANIZATION } from "../../src/crm/config.js";
import { MAX_FILTER_DEPTH, MAX_FILTER_TERMS } from "../../src/crm/odata/filter-limits.js";
import { MAX_JSON_DEPTH, MAX_JSON_STRING, MAX_JSON_VALUES, MAX_RESPONSE_RECORDS } from "../../src/crm/web-api/limits.js";
import { WEB_API_BODY_LIMIT } from "../../src/crm/web-api/routes.js";
import { startTestCrm, type TestCrm } from "../crm/helpers.js";

let crm: TestCrm;
let accountId: string;
const CONTACTS = 1200;

beforeAll(async () => {
  crm = await startTestCrm({ demoData: false });
  const store = crm.crm.store;
  const ctx = { userId: DEV_ORGANIZATION.applicationUserId };
  await store.bulkLoad(async (tx) => {
    const account = await tx.insert(store.schema.table("account"), { name: "Fan-out Inc." }, ctx);
    accountId = String(account.accountid);
    for (let i = 0; i < CONTACTS; i++) {
      await tx.insert(store.schema.table("contact"), { firstname: "C", lastname: String(i), telephone1: `+1480555${String(i).padStart(4, "0")}`, _parentcustomerid_value: accountId, _parentcustomerid_type: "account" }, ctx);
    }
  });
});

afterAll(async () => {
  await crm?.stop();
});

/** A refused request: status, Dataverse's error shape, and a body that stays small. */
async function refused(res: Response, status = 400): Promise<string> {
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBe(status);
  expect(text.length).toBeLessThan(2048);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("0x80060888");
  return body.error.message;
}

describe("$filter", () => {
  it("a 999-term filter is answered, not a 500 from SQLite's expression depth", async () => {
    const terms = Array.from({ length: 999 }, (_, i) => `statecode eq ${998 - i}`);
    const res = await crm.api(`contacts?$select=fullname&$filter=${encodeURIComponent(terms.join(" or "))}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { value: unknown[] }).value).toHaveLength(CONTACTS);
  });

  it(`more than ${MAX_FILTER_TERMS} conditions get a 400 naming the limit`, async () => {
    const filter = Array.from({ length: MAX_FILTER_TERMS + 200 }, () => "statecode eq 1").join(" or ");
    const message = await refused(await crm.api(`contacts?$filter=${encodeURIComponent(filter)}`));
    expect(message).toBe(`The $filter expression has ${MAX_FILTER_TERMS + 200} conditions; the limit is ${MAX_FILTER_TERMS}. Use the 'in' operator or Microsoft.Dynamics.CRM.In for long lists of values.`);
  });

  it("or-chains of equalities are answered as IN lists, mixed with other conditions, with the same rows", async () => {
    const filter = "lastname eq '7' or lastname eq '8' or telephone1 eq '+14805550009' or lastname eq 'nobody' or lastname eq '7' or startswith(lastname, '119')";
    const res = await crm.api(`contacts?$select=lastname&$filter=${encodeURIComponent(filter)}&$orderby=lastname`);
    expect(res.status).toBe(200);
    const names = ((await res.json()) as { value: Array<{ lastname: string }> }).value.map((c) => c.lastname);
    expect(names).toEqual(["119", "1190", "1191", "1192", "1193", "1194", "1195", "1196", "1197", "1198", "1199", "7", "8", "9"]);
  });

  it("a filter nested too deep gets a 400", async () => {
    let filter = "statecode eq 0";
    for (let i = 0; i < MAX_FILTER_DEPTH + 5; i++) filter = `(${filter} ${i % 2 ? "and" : "or"} statecode eq ${i})`;
    const message = await refused(await crm.api(`contacts?$filter=${encodeURIComponent(filter)}`));
    expect(message).toMatch(/nested more than \d+ levels deep|Recursion depth exceeded allowed limit/);
  });
});

describe("$expand", () => {
  const loop = (levels: number): string => {
    let inner = "contact_customer_accounts($select=fullname)";
    for (let i = 1; i < levels; i++) inner = `contact_customer_accounts($select=fullname;$expand=parentcustomerid_account($select=name;$expand=${inner}))`;
    return inner;
  };

  it("a loop through a shared account gets a 400 instead of megabytes", async () => {
    const message = await refused(await crm.api(`accounts(${accountId})?$select=name&$expand=${encodeURIComponent(loop(3))}`));
    expect(message).toMatch(new RegExp(`^The response would hold more than ${MAX_RESPONSE_RECORDS} records`));
  });

  it("an 8-level loop is refused by Dataverse's 15-expand limit or the record bound, and others are still served", async () => {
    const [hostile, other] = await Promise.all([crm.api(`accounts?$expand=${encodeURIComponent(loop(8))}`), crm.api("WhoAmI")]);
    const message = await refused(hostile);
    expect(message).toMatch(/maximum allowed is 15|more than \d+ records/);
    expect(other.status).toBe(200);
  });

  it("one level of expansion still returns every related record", async () => {
    const res = await crm.api(`accounts(${accountId})?$select=name&$expand=contact_customer_accounts($select=fullname)`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { contact_customer_accounts: unknown[] }).contact_customer_accounts).toHaveLength(CONTACTS);
  });
});

describe("JSON bodies", () => {
  it(`nesting deeper than ${MAX_JSON_DEPTH} is refused`, async () => {
    const body = `{"firstname":"x","description":${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}}`;
    const message = await refused(await crm.api("contacts", { method: "POST", headers: { "content-type": "application/json" }, body }));
    expect(message).toMatch(new RegExp(`^The request body nests JSON more than ${MAX_JSON_DEPTH} levels deep`));
  });

  it("a 10 MB nested body is refused, and a request sent alongside is answered", async () => {
    const body = `{"a":${"[".repeat(5_000_000)}${"]".repeat(5_000_000)}}`;
    const [hostile, other] = await Promise.all([
      crm.api("contacts", { method: "POST", headers: { "content-type": "application/json" }, body }),
      crm.api(`contacts?$top=1&$select=fullname`),
    ]);
    await refused(hostile);
    expect(other.status).toBe(200);
  });
});

describe("large JSON bodies are parsed off the event loop, within bounds", () => {
  const post = (body: string) => crm.api("contacts", { method: "POST", headers: { "content-type": "application/json", prefer: "return=representation" }, body });

  it("a 1 MB body (past the in-place size) is parsed on the worker and the record made", async () => {
    const description = "d".repeat(2000);
    const res = await post(`{"firstname":"Long","lastname":"Body",${" ".repeat(1_000_000)}"description":${JSON.stringify(description)}}`);
    expect(res.status, (await res.clone().text()).slice(0, 300)).toBe(201);
    expect(((await res.json()) as { description: string; fullname: string })).toMatchObject({ fullname: "Long Body", description });
  });

  it(`a string longer than ${MAX_JSON_STRING} characters is refused without being parsed`, async () => {
    const message = await refused(await post(`{"firstname":"x","description":"${"y".repeat(MAX_JSON_STRING + 10)}"}`));
    expect(message).toBe(`The request body holds a string longer than ${MAX_JSON_STRING} characters (at character 31); no column holds that much.`);
  });

  it(`more than ${MAX_JSON_VALUES} values are refused`, async () => {
    const message = await refused(await post(`{"firstname":"x","description":[${Array.from({ length: MAX_JSON_VALUES + 5 }, (_, i) => i).join(",")}]}`));
    expect(message).toMatch(new RegExp(`^The request body holds more than ${MAX_JSON_VALUES} JSON values`));
  });

  it(`a body over ${WEB_API_BODY_LIMIT} bytes is refused from its length, in Dataverse's shape`, async () => {
    const message = await refused(await post(`{"firstname":"x","description":"${"y".repeat(WEB_API_BODY_LIMIT)}"}`), 413);
    expect(message).toBe(`The request body is larger than ${WEB_API_BODY_LIMIT} bytes; send fewer records per request.`);
  });

  it("a large body that is not JSON gets the parser's reason", async () => {
    const message = await refused(await post(`{"firstname":"x","description":"${"z".repeat(400_000)}"`));
    expect(message).toMatch(/^The request body is not valid JSON: /);
  });
});

describe("DELETE of a single property", () => {
  it("clears a column, as Dataverse does", async () => {
    const contacts = (await (await crm.api("contacts?$select=telephone1&$top=1")).json()) as { value: Array<{ contactid: string }> };
    const id = contacts.value[0]!.contactid;
    expect((await crm.api(`contacts(${id})/telephone1`, { method: "DELETE" })).status).toBe(204);
    const after = (await (await crm.api(`contacts(${id})?$select=telephone1`)).json()) as { telephone1: unknown };
    expect(after.telephone1).toBeNull();
  });

  it("refuses a read-only column such as fullname instead of answering a 204 that changes nothing", async () => {
    const contacts = (await (await crm.api("contacts?$select=fullname&$top=1")).json()) as { value: Array<{ contactid: string; fullname: string }> };
    const { contactid, fullname } = contacts.value[0]!;
    const message = await refused(await crm.api(`contacts(${contactid})/fullname`, { method: "DELETE" }));
    expect(message).toBe("The property 'fullname' of 'contact' is read-only (not valid for update) and cannot be cleared; it is composed from firstname and lastname.");
    const after = (await (await crm.api(`contacts(${contactid})?$select=fullname`)).json()) as { fullname: string };
    expect(after.fullname).toBe(fullname);
  });
});
