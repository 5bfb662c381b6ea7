import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bindQuery } from "../../../src/crm/odata/bind.js";
import type { ODataError } from "../../../src/crm/odata/errors.js";
import { parseQueryOptions, splitQueryString } from "../../../src/crm/odata/query-options.js";
import { compileRowQuery } from "../../../src/crm/store/compile.js";
import { termRange, termsOf } from "../../../src/crm/store/substring-index.js";
import { PostgresCrmStore } from "../../../src/crm/store/postgres-store.js";
import { SqliteCrmStore } from "../../../src/crm/store/sqlite-store.js";
import type { CrmStore, Row } from "../../../src/crm/store/types.js";
import { createDatabase } from "../../helpers/postgres.js";
import { postgresServer, STORE_NAME } from "../stores.js";

const USER = "00000000-0000-0000-0000-0000000000aa";
let dir: string;
let store: CrmStore;
/** The PostgreSQL database of this test, when the run is the PostgreSQL one. */
let database: { url: string; drop(): Promise<void> } | undefined;

/** Opens the store under test on this test's data (again after a close: a restart). */
async function open(options: { substringIndex?: boolean } = {}): Promise<CrmStore> {
  if (database) return PostgresCrmStore.open({ url: database.url, ...options });
  return new SqliteCrmStore({ file: path.join(dir, "crm.sqlite"), ...options });
}

/** How the store plans a query: SQLite's EXPLAIN QUERY PLAN details, PostgreSQL's EXPLAIN lines. */
async function plan(sql: string, params: unknown[]): Promise<string[]> {
  if (store instanceof SqliteCrmStore) return (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail);
  const pgStore = store as PostgresCrmStore;
  // Three rows would be read sequentially whatever the indexes; the question is whether the index can serve the query.
  return pgStore.transaction(async (tx) => {
    const handle = tx as PostgresCrmStore;
    await handle.run("SET LOCAL enable_seqscan = off", []);
    return (await handle.run(`EXPLAIN ${sql}`, params as never[])).map((r) => String(r["QUERY PLAN"]));
  });
}

async function ngramRows(): Promise<number> {
  if (store instanceof SqliteCrmStore) return (store.db.prepare("SELECT COUNT(*) AS n FROM ngram_contact_telephone1").get() as { n: number }).n;
  return Number((await (store as PostgresCrmStore).run("SELECT COUNT(*) AS n FROM ngram_contact_telephone1", []))[0]!.n);
}

function table(set: string) {
  const t = store.schema.tableBySet(set);
  if (!t) throw new Error(set);
  return t;
}

function request(set: string, query: string, limit = 5000) {
  const t = table(set);
  const options = parseQueryOptions(splitQueryString(query));
  const bound = bindQuery({ schema: store.schema, aliases: options.aliases, userId: USER }, t, options);
  return { table: t, filter: bound.filter, orderBy: bound.orderBy, limit: bound.top ?? limit };
}

function find(set: string, query: string): Promise<Row[]> {
  return store.query(request(set, query));
}

function names(rows: Row[], column = "fullname"): unknown[] {
  return rows.map((r) => r[column]);
}

function contact(firstname: string, lastname: string, telephone1: string | null, extra: Row = {}): Promise<Row> {
  return store.insert(table("contacts"), { firstname, lastname, telephone1, ...extra }, { userId: USER });
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "ccflow-crm-store-"));
  const server = postgresServer();
  database = server ? await createDatabase(server) : undefined;
  store = await open();
});

