import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../../src/crm/demo-data.js";
import { startTestCrm, type TestCrm } from "../helpers.js";

const require = createRequire(import.meta.url);
const oracle = require("odata-v4-parser") as { filter(text: string): { raw: string } };

let crm: TestCrm;
beforeAll(async () => {
  crm = await startTestCrm();
});
afterAll(async () => {
  await crm?.stop();
});

const VALID_FILTERS = [
  "contains(telephone1,'14806754110')",
  "lastname eq 'O''Bryan' and statecode eq 0",
  "startswith(fullname,'Yv') or endswith(emailaddress1,'.com')",
  "_parentcustomerid_value eq dc9bbbfe-e0e5-ed11-a7c7-0022482137b9",
  "createdon ge 2024-01-01T00:00:00Z and not (preferredcontactmethodcode eq 3)",
  "incident_customer_contacts/any(i:i/prioritycode eq 1)",
  "parentcustomerid_account/name eq 'Nehas Test Account'",
];
const NOISE = ["'", "(", ")", ",", "/", "eq", " and", " or ", "not ", "$", "@", "#", "[", "{", ";", "%", "*", "-", "''", "\\", "\u00e9", "1.", "0x", "--", "/*"];
const INJECTIONS = [
  "'; DROP TABLE contact; --",
  "1) OR 1=1 --",
  "fullname eq 'x' UNION SELECT * FROM crm_app_registration",
  "fullname; DELETE FROM contact",
  "sqlite_master eq 1",
  "rid gt 0",
  'fullname eq "x"',
];
// Our compiler writes SQL keywords in upper case; the engine's own words are matched in any case.
const SQL_LEAK = [/\bSELECT\s|\bFROM\s+"|\bWHERE\s|\bt0\./, /sqlite|no such (column|table)|near ".*": syntax|crm_app_registration|ngram_/i];

function mutate(random: () => number, text: string): string {
  const choice = Math.floor(random() * 4);
  const at = Math.floor(random() * (text.length + 1));
  const noise = NOISE[Math.floor(random() * NOISE.length)]!;
  switch (choice) {
    case 0:
      return text.slice(0, Math.max(1, at));
    case 1:
      return text.slice(0, at) + noise + text.slice(at);
    case 2:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 4));
    default:
      return `${text} ${noise} ${text.slice(at)}`;
  }
}

function generated(): { filters: string[]; selects: string[]; orderbys: string[]; expands: string[] } {
  const random = seededRandom(4242);
  const filters = new Set<string>(INJECTIONS);
  while (filters.size < 320) filters.add(mutate(random, VALID_FILTERS[Math.floor(random() * VALID_FILTERS.length)]!));
  const selects = new Set<string>(["fullname,,telephone1", "fullname,", ",fullname", "full name", "fullname/contactid", "fullname(", "nosuchcolumn", "parentcustomerid", "*,x", "fullname eq 1", "contactid'", "telephone1;DROP"]);
  while (selects.size < 60) selects.add(mutate(random, "fullname,telephone1,contactid"));
  const orderbys = new Set<string>(["fullname up", "fullname asc desc", "fullname,", "nosuch desc", "contains(fullname,'a')", "(fullname", "fullname asc,,lastname", "incident_customer_contacts"]);
  while (orderbys.size < 60) orderbys.add(mutate(random, "lastname desc,fullname asc"));
  const expands = new Set<string>(["nosuch", "fullname", "parentcustomerid_account(", "parentcustomerid_account($select=)", "parentcustomerid_account($skip=1)", "parentcustomerid_account($top=x)", "incident_customer_contacts($filter=title eq)"]);
  while (expands.size < 40) expands.add(mutate(random, "parentcustomerid_account($select=name),incident_customer_contacts($select=title;$top=2)"));
  return { filters: [...filters], selects: [...selects], orderbys: [...orderbys], expands: [...expands] };
}

/** The answer with every echo of the client's own text removed (Dataverse quotes the query in its messages). */
function withoutEcho(answer: string, value: string): string {
  let out = "";
  let i = 0;
  while (i < answer.length) {
    let best = 0;
    for (let len = Math.min(answer.length - i, value.length); len >= 4; len--) {
      if (value.includes(answer.slice(i, i + len))) {
        best = len;
        break;
      }
    }
    if (best) i += best;
    else out += answer[i++];
  }
  return out;
}

/**
 * The oracle follows the URL grammar to the letter and rejects characters such as '/' or '%'
 * inside string literals, which Dataverse accepts once the URL is decoded; such strings are not
 * cross-checked.
 */
function oracleApplies(text: string): boolean {
  const literals = text.match(/'(?:[^']|'')*'/g) ?? [];
  return !text.includes("@") && literals.every((l) => /^[A-Za-z0-9 .,'()-]*$/.test(l));
}

function oracleAccepts(text: string): boolean {
  try {
    return oracle.filter(text).raw === text;
  } catch {
    return false;
  }
}

async function pool<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

describe("malformed queries", () => {
  it("get Dataverse-shaped 400s: never a 500, never SQL in the answer", async () => {
    const cases = generated();
    const requests = [
      ...cases.filters.map((v) => ({ option: "$filter", value: v })),
      ...cases.selects.map((v) => ({ option: "$select", value: v })),
      ...cases.orderbys.map((v) => ({ option: "$orderby", value: v })),
      ...cases.expands.map((v) => ({ option: "$expand", value: v })),
    ];
    expect(requests.length).toBeGreaterThan(450);
    const results = await pool(requests, 6, async (r) => {
      const response = await crm.api(`contacts?${r.option}=${encodeURIComponent(r.value)}&$top=3`);
      return { ...r, status: response.status, text: await response.text() };
    });
    let rejected = 0;
    for (const r of results) {
      const label = `${r.option}=${r.value} → ${r.status} ${r.text.slice(0, 300)}`;
      expect(r.status, label).not.toBe(500);
      expect([200, 400], label).toContain(r.status);
      const message = r.status === 400 ? String((JSON.parse(r.text) as { error: { message: string } }).error.message) : r.text;
      expect(SQL_LEAK.some((re) => re.test(withoutEcho(message, r.value))), label).toBe(false);
      if (r.status === 400) {
        rejected++;
        const body = JSON.parse(r.text) as { error?: { code?: unknown; message?: unknown } };
        expect(Object.keys(body), label).toEqual(["error"]);
        expect(body.error!.code, label).toBe("0x80060888");
        expect(typeof body.error!.message === "string" && body.error!.message.length > 0, label).toBe(true);
      }
      if (r.option === "$filter" && oracleApplies(r.value) && !oracleAccepts(r.value.trim())) {
        expect(r.status, `the oracle rejects it, so must we: ${label}`).toBe(400);
      }
    }
    expect(rejected).toBeGreaterThan(400);
  });

  it("keeps injection attempts inside literals as data", async () => {
    const response = await crm.api(`contacts?$select=fullname&$filter=${encodeURIComponent("fullname eq 'x'' OR 1=1 --' or fullname eq ''''")}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { value: unknown[] }).value).toEqual([]);
    const count = await (await crm.api("contacts/$count")).text();
    expect(Number(count.replace(/^\uFEFF/, ""))).toBe(36);
  });
});
