/**
 * Record pages, the targets of screen pops: `/main.aspx?pagetype=entityrecord&etn=incident&id=<guid>`
 * shows a case (title, number, priority, customer, description); without `id` it is a new-case form
 * that creates the case through the Web API. The same for contacts, plus simple lists and a home
 * page (`/main.aspx` alone: recent contacts, cases and accounts, and a search through the Web
 * API's `contains`). A pop for a caller the CRM does not know carries `phone`: the forms start
 * with that number, and the new-case form can create the contact with the case. Plain
 * server-rendered HTML; the pages act as the built-in agent user and need no sign-in.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { requestOrigin } from "../auth/routes.js";
import type { Crm } from "../crm.js";
import type { SqlValue } from "../odata/bound.js";
import type { ColumnDef, TableDef } from "../schema/types.js";
import type { Row } from "../store/types.js";
import { dispatch } from "../web-api/api.js";
import { errorResponse } from "../web-api/responses.js";
import { formattedValue } from "../web-api/format.js";
import type { ApiContext, ApiResponse } from "../web-api/types.js";
import { esc, page, recordUrl } from "./html.js";

const GUID = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;
const PICKER_LIMIT = 200;
const LIST_LIMIT = 50;
const HOME_LIMIT = 8;
const SEARCH_LIMIT = 20;
/** Longer search text is cut: a name, a number or an email address fits. */
const SEARCH_MAX = 100;

type Query = Record<string, string | undefined>;

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .headers({ "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" })
    .send(body);
}

function column(table: TableDef, name: string): ColumnDef {
  const found = table.columns.find((c) => c.name === name);
  if (!found) throw new Error(`pages: no column ${name}`);
  return found;
}

function show(table: TableDef, row: Row, name: string): string {
  const value = row[name];
  if (value === null || value === undefined || value === "") return `<span class="muted">–</span>`;
  return esc(formattedValue(column(table, name), value as SqlValue) ?? value);
}

function priorityBadge(table: TableDef, row: Row): string {
  const value = row.prioritycode;
  if (value === null || value === undefined) return `<span class="muted">–</span>`;
  return `<span class="badge p${esc(value)}">${show(table, row, "prioritycode")}</span>`;
}

function options(col: ColumnDef, selected: string | undefined, includeEmpty = false): string {
  const items = (col.options ?? []).map((o) => `<option value="${o.value}"${String(o.value) === selected ? " selected" : ""}>${esc(o.label)}</option>`);
  return (includeEmpty ? [`<option value="">–</option>`] : []).concat(items).join("");
}

function notFoundPage(reply: FastifyReply, what: string): FastifyReply {
  return html(reply, 404, page("Not found", `<div class="card"><h1>Record not found</h1><p class="sub">${esc(what)}</p></div>`));
}

