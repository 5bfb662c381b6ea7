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

async function get(path: string): Promise<{ status: number; html: string; type: string | null }> {
  const response = await fetch(`${crm.httpUrl}${path}`);
  return { status: response.status, html: await response.text(), type: response.headers.get("content-type") };
}

function post(path: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${crm.httpUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
}

describe("record pages", () => {
  it("show the case the seed flow's screen pop opens", async () => {
    const { status, html, type } = await get(`/main.aspx?pagetype=entityrecord&id=${SEED_RECORDS.caseId}&appid=8a18ed00-21e1-ed11-a7c6-000d3a8bcaaa&etn=incident&cmdbar=1`);
    expect(status).toBe(200);
    expect(type).toBe("text/html; charset=utf-8");
    expect(html).toContain(`<h1>${SEED_RECORDS.caseTitle}</h1>`);
    expect(html).toMatch(/Case number<\/dt><dd>CAS-\d{5}-[A-Z0-9]{6}</);
    expect(html).toContain('<span class="badge p1">High</span>');
    expect(html).toContain(`>${SEED_RECORDS.contactName}</a>`);
    expect(html).toContain("smart thermostat");
  });

  it("show a contact with their cases and a prefilled new-case link", async () => {
    const { status, html } = await get(`/main.aspx?pagetype=entityrecord&etn=contact&id=${SEED_RECORDS.contactId}`);
    expect(status).toBe(200);
    expect(html).toContain(`<h1>${SEED_RECORDS.contactName}</h1>`);
    expect(html).toContain("+14806754110");
    expect(html).toContain(SEED_RECORDS.caseTitle);
    expect(html).toContain(`customer=contact%3A${SEED_RECORDS.contactId}`);
  });

  it("create a case from the new-case form through the Web API and then show it", async () => {
    const form = await get("/main.aspx?appid=8a18ed00-21e1-ed11-a7c6-000d3a8bcaaa&cmdbar=1&pagetype=entityrecord&etn=incident");
    expect(form.status).toBe(200);
    expect(form.html).toContain("<h1>New case</h1>");
    expect(form.html).toContain(`value="contact:${SEED_RECORDS.contactId}"`);
    const response = await post("/main.aspx?pagetype=entityrecord&etn=incident", {
      title: "Caller reports a broken <b>router</b>",
      customer: `contact:${SEED_RECORDS.contactId}`,
      prioritycode: "1",
      caseorigincode: "1",
      description: "Opened from a screen pop",
    });
    expect(response.status).toBe(303);
    const location = response.headers.get("location")!;
    expect(location).toMatch(/^\/main\.aspx\?pagetype=entityrecord&etn=incident&id=[0-9a-f-]{36}$/);
    const shown = await get(location);
    expect(shown.html).toContain("<h1>Caller reports a broken &lt;b&gt;router&lt;/b&gt;</h1>");
    const id = /id=([0-9a-f-]{36})/.exec(location)![1];
    const row = (await (await crm.api(`incidents(${id})?$select=title,prioritycode,_customerid_value,_ownerid_value`)).json()) as Record<string, unknown>;
    expect(row).toMatchObject({ prioritycode: 1, _customerid_value: SEED_RECORDS.contactId, _ownerid_value: crm.crm.config.pageUserId });
  });

  it("re-show the form with the Web API's error and the values entered", async () => {
    const noTitle = await post("/main.aspx?pagetype=entityrecord&etn=incident", { title: "", customer: `contact:${SEED_RECORDS.contactId}`, description: "kept" });
    expect(noTitle.status).toBe(400);
    const html = await noTitle.text();
    expect(html).toContain('<div class="error">A validation error occurred. The &#39;title&#39; attribute of the &#39;incident&#39; entity is required.</div>');
    expect(html).toContain(">kept</textarea>");
    const noCustomer = await post("/main.aspx?pagetype=entityrecord&etn=incident", { title: "x", customer: "" });
    expect(noCustomer.status).toBe(400);
  });

  it("create contacts, and answer unknown records with 404", async () => {
    const response = await post("/main.aspx?pagetype=entityrecord&etn=contact", { firstname: "Page", lastname: "Made", telephone1: "+15550009999" });
    expect(response.status).toBe(303);
    const shown = await get(response.headers.get("location")!);
    expect(shown.html).toContain("<h1>Page Made</h1>");
    const found = (await (await crm.api("contacts?$select=fullname&$filter=contains(telephone1,'5550009999')")).json()) as { value: unknown[] };
    expect(found.value).toHaveLength(1);
    expect((await get("/main.aspx?pagetype=entityrecord&etn=incident&id=00000000-0000-0000-0000-000000000000")).status).toBe(404);
    expect((await get("/main.aspx?pagetype=entityrecord&etn=incident&id=nope")).status).toBe(404);
    expect((await get("/main.aspx?pagetype=entitylist&etn=incident")).html).toContain("Recent cases");
  });
});
