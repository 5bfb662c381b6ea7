/**
 * The numbers to call in the demo, read from the embedded CRM's data the way any client would:
 * a token from its token endpoint, then the Web API. One caller per story the example flow
 * tells — the seed's known caller, callers whose newest open case is High, Normal and Low
 * priority, a known caller without a case — and a number the CRM does not know.
 */
import type { CrmCredentials, DemoCaller } from "./context.js";

const PRIORITY: Record<number, "High" | "Normal" | "Low"> = { 1: "High", 2: "Normal", 3: "Low" };
const SEED_PHONE = "14806754110";
/** Tried in order until one matches no phone number in the CRM. */
const UNKNOWN_CANDIDATES = ["+15557770123", "+15557770456", "+15559990001"];

interface ContactRow {
  contactid: string;
  fullname?: string;
  telephone1?: string | null;
  mobilephone?: string | null;
}

interface CaseRow {
  incidentid: string;
  title?: string;
  ticketnumber?: string;
  prioritycode?: number | null;
  _customerid_value?: string | null;
}

async function getJson<T>(url: string, token: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: "application/json", "OData-Version": "4.0", "OData-MaxVersion": "4.0" }, signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${new URL(url).pathname} answered ${res.status}`);
  return (await res.json()) as T;
}

export async function crmToken(baseUrl: string, credentials: CrmCredentials): Promise<string> {
  const res = await fetch(`${baseUrl}/${credentials.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: credentials.clientId, client_secret: credentials.clientSecret, scope: `${baseUrl}/.default` }),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`the token endpoint answered ${res.status}`);
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error("the token endpoint gave no access_token");
  return body.access_token;
}

export async function findDemoCallers(baseUrl: string, credentials: CrmCredentials): Promise<DemoCaller[]> {
  const token = await crmToken(baseUrl, credentials);
  const api = `${baseUrl}/api/data/v9.2`;
  const contacts = (await getJson<{ value: ContactRow[] }>(`${api}/contacts?$select=contactid,fullname,telephone1,mobilephone&$orderby=createdon asc`, token)).value;
  const cases = (await getJson<{ value: CaseRow[] }>(`${api}/incidents?$select=incidentid,title,ticketnumber,prioritycode,_customerid_value&$filter=statecode eq 0&$orderby=createdon desc`, token)).value;

  const newest = new Map<string, CaseRow>();
  for (const c of cases) if (c._customerid_value && !newest.has(c._customerid_value)) newest.set(c._customerid_value, c);

  const out: DemoCaller[] = [];
  const used = new Set<string>();
  const add = (contact: ContactRow, note: string) => {
    const c = newest.get(contact.contactid);
    const priority = c?.prioritycode ? PRIORITY[c.prioritycode] : undefined;
    used.add(contact.contactid);
    out.push({
      number: contact.telephone1!,
      name: contact.fullname ?? "(no name)",
      note,
      known: true,
      ...(priority ? { casePriority: priority } : {}),
      ...(c?.title ? { caseTitle: c.title } : {}),
      ...(c?.ticketnumber ? { caseNumber: c.ticketnumber } : {}),
    });
  };
  const withPhone = contacts.filter((c) => typeof c.telephone1 === "string" && c.telephone1.trim() !== "");
  const seed = withPhone.find((c) => c.telephone1!.replace(/\D/g, "").includes(SEED_PHONE));
  if (seed) {
    const c = newest.get(seed.contactid);
    add(seed, `the seed's known caller${c ? `; newest open case ${c.ticketnumber ?? ""} "${c.title ?? ""}" (${PRIORITY[c.prioritycode ?? 0] ?? "no"} priority)` : ""}`);
  }
  for (const [code, label] of Object.entries(PRIORITY)) {
    const pick = withPhone.find((c) => !used.has(c.contactid) && newest.get(c.contactid)?.prioritycode === Number(code));
    if (pick) {
      const c = newest.get(pick.contactid)!;
      add(pick, `newest open case ${c.ticketnumber ?? ""} "${c.title ?? ""}" is ${label} priority`);
    }
  }
  const noCase = withPhone.find((c) => !used.has(c.contactid) && !newest.has(c.contactid));
  if (noCase) add(noCase, "known caller without an open case");

  const phones = contacts.flatMap((c) => [c.telephone1, c.mobilephone]).filter((p): p is string => typeof p === "string").map((p) => p.replace(/\D/g, ""));
  const unknown = UNKNOWN_CANDIDATES.find((n) => !phones.some((p) => p.includes(n.replace(/\D/g, ""))));
  if (unknown) out.push({ number: unknown, name: "Unknown caller", note: "not in the CRM: the agent gets the new-case form", known: false });
  return out;
}