afterEach(async () => {
  await store.close();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`${STORE_NAME} CRM store`, () => {
  it("finds a caller by a substring of the phone number through the index, not a table scan", async () => {
    await contact("Yvonne", "McKay", "+14806754110");
    await contact("Other", "Person", "+1 480-675-4110");
    await contact("Third", "Caller", "+442071234567");
    const rows = await find("contacts", "$filter=contains(telephone1,'14806754110')");
    expect(names(rows)).toEqual(["Yvonne McKay"]);
    // Shorter search texts use the prefix range of the index.
    expect(names(await find("contacts", "$filter=contains(telephone1,'4110')"))).toEqual(["Yvonne McKay", "Other Person"]);
    expect(names(await find("contacts", "$filter=endswith(telephone1,'567')"))).toEqual(["Third Caller"]);

    const postgres = !(store instanceof SqliteCrmStore);
    const { sql, params } = compileRowQuery(store.schema, request("contacts", "$filter=contains(telephone1,'14806754110')"), { dialect: postgres ? "postgres" : "sqlite" });
    const steps = await plan(sql, params);
    if (!postgres) {
      expect(steps.some((d) => d.startsWith("SEARCH ngram_contact_telephone1 USING PRIMARY KEY (term>? AND term<?)"))).toBe(true);
      expect(steps.some((d) => /SEARCH t0 USING INTEGER PRIMARY KEY \(rowid=\?\)/.test(d))).toBe(true);
      expect(steps.some((d) => /^SCAN (t0|contact)\b/.test(d))).toBe(false);
    } else {
      expect(steps.some((d) => /Index (Only )?Scan (using|on) ngram_contact_telephone1_pkey/.test(d)), steps.join("\n")).toBe(true);
      // The candidates' rows are fetched by primary key: an index scan, or a bitmap scan of it when the table is tiny.
      expect(steps.some((d) => /Index Scan using contact_pkey on contact t0|Bitmap Index Scan on contact_pkey/.test(d)), steps.join("\n")).toBe(true);
      expect(steps.some((d) => /Seq Scan on contact/.test(d)), steps.join("\n")).toBe(false);
    }
  });

  it("indexes every position's next six characters and seeks the most selective window", async () => {
    expect(termsOf("+1480ABC")).toEqual(["+1480a", "1480ab", "480abc", "80abc", "0abc", "abc"]);
    expect(termsOf("ab")).toEqual([]);
    expect(termRange("14806754110")).toEqual({ low: "754110", high: "754110\u0000", exact: "754110" });
    expect(termRange("4110")).toEqual({ low: "4110", high: "4110\u{10FFFF}" });
    expect(termRange("12%34_56")).toBeNull();
    expect(termRange("1%5551234")).toEqual({ low: "551234", high: "551234\u0000", exact: "551234" });
  });

  it("gives the same answers with the index switched off (the benchmark's baseline)", async () => {
    for (let i = 0; i < 40; i++) await contact(`N${i}`, "X", `+1${480 + (i % 3)}555${String(1000 + i * 37).padStart(4, "0")}`);
    const searches = ["5551", "4815551", "+1480555", "0555"];
    const withIndex: unknown[][] = [];
    for (const q of searches) withIndex.push((await find("contacts", `$filter=contains(telephone1,'${encodeURIComponent(q)}')`)).map((r) => r.contactid));
    await store.close();
    store = await open({ substringIndex: false });
    const scanned: unknown[][] = [];
    for (const q of searches) scanned.push((await find("contacts", `$filter=contains(telephone1,'${encodeURIComponent(q)}')`)).map((r) => r.contactid));
    expect(scanned).toEqual(withIndex);
    expect(withIndex.map((ids) => ids.length)).toEqual([28, 9, 14, 14]);
    const { sql } = compileRowQuery(store.schema, request("contacts", "$filter=contains(telephone1,'5551')"), { substringIndex: false });
    expect(sql).not.toContain("ngram_");
  });

  it("keeps the substring index right across updates and deletes, and treats % and _ as LIKE wildcards", async () => {
    const row = await contact("Ann", "Lee", "+15551230000");
    await store.update(table("contacts"), String(row.contactid), { telephone1: "+15559990000" }, { userId: USER });
    expect(await find("contacts", "$filter=contains(telephone1,'5551230')")).toHaveLength(0);
    expect(names(await find("contacts", "$filter=contains(telephone1,'5559990')"))).toEqual(["Ann Lee"]);
    expect(names(await find("contacts", "$filter=contains(telephone1,'555_99')"))).toEqual(["Ann Lee"]);
    await store.delete(table("contacts"), String(row.contactid));
    expect(await find("contacts", "$filter=contains(telephone1,'5559990')")).toHaveLength(0);
    expect(await ngramRows()).toBe(0);
  });

  it("compares text case-insensitively and keeps quotes in values as data", async () => {
    await contact("Liam", "O'Bryan", null);
    await contact("Robert'); DROP TABLE contact; --", "X", null);
    expect(names(await find("contacts", "$filter=lastname eq 'o''bryan'"))).toEqual(["Liam O'Bryan"]);
    expect(names(await find("contacts", "$filter=startswith(firstname,'robert''); drop')"))).toEqual(["Robert'); DROP TABLE contact; -- X"]);
    expect(await find("contacts", "")).toHaveLength(2);
  });

  it("returns rows in creation order by default and orders by columns with the creation order as tiebreaker", async () => {
    await contact("Cleo", "B", null);
    await contact("Abe", "B", null);
    await contact("Bea", "A", null);
    expect(names(await find("contacts", ""))).toEqual(["Cleo B", "Abe B", "Bea A"]);
    expect(names(await find("contacts", "$orderby=lastname desc"))).toEqual(["Cleo B", "Abe B", "Bea A"]);
    expect(names(await find("contacts", "$orderby=lastname,firstname"))).toEqual(["Bea A", "Abe B", "Cleo B"]);
    expect(names(await find("contacts", "$top=2"))).toEqual(["Cleo B", "Abe B"]);
  });

  it("pages with a keyset cursor through every row exactly once, with NULLs and mixed directions", async () => {
    const lastNames = ["B", null, "A", "B", null, "C", "A", "B"];
    for (const [i, ln] of lastNames.entries()) await contact(`F${i}`, ln ?? "", null, ln === null ? { lastname: null } : {});
    for (const orderby of ["", "$orderby=lastname", "$orderby=lastname desc,firstname asc"]) {
      const req = request("contacts", orderby, 3);
      const all = (await store.query({ ...req, limit: 100 })).map((r) => r.contactid);
      const seen: unknown[] = [];
      let after;
      for (;;) {
        const page = await store.query({ ...req, after });
        seen.push(...page.map((r) => r.contactid));
        if (page.length < 3) break;
        after = store.cursorOf(page[page.length - 1]!, req.orderBy);
      }
      expect(seen, orderby).toEqual(all);
    }
  });

  it("filters through lookups, navigation paths and lambdas, and GUIDs quoted or not", async () => {
    const yvonne = await contact("Yvonne", "McKay", "+14806754110");
    const bob = await contact("Bob", "Smith", null);
    const account = await store.insert(table("accounts"), { name: "Nehas Test Account", _primarycontactid_value: String(yvonne.contactid) }, { userId: USER });
    const incidents = table("incidents");
    const link = (c: Row) => ({ _customerid_value: String(c.contactid), _customerid_type: "contact" });
    await store.insert(incidents, { title: "Broken", prioritycode: 1, ...link(yvonne) }, { userId: USER });
    await store.insert(incidents, { title: "Question", prioritycode: 3, ...link(yvonne) }, { userId: USER });
    await store.insert(incidents, { title: "Account case", _customerid_value: String(account.accountid), _customerid_type: "account" }, { userId: USER });
    const id = String(yvonne.contactid);
    expect(names(await find("incidents", `$filter=_customerid_value eq ${id.toUpperCase()}`), "title")).toEqual(["Broken", "Question"]);
    expect(names(await find("incidents", `$filter=_customerid_value eq '${id}'`), "title")).toEqual(["Broken", "Question"]);
    expect(names(await find("incidents", "$filter=customerid_contact/fullname eq 'yvonne mckay'"), "title")).toEqual(["Broken", "Question"]);
    expect(names(await find("accounts", "$filter=primarycontactid/telephone1 eq '%2B14806754110'"), "name")).toEqual(["Nehas Test Account"]);
    expect(names(await find("contacts", "$filter=incident_customer_contacts/any(i:i/prioritycode eq 1)"))).toEqual(["Yvonne McKay"]);
    expect(names(await find("contacts", "$filter=incident_customer_contacts/all(i:i/prioritycode eq 1)"))).toEqual(["Bob Smith"]);
    expect(names(await find("contacts", "$filter=not incident_customer_contacts/any()"))).toEqual(["Bob Smith"]);
    expect(names(await find("incidents", "$filter=Microsoft.Dynamics.CRM.In(PropertyName='prioritycode',PropertyValues=['1','2'])"), "title")).toEqual([
      "Broken",
      "Account case",
    ]);
    expect(names(await find("incidents", "$filter=prioritycode in (3)"), "title")).toEqual(["Question"]);
    expect(names(await find("incidents", "$filter=Microsoft.Dynamics.CRM.EqualUserId(PropertyName='ownerid')"), "title")).toHaveLength(3);
    expect(bob.fullname).toBe("Bob Smith");
  });

  it("applies Dataverse's write rules: versions, case numbers, full names, state and status, validation", async () => {
    const c = await contact("Yvonne", "McKay", null);
    const v1 = Number(c.versionnumber);
    const updated = await store.update(table("contacts"), String(c.contactid), { lastname: "Webex" }, { userId: USER });
    expect(updated.fullname).toBe("Yvonne Webex");
    expect(Number(updated.versionnumber)).toBeGreaterThan(v1);
    const incidents = table("incidents");
    const link = { _customerid_value: String(c.contactid), _customerid_type: "contact" };
    const first = await store.insert(incidents, { title: "One", ...link }, { userId: USER });
    const second = await store.insert(incidents, { title: "Two", ...link }, { userId: USER });
    expect(first.ticketnumber).toMatch(/^CAS-01000-[A-Z0-9]{6}$/);
    expect(second.ticketnumber).toMatch(/^CAS-01001-[A-Z0-9]{6}$/);
    expect([first.statecode, first.statuscode, first.prioritycode, first._ownerid_value]).toEqual([0, 1, 2, USER]);
    const resolved = await store.update(incidents, String(first.incidentid), { statecode: 1 }, { userId: USER });
    expect([resolved.statecode, resolved.statuscode]).toEqual([1, 5]);
    await expect(store.update(incidents, String(first.incidentid), { statuscode: 2 }, { userId: USER })).rejects.toThrow(/not a valid status code/);
    await expect(store.insert(incidents, { title: "x".repeat(201), ...link }, { userId: USER })).rejects.toThrow(
      "The length of the 'title' attribute of the 'incident' entity exceeded the maximum allowed length of '200'.",
    );
    await expect(store.insert(incidents, { title: "Bad", prioritycode: 9, ...link }, { userId: USER })).rejects.toThrow(/outside the valid range/);
    const err = await (async () => {
      try {
        await store.update(incidents, "11111111-1111-1111-1111-111111111111", { title: "x" }, { userId: USER });
      } catch (e) {
        return e as ODataError;
      }
      return undefined;
    })();
    expect(err?.status).toBe(404);
    expect(err?.message).toBe("incident With Id = 11111111-1111-1111-1111-111111111111 Does Not Exist");
  });

  it("cascades deletes from customers to their cases and clears other links", async () => {
    const c = await contact("Yvonne", "McKay", null);
    const account = await store.insert(table("accounts"), { name: "Acme", _primarycontactid_value: String(c.contactid) }, { userId: USER });
    await store.insert(table("incidents"), { title: "Case", _customerid_value: String(c.contactid), _customerid_type: "contact" }, { userId: USER });
    expect(await store.delete(table("contacts"), String(c.contactid))).toBe(true);
    expect(await find("incidents", "")).toHaveLength(0);
    expect((await store.getById(table("accounts"), String(account.accountid)))?._primarycontactid_value).toBeNull();
    expect(await store.delete(table("contacts"), String(c.contactid))).toBe(false);
  });

  it("survives a restart: rows, row versions and the case-number sequence persist", async () => {
    const c = await contact("Yvonne", "McKay", "+14806754110");
    const incident = await store.insert(table("incidents"), { title: "One", _customerid_value: String(c.contactid), _customerid_type: "contact" }, { userId: USER });
    await store.close();
    store = await open();
    expect(names(await find("contacts", "$filter=contains(telephone1,'6754110')"))).toEqual(["Yvonne McKay"]);
    const next = await store.insert(table("incidents"), { title: "Two", _customerid_value: String(c.contactid), _customerid_type: "contact" }, { userId: USER });
    expect(Number(next.versionnumber)).toBeGreaterThan(Number(incident.versionnumber));
    expect(next.ticketnumber).toMatch(/^CAS-01001-/);
    expect(await store.count(table("incidents"), undefined, 5000)).toBe(2);
  });
});