export function registerPageRoutes(app: FastifyInstance, crm: Crm): void {
  const contacts = crm.schema.table("contact");
  const accounts = crm.schema.table("account");
  const incidents = crm.schema.table("incident");

  const apiContext = (request: FastifyRequest): ApiContext => ({
    store: crm.store,
    schema: crm.schema,
    serviceRoot: `${requestOrigin(request)}/api/data/v9.2/`,
    caller: { userId: crm.config.pageUserId },
    organization: { organizationId: crm.config.organizationId, businessUnitId: crm.config.businessUnitId },
    now: crm.now,
  });

  /** Creates a row through the Web API core, exactly as a client's POST would. */
  const createThroughApi = async (request: FastifyRequest, entitySet: string, body: Record<string, unknown>): Promise<ApiResponse> => {
    try {
      return await dispatch(apiContext(request), { method: "POST", path: entitySet, query: "", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    } catch (err) {
      return errorResponse(err);
    }
  };

  const errorText = (response: ApiResponse): string => {
    try {
      return String((JSON.parse(response.body ?? "{}") as { error?: { message?: string } }).error?.message ?? `HTTP ${response.status}`);
    } catch {
      return `HTTP ${response.status}`;
    }
  };

  const customerName = async (row: Row): Promise<{ name: string; url?: string }> => {
    const id = row._customerid_value;
    const type = row._customerid_type;
    if (typeof id !== "string" || (type !== "contact" && type !== "account")) return { name: "–" };
    const table = type === "contact" ? contacts : accounts;
    const customer = await crm.store.getById(table, id);
    return { name: customer ? String(customer[table.primaryName] ?? "") : "(deleted)", url: recordUrl(type, id) };
  };

  const incidentView = async (reply: FastifyReply, id: string) => {
    const row = await crm.store.getById(incidents, id);
    if (!row) return notFoundPage(reply, `No case with id ${id}.`);
    const customer = await customerName(row);
    const customerHtml = customer.url ? `<a href="${esc(customer.url)}">${esc(customer.name)}</a>` : esc(customer.name);
    const body = `<div class="card">
<h1>${esc(row.title)}</h1>
<p class="sub">Case ${esc(row.ticketnumber)} · ${show(incidents, row, "statecode")} · ${show(incidents, row, "statuscode")}</p>
<dl>
<dt>Case number</dt><dd>${esc(row.ticketnumber)}</dd>
<dt>Priority</dt><dd>${priorityBadge(incidents, row)}</dd>
<dt>Customer</dt><dd>${customerHtml}</dd>
<dt>Origin</dt><dd>${show(incidents, row, "caseorigincode")}</dd>
<dt>Case type</dt><dd>${show(incidents, row, "casetypecode")}</dd>
<dt>Created on</dt><dd>${show(incidents, row, "createdon")}</dd>
<dt>Modified on</dt><dd>${show(incidents, row, "modifiedon")}</dd>
<dt>Description</dt><dd>${row.description ? esc(row.description).replace(/\n/g, "<br>") : '<span class="muted">–</span>'}</dd>
</dl></div>`;
    return html(reply, 200, page(`${String(row.title)} (${String(row.ticketnumber)})`, body));
  };

  const customerChoices = async (selected: string | undefined): Promise<string> => {
    const people = await crm.store.query({ table: contacts, orderBy: [], limit: PICKER_LIMIT });
    const companies = await crm.store.query({ table: accounts, orderBy: [], limit: PICKER_LIMIT });
    const option = (type: string, row: Row, table: TableDef) => {
      const value = `${type}:${String(row[table.primaryKey])}`;
      return `<option value="${esc(value)}"${value === selected ? " selected" : ""}>${esc(row[table.primaryName])}${type === "contact" && row.telephone1 ? ` (${esc(row.telephone1)})` : ""}</option>`;
    };
    let preselected = "";
    if (selected && ![...people, ...companies].some((r) => `contact:${String(r.contactid)}` === selected || `account:${String(r.accountid)}` === selected)) {
      const [type, id] = selected.split(":");
      const table = type === "account" ? accounts : contacts;
      const row = id ? await crm.store.getById(table, id) : undefined;
      if (row) preselected = option(type === "account" ? "account" : "contact", row, table);
    }
    return `<option value="">Choose a customer…</option>${preselected}<optgroup label="Contacts">${people.map((r) => option("contact", r, contacts)).join("")}</optgroup><optgroup label="Accounts">${companies.map((r) => option("account", r, accounts)).join("")}</optgroup>`;
  };

  /** A pop names the customer as `customerid=<guid>` (a contact or an account); the form's own field is `customer=type:guid`. */
  const customerFromPop = async (values: Query): Promise<string | undefined> => {
    if (values.customer) return values.customer;
    const guid = GUID.exec((values.customerid ?? "").trim())?.[1]?.toLowerCase();
    if (!guid) return undefined;
    if (await crm.store.getById(contacts, guid)) return `contact:${guid}`;
    if (await crm.store.getById(accounts, guid)) return `account:${guid}`;
    return undefined;
  };

  const incidentForm = async (reply: FastifyReply, values: Query, error?: string, status = 200) => {
    const customer = await customerFromPop(values);
    const phone = (values.phone ?? "").trim();
    // An unknown caller: offer to create the contact with the case, their number filled in.
    const newContact = !customer && phone
      ? `<fieldset class="new-contact"><legend>Or create the caller as a new contact</legend>
<p class="sub">The caller's number ${esc(phone)} is not in the CRM.</p>
<input type="hidden" name="phone" value="${esc(phone)}">
<div class="row"><label><span>First name</span><input name="new_firstname" value="${esc(values.new_firstname)}"></label><label><span>Last name</span><input name="new_lastname" value="${esc(values.new_lastname)}"></label></div>
<label><span>Business phone</span><input type="tel" name="new_telephone1" value="${esc(values.new_telephone1 ?? phone)}"></label>
</fieldset>`
      : "";
    const body = `<div class="card"><h1>New case</h1><p class="sub">Creates the case through the Web API.${phone ? ` Caller: <b>${esc(phone)}</b>.` : ""}</p>
${error ? `<div class="error">${esc(error)}</div>` : ""}
<form method="post" action="${esc(recordUrl("incident"))}">
<label><span>Case title *</span><input name="title" required maxlength="200" value="${esc(values.title)}"></label>
<label><span>Customer${newContact ? "" : " *"}</span><select name="customer"${newContact ? "" : " required"}>${await customerChoices(customer)}</select></label>
${newContact}
<div class="row">
<label><span>Priority</span><select name="prioritycode">${options(column(incidents, "prioritycode"), values.prioritycode ?? "2")}</select></label>
<label><span>Origin</span><select name="caseorigincode">${options(column(incidents, "caseorigincode"), values.caseorigincode ?? "1", true)}</select></label>
</div>
<label><span>Case type</span><select name="casetypecode">${options(column(incidents, "casetypecode"), values.casetypecode, true)}</select></label>
<label><span>Description</span><textarea name="description" maxlength="2000">${esc(values.description ?? (phone ? `Call from ${phone}` : ""))}</textarea></label>
<button type="submit">Save case</button>
</form></div>`;
    return html(reply, status, page("New case", body));
  };

  const contactView = async (reply: FastifyReply, id: string) => {
    const row = await crm.store.getById(contacts, id);
    if (!row) return notFoundPage(reply, `No contact with id ${id}.`);
    const cases = await crm.store.query({
      table: incidents,
      orderBy: [],
      limit: LIST_LIMIT,
      within: { column: "_customerid_value", values: [id], typeColumn: "_customerid_type", typeValue: "contact" },
    });
    const company = typeof row._parentcustomerid_value === "string" && row._parentcustomerid_type === "account" ? await crm.store.getById(accounts, row._parentcustomerid_value) : undefined;
    const caseRows = cases
      .map((c) => `<tr><td><a href="${esc(recordUrl("incident", String(c.incidentid)))}">${esc(c.title)}</a></td><td>${esc(c.ticketnumber)}</td><td>${priorityBadge(incidents, c)}</td><td>${show(incidents, c, "statuscode")}</td><td>${show(incidents, c, "createdon")}</td></tr>`)
      .join("");
    const body = `<div class="card"><h1>${esc(row.fullname)}</h1><p class="sub">Contact · ${show(contacts, row, "statecode")}</p>
<dl>
<dt>Business phone</dt><dd>${show(contacts, row, "telephone1")}</dd>
<dt>Mobile phone</dt><dd>${show(contacts, row, "mobilephone")}</dd>
<dt>Email</dt><dd>${show(contacts, row, "emailaddress1")}</dd>
<dt>Job title</dt><dd>${show(contacts, row, "jobtitle")}</dd>
<dt>Company</dt><dd>${company ? `<a href="${esc(recordUrl("account", String(company.accountid)))}">${esc(company.name)}</a>` : '<span class="muted">–</span>'}</dd>
<dt>City</dt><dd>${show(contacts, row, "address1_city")}</dd>
<dt>Preferred contact</dt><dd>${show(contacts, row, "preferredcontactmethodcode")}</dd>
</dl></div>
<div class="card"><h2>Cases</h2>
${cases.length ? `<table><tr><th>Title</th><th>Case number</th><th>Priority</th><th>Status</th><th>Created on</th></tr>${caseRows}</table>` : `<p class="muted">No cases.</p>`}
<p><a class="button" href="${esc(recordUrl("incident", undefined, { customer: `contact:${id}` }))}">New case for ${esc(row.fullname)}</a></p></div>`;
    return html(reply, 200, page(String(row.fullname ?? "Contact"), body));
  };

  const contactForm = (reply: FastifyReply, values: Query, error?: string, status = 200) => {
    const prefilled: Query = { ...values, telephone1: values.telephone1 ?? values.phone };
    const input = (name: string, label: string, type = "text") => `<label><span>${label}</span><input type="${type}" name="${name}" value="${esc(prefilled[name])}"></label>`;
    const body = `<div class="card"><h1>New contact</h1><p class="sub">Creates the contact through the Web API.</p>
${error ? `<div class="error">${esc(error)}</div>` : ""}
<form method="post" action="${esc(recordUrl("contact"))}">
<div class="row">${input("firstname", "First name")}${input("lastname", "Last name *")}</div>
<div class="row">${input("telephone1", "Business phone", "tel")}${input("mobilephone", "Mobile phone", "tel")}</div>
<div class="row">${input("emailaddress1", "Email", "email")}${input("jobtitle", "Job title")}</div>
<button type="submit">Save contact</button>
</form></div>`;
    return html(reply, status, page("New contact", body));
  };

  const accountView = async (reply: FastifyReply, id: string) => {
    const row = await crm.store.getById(accounts, id);
    if (!row) return notFoundPage(reply, `No account with id ${id}.`);
    const body = `<div class="card"><h1>${esc(row.name)}</h1><p class="sub">Account ${esc(row.accountnumber)}</p><dl>
<dt>Main phone</dt><dd>${show(accounts, row, "telephone1")}</dd><dt>Email</dt><dd>${show(accounts, row, "emailaddress1")}</dd>
<dt>Website</dt><dd>${show(accounts, row, "websiteurl")}</dd><dt>City</dt><dd>${show(accounts, row, "address1_city")}</dd>
<dt>Industry</dt><dd>${show(accounts, row, "industrycode")}</dd></dl></div>`;
    return html(reply, 200, page(String(row.name ?? "Account"), body));
  };

  const list = async (reply: FastifyReply, etn: string) => {
    if (etn === "incident") {
      const rows = await crm.store.query({ table: incidents, orderBy: [{ expr: { k: "prop", scope: 0, table: incidents, prop: crm.schema.property(incidents, "createdon")!, edm: "Edm.DateTimeOffset" }, descending: true }], limit: LIST_LIMIT });
      const names = await Promise.all(rows.map((c) => customerName(c)));
      const body = rows.map((c, i) => `<tr><td><a href="${esc(recordUrl("incident", String(c.incidentid)))}">${esc(c.title)}</a></td><td>${esc(c.ticketnumber)}</td><td>${priorityBadge(incidents, c)}</td><td>${esc(names[i]!.name)}</td><td>${show(incidents, c, "createdon")}</td></tr>`).join("");
      return html(reply, 200, page("Cases", `<div class="card"><h1>Recent cases</h1><table><tr><th>Title</th><th>Case number</th><th>Priority</th><th>Customer</th><th>Created on</th></tr>${body}</table></div>`));
    }
    if (etn === "account") {
      const rows = await crm.store.query({ table: accounts, orderBy: [], limit: LIST_LIMIT });
      return html(reply, 200, page("Accounts", `<div class="card"><h1>Accounts</h1>${accountTable(rows)}</div>`));
    }
    const rows = await crm.store.query({ table: contacts, orderBy: [], limit: LIST_LIMIT });
    const body = rows.map((c) => `<tr><td><a href="${esc(recordUrl("contact", String(c.contactid)))}">${esc(c.fullname)}</a></td><td>${show(contacts, c, "telephone1")}</td><td>${show(contacts, c, "emailaddress1")}</td></tr>`).join("");
    return html(reply, 200, page("Contacts", `<div class="card"><h1>Contacts</h1><table><tr><th>Name</th><th>Business phone</th><th>Email</th></tr>${body}</table></div>`));
  };

  const contactTable = (rows: Row[]) =>
    rows.length
      ? `<table><tr><th>Name</th><th>Business phone</th><th>Email</th></tr>${rows.map((c) => `<tr><td><a href="${esc(recordUrl("contact", String(c.contactid)))}">${esc(c.fullname)}</a></td><td>${show(contacts, c, "telephone1")}</td><td>${show(contacts, c, "emailaddress1")}</td></tr>`).join("")}</table>`
      : `<p class="muted">None.</p>`;
  const caseTable = async (rows: Row[]) => {
    const names = await Promise.all(rows.map((c) => customerName(c)));
    return rows.length
      ? `<table><tr><th>Title</th><th>Case number</th><th>Priority</th><th>Customer</th></tr>${rows.map((c, i) => `<tr><td><a href="${esc(recordUrl("incident", String(c.incidentid)))}">${esc(c.title)}</a></td><td>${esc(c.ticketnumber)}</td><td>${priorityBadge(incidents, c)}</td><td>${esc(names[i]!.name)}</td></tr>`).join("")}</table>`
      : `<p class="muted">None.</p>`;
  };
  const accountTable = (rows: Row[]) =>
    rows.length
      ? `<table><tr><th>Name</th><th>Account number</th><th>Main phone</th><th>City</th></tr>${rows.map((a) => `<tr><td><a href="${esc(recordUrl("account", String(a.accountid)))}">${esc(a.name)}</a></td><td>${show(accounts, a, "accountnumber")}</td><td>${show(accounts, a, "telephone1")}</td><td>${show(accounts, a, "address1_city")}</td></tr>`).join("")}</table>`
      : `<p class="muted">None.</p>`;

  /** Rows matching `text` in any of `fields`, through the Web API as a client's GET would ask. */
  const search = async (request: FastifyRequest, entitySet: string, fields: string[], text: string): Promise<Row[]> => {
    const literal = `'${text.replace(/'/g, "''")}'`;
    const filter = fields.map((f) => `contains(${f},${literal})`).join(" or ");
    const query = `$filter=${encodeURIComponent(filter)}&$top=${SEARCH_LIMIT}`;
    try {
      const response = await dispatch(apiContext(request), { method: "GET", path: entitySet, query, headers: {} });
      if (response.status !== 200) return [];
      return (JSON.parse(response.body ?? "{}") as { value?: Row[] }).value ?? [];
    } catch {
      return [];
    }
  };

  const home = async (request: FastifyRequest, reply: FastifyReply, q: string | undefined) => {
    const text = (q ?? "").trim().slice(0, SEARCH_MAX);
    const form = `<form class="search" method="get" action="/main.aspx"><input type="hidden" name="pagetype" value="search"><input type="search" name="q" value="${esc(text)}" placeholder="Search contacts, cases and accounts (name, phone, email, case number)" aria-label="Search"><button type="submit">Search</button></form>`;
    if (text) {
      const people = await search(request, "contacts", ["fullname", "telephone1", "mobilephone", "emailaddress1"], text);
      const cases = await search(request, "incidents", ["title", "ticketnumber"], text);
      const companies = await search(request, "accounts", ["name", "accountnumber", "telephone1", "emailaddress1"], text);
      const found = people.length + cases.length + companies.length;
      const body = `<div class="card"><h1>Search</h1>${form}<p class="sub">${found === 0 ? `Nothing matches “${esc(text)}”.` : `${found} match${found === 1 ? "" : "es"} for “${esc(text)}”${found >= SEARCH_LIMIT ? ` (at most ${SEARCH_LIMIT} of each)` : ""}.`}</p></div>
<div class="card"><h2>Contacts</h2>${contactTable(people)}</div>
<div class="card"><h2>Cases</h2>${await caseTable(cases)}</div>
<div class="card"><h2>Accounts</h2>${accountTable(companies)}</div>`;
      return html(reply, 200, page(`Search: ${text}`, body));
    }
    const newest = { expr: { k: "prop" as const, scope: 0, table: incidents, prop: crm.schema.property(incidents, "createdon")!, edm: "Edm.DateTimeOffset" as const }, descending: true };
    const body = `<div class="card"><h1>Customer service</h1>${form}</div>
<div class="card"><h2>Contacts <a class="more" href="/main.aspx?pagetype=entitylist&amp;etn=contact">all contacts</a></h2>${contactTable(await crm.store.query({ table: contacts, orderBy: [], limit: HOME_LIMIT }))}</div>
<div class="card"><h2>Recent cases <a class="more" href="/main.aspx?pagetype=entitylist&amp;etn=incident">all cases</a></h2>${await caseTable(await crm.store.query({ table: incidents, orderBy: [newest], limit: HOME_LIMIT }))}</div>
<div class="card"><h2>Accounts <a class="more" href="/main.aspx?pagetype=entitylist&amp;etn=account">all accounts</a></h2>${accountTable(await crm.store.query({ table: accounts, orderBy: [], limit: HOME_LIMIT }))}</div>`;
    return html(reply, 200, page("Home", body));
  };

  app.register(async (scope) => {
    scope.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));

    scope.get("/main.aspx", async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
      const { pagetype = "entityrecord", etn = "", id } = request.query;
      if (pagetype === "search" || (etn === "" && !id && (pagetype === "entityrecord" || pagetype === "dashboard"))) return home(request, reply, request.query.q);
      if (pagetype === "entitylist" && (etn === "incident" || etn === "contact" || etn === "account")) return list(reply, etn);
      if (pagetype !== "entityrecord") return html(reply, 400, page("Unsupported page", `<div class="card"><h1>Unsupported page type</h1><p class="sub">Page type '${esc(pagetype)}' is not available here.</p></div>`));
      if (id !== undefined && id !== "") {
        const guid = GUID.exec(id.trim())?.[1]?.toLowerCase();
        if (!guid) return notFoundPage(reply, `'${id}' is not a record id.`);
        if (etn === "incident") return incidentView(reply, guid);
        if (etn === "contact") return contactView(reply, guid);
        if (etn === "account") return accountView(reply, guid);
        return notFoundPage(reply, `Unknown table '${etn}'.`);
      }
      if (etn === "incident") return incidentForm(reply, request.query);
      if (etn === "contact") return contactForm(reply, request.query);
      return notFoundPage(reply, `Unknown table '${etn}'.`);
    });

    scope.post("/main.aspx", async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
      const { etn = "" } = request.query;
      const form = Object.fromEntries(new URLSearchParams(typeof request.body === "string" ? request.body : "")) as Query;
      const text = (name: string) => (form[name] ?? "").trim() || undefined;
      const number = (name: string) => (text(name) !== undefined && /^\d+$/.test(text(name)!) ? Number(text(name)) : undefined);
      if (etn === "incident") {
        let customer = /^(contact|account):([0-9a-f-]{36})$/.exec(text("customer") ?? "");
        if (!customer && (text("new_lastname") || text("new_firstname"))) {
          if (!text("title")) return incidentForm(reply, form, "A case title is required.", 400);
          if (!text("new_lastname")) return incidentForm(reply, form, "The new contact needs a last name.", 400);
          const person: Record<string, unknown> = { lastname: text("new_lastname") };
          if (text("new_firstname")) person.firstname = text("new_firstname");
          if (text("new_telephone1")) person.telephone1 = text("new_telephone1");
          const made = await createThroughApi(request, "contacts", person);
          if (made.status >= 400) return incidentForm(reply, form, errorText(made), 400);
          const contactId = /\(([0-9a-f-]{36})\)$/.exec(made.headers["OData-EntityId"] ?? "")?.[1];
          if (contactId) customer = /^(contact):([0-9a-f-]{36})$/.exec(`contact:${contactId}`);
        }
        if (!customer) return incidentForm(reply, form, form.phone ? "Choose the customer the case is for, or enter the new contact's name." : "Choose the customer the case is for.", 400);
        const body: Record<string, unknown> = {
          title: text("title") ?? "",
          [`customerid_${customer[1]}@odata.bind`]: `/${customer[1] === "contact" ? "contacts" : "accounts"}(${customer[2]})`,
        };
        if (text("description")) body.description = text("description");
        for (const name of ["prioritycode", "caseorigincode", "casetypecode"]) if (number(name) !== undefined) body[name] = number(name);
        const response = await createThroughApi(request, "incidents", body);
        if (response.status >= 400) return incidentForm(reply, form, errorText(response), 400);
        const id = /\(([0-9a-f-]{36})\)$/.exec(response.headers["OData-EntityId"] ?? "")?.[1];
        return reply.redirect(recordUrl("incident", id), 303);
      }
      if (etn === "contact") {
        const body: Record<string, unknown> = {};
        for (const name of ["firstname", "lastname", "telephone1", "mobilephone", "emailaddress1", "jobtitle"]) if (text(name)) body[name] = text(name);
        if (!body.lastname) return contactForm(reply, form, "A last name is required.", 400);
        const response = await createThroughApi(request, "contacts", body);
        if (response.status >= 400) return contactForm(reply, form, errorText(response), 400);
        const id = /\(([0-9a-f-]{36})\)$/.exec(response.headers["OData-EntityId"] ?? "")?.[1];
        return reply.redirect(recordUrl("contact", id), 303);
      }
      return notFoundPage(reply, `Unknown table '${etn}'.`);
    });
  });
}
