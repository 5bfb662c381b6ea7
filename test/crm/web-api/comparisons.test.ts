/**
 * The OData comparison operators, checked by the rows they return: a CRM holding four accounts
 * whose employee counts, revenues, cities and names are known, asked `eq`, `ne`, `gt`, `ge`,
 * `lt` and `le` on an integer, a money column, a string and a lookup's absence. Each answer is
 * the exact set of names for that filter. A null column satisfies no comparison with a value,
 * `ne` included (Dataverse compares as SQL does: `ne 10` leaves out the rows with no value, a
 * known surprise of FetchXML's `ne`); only `eq null` and `ne null` test for it
 * (the shared Dataverse notes, docs/dataverse.md, "null result"). Runs on SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCrm, type TestCrm } from "../helpers.js";
import { STORE_NAME } from "../stores.js";

let crm: TestCrm;

const ACCOUNTS = [
  { name: "cmp Alder", numberofemployees: 5, revenue: 1000.5, address1_city: "Austin" },
  { name: "cmp Birch", numberofemployees: 10, revenue: 2000, address1_city: "Boston" },
  { name: "cmp Cedar", numberofemployees: 20, revenue: 2000.25, address1_city: "Chicago" },
  { name: "cmp Dogwood", address1_city: "boston" },
];

beforeAll(async () => {
  crm = await startTestCrm();
  for (const account of ACCOUNTS) {
    const res = await crm.api("accounts", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(account) });
    expect(res.status, await res.text()).toBe(204);
  }
});

afterAll(async () => {
  await crm?.stop();
});

/** The names (sorted) of the test's accounts that `filter` returns. */
async function names(filter: string): Promise<string[]> {
  const res = await crm.api(`accounts?$select=name&$filter=${encodeURIComponent(`startswith(name,'cmp ') and (${filter})`)}`);
  const body = (await res.json()) as { value?: Array<{ name: string }>; error?: { message: string } };
  expect(res.status, JSON.stringify(body.error)).toBe(200);
  return body.value!.map((r) => r.name).sort();
}

describe(`OData comparison operators by the rows they return (${STORE_NAME})`, () => {
  it("on an integer column, where a null satisfies no comparison but eq null", async () => {
    expect(await names("numberofemployees eq 10")).toEqual(["cmp Birch"]);
    expect(await names("numberofemployees ne 10")).toEqual(["cmp Alder", "cmp Cedar"]);
    expect(await names("numberofemployees gt 10")).toEqual(["cmp Cedar"]);
    expect(await names("numberofemployees ge 10")).toEqual(["cmp Birch", "cmp Cedar"]);
    expect(await names("numberofemployees lt 10")).toEqual(["cmp Alder"]);
    expect(await names("numberofemployees le 10")).toEqual(["cmp Alder", "cmp Birch"]);
    expect(await names("numberofemployees eq null")).toEqual(["cmp Dogwood"]);
    expect(await names("numberofemployees ne null")).toEqual(["cmp Alder", "cmp Birch", "cmp Cedar"]);
  });

  it("on a money column, where 2000 and 2000.25 differ", async () => {
    expect(await names("revenue gt 2000")).toEqual(["cmp Cedar"]);
    expect(await names("revenue ge 2000")).toEqual(["cmp Birch", "cmp Cedar"]);
    expect(await names("revenue lt 2000.25")).toEqual(["cmp Alder", "cmp Birch"]);
    expect(await names("revenue le 1000.5")).toEqual(["cmp Alder"]);
    expect(await names("revenue ne 2000")).toEqual(["cmp Alder", "cmp Cedar"]);
  });

  it("on a string column, case-insensitively as Dataverse compares", async () => {
    expect(await names("address1_city eq 'Boston'")).toEqual(["cmp Birch", "cmp Dogwood"]);
    expect(await names("address1_city ne 'boston'")).toEqual(["cmp Alder", "cmp Cedar"]);
    expect(await names("address1_city gt 'boston'")).toEqual(["cmp Cedar"]);
    expect(await names("address1_city ge 'Boston'")).toEqual(["cmp Birch", "cmp Cedar", "cmp Dogwood"]);
    expect(await names("address1_city lt 'Boston'")).toEqual(["cmp Alder"]);
    expect(await names("address1_city le 'BOSTON'")).toEqual(["cmp Alder", "cmp Birch", "cmp Dogwood"]);
  });

  it("combined with and, or and not", async () => {
    expect(await names("numberofemployees gt 5 and numberofemployees lt 20")).toEqual(["cmp Birch"]);
    expect(await names("numberofemployees le 5 or revenue ge 2000.25")).toEqual(["cmp Alder", "cmp Cedar"]);
    expect(await names("not (numberofemployees ge 10)")).toEqual(["cmp Alder"]);
  });
});
