import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_RECORDS } from "../../../src/crm/demo-data.js";
import { pagesCsrfToken, signInToPages, startTestCrm, type TestCrm } from "../helpers.js";

let crm: TestCrm;
let cookie = "";
let csrf = "";
beforeAll(async () => {
  crm = await startTestCrm();
  cookie = await signInToPages(crm.httpUrl);
  csrf = await pagesCsrfToken(crm.httpUrl, cookie);
});
afterAll(async () => {
  await crm?.stop();
});

async function get(path: string): Promise<{ status: number; html: string; type: string | null }> {
  const response = await fetch(`${crm.httpUrl}${path}`, { headers: { cookie } });
  return { status: response.status, html: await response.text(), type: response.headers.get("content-type") };
}

function post(path: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${crm.httpUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", cookie, origin: crm.httpUrl },
    body: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
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

describe("the CRM home page", () => {
  it("opens at /main.aspx with contacts, recent cases, accounts and a search box", async () => {
    const { status, html } = await get("/main.aspx");
    expect(status).toBe(200);
    expect(html).toContain("<h1>Customer service</h1>");
    expect(html).toContain('<input type="search" name="q"');
    for (const heading of ["Contacts", "Recent cases", "Accounts"]) expect(html).toContain(`<h2>${heading} <a class="more"`);
    expect(html).toContain(`>${SEED_RECORDS.contactName}</a>`);
    expect(html).toContain(`>${SEED_RECORDS.accountName}</a>`);
    expect((await get("/main.aspx?pagetype=entitylist&etn=account")).html).toContain(`>${SEED_RECORDS.accountName}</a>`);
  });

  it("searches contacts, cases and accounts by name, number or case title through the Web API", async () => {
    const byPhone = await get("/main.aspx?pagetype=search&q=4806754110");
    expect(byPhone.status).toBe(200);
    expect(byPhone.html).toContain(`>${SEED_RECORDS.contactName}</a>`);
    const byTitle = await get(`/main.aspx?pagetype=search&q=${encodeURIComponent("Nehas Test")}`);
    expect(byTitle.html).toContain(`>${SEED_RECORDS.caseTitle}</a>`);
    // A quote is part of the text searched for, not the end of the OData literal.
    const hostile = await get(`/main.aspx?pagetype=search&q=${encodeURIComponent("x') or true or contains(fullname,'")}`);
    expect(hostile.status).toBe(200);
    expect(hostile.html).toContain("Nothing matches");
  });
});

describe("the forms a pop opens for a caller the CRM does not know", () => {
  it("start with the caller's number, and the new-case form creates the contact with the case", async () => {
    const pop = "/main.aspx?appid=8a18ed00-21e1-ed11-a7c6-000d3a8bcaaa&pagetype=entityrecord&etn=incident&customerid=&phone=15550007777";
    const form = await get(pop);
    expect(form.status).toBe(200);
    expect(form.html).toContain("The caller's number 15550007777 is not in the CRM.");
    expect(form.html).toContain('name="new_telephone1" value="15550007777"');
    expect(form.html).toContain(">Call from 15550007777</textarea>");
    const contactForm = await get("/main.aspx?pagetype=entityrecord&etn=contact&phone=15550007777");
    expect(contactForm.html).toContain('name="telephone1" value="15550007777"');

    const response = await post("/main.aspx?pagetype=entityrecord&etn=incident", {
      title: "Billing question",
      customer: "",
      phone: "15550007777",
      new_firstname: "Nora",
      new_lastname: "Newcaller",
      new_telephone1: "15550007777",
      prioritycode: "2",
      description: "Call from 15550007777",
    });
    expect(response.status).toBe(303);
    const shown = await get(response.headers.get("location")!);
    expect(shown.html).toContain("<h1>Billing question</h1>");
    expect(shown.html).toContain(">Nora Newcaller</a>");
    const found = (await (await crm.api("contacts?$select=fullname,telephone1&$filter=contains(telephone1,'15550007777')")).json()) as { value: Array<{ fullname: string }> };
    expect(found.value.map((c) => c.fullname)).toEqual(["Nora Newcaller"]);

    const noName = await post("/main.aspx?pagetype=entityrecord&etn=incident", { title: "x", customer: "", phone: "15550007777", new_firstname: "Only" });
    expect(noName.status).toBe(400);
    expect(await noName.text()).toContain("The new contact needs a last name.");
  });

  it("preselect a known customer the pop names by customerid", async () => {
    const form = await get(`/main.aspx?pagetype=entityrecord&etn=incident&customerid=${SEED_RECORDS.contactId}&phone=14806754110`);
    expect(form.html).toContain(`value="contact:${SEED_RECORDS.contactId}" selected`);
    expect(form.html).not.toContain("new_lastname");
  });
});
