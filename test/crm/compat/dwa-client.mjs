// @ts-check
/* global process, URL */
/**
 * A client program, run by dwa-msal.test.ts in its own Node process so that NODE_EXTRA_CA_CERTS
 * (which Node reads only at start-up) makes the CRM's CA trusted for both libraries. It does what an
 * application would: @azure/msal-node fetches a token over HTTPS from the CRM's token endpoint and
 * dynamics-web-api uses it. It prints one JSON line with what each call returned; the test asserts.
 */
import { ConfidentialClientApplication } from "@azure/msal-node";
import { DynamicsWebApi } from "dynamics-web-api";

const { CRM_HTTPS_URL: serverUrl = "", CRM_TENANT_ID: tenant = "", CRM_CLIENT_ID: clientId = "", CRM_CLIENT_SECRET: clientSecret = "", CRM_CONTACT_ID: contactId = "" } =
  process.env;
const host = new URL(serverUrl).host;
/** @type {Record<string, unknown>} */
const out = {};
let step = "start";

try {
  step = "msal";
  const cca = new ConfidentialClientApplication({
    auth: { clientId, clientSecret, authority: `${serverUrl}/${tenant}`, knownAuthorities: [host] },
  });
  const scopes = [`${serverUrl}/.default`];
  const first = await cca.acquireTokenByClientCredential({ scopes });
  const second = await cca.acquireTokenByClientCredential({ scopes });
  out.msal = { tokenType: first?.tokenType, hasToken: Boolean(first?.accessToken), secondFromCache: second?.fromCache };

  step = "msal-wrong-secret";
  try {
    const wrong = new ConfidentialClientApplication({
      auth: { clientId, clientSecret: "not-the-secret", authority: `${serverUrl}/${tenant}`, knownAuthorities: [host] },
    });
    await wrong.acquireTokenByClientCredential({ scopes });
    out.wrongSecret = "no error";
  } catch (err) {
    const e = /** @type {{ errorCode?: string; message?: string }} */ (err);
    out.wrongSecret = { errorCode: e.errorCode, message: e.message };
  }

  const api = new DynamicsWebApi({
    serverUrl,
    dataApi: { version: "9.2" },
    onTokenRefresh: async () => {
      const result = await cca.acquireTokenByClientCredential({ scopes });
      return result?.accessToken ?? "";
    },
  });

  step = "WhoAmI";
  out.whoAmI = await api.callFunction("WhoAmI");

  step = "retrieveMultiple";
  const ani = await api.retrieveMultiple({
    collection: "contacts",
    select: ["fullname", "telephone1", "contactid"],
    filter: "contains(telephone1,'14806754110')",
    orderBy: ["fullname asc"],
    top: 5,
    count: true,
    maxPageSize: 2,
    includeAnnotations: "*",
  });
  out.ani = ani;

  step = "retrieveMultiple-expand";
  out.cases = await api.retrieveMultiple({
    collection: "incidents",
    select: ["title", "ticketnumber", "prioritycode"],
    filter: `_customerid_value eq ${contactId}`,
    expand: [{ property: "customerid_contact", select: ["fullname"] }],
    includeAnnotations: "OData.Community.Display.V1.FormattedValue",
  });

  step = "paging";
  const page1 = await api.retrieveMultiple({ collection: "contacts", select: ["fullname"], maxPageSize: 10 });
  const page2 = await api.retrieveMultiple({ collection: "contacts", select: ["fullname"], maxPageSize: 10 }, page1.oDataNextLink);
  const all = await api.retrieveAll({ collection: "contacts", select: ["fullname"], maxPageSize: 7 });
  out.paging = {
    page1: page1.value.length,
    page1Next: Boolean(page1.oDataNextLink),
    page2First: page2.value[0]?.fullname,
    page1Names: page1.value.map((/** @type {{fullname: string}} */ r) => r.fullname),
    allCount: all.value.length,
    allDistinct: new Set(all.value.map((/** @type {{contactid: string}} */ r) => r.contactid)).size,
  };

  step = "retrieve";
  out.retrieve = await api.retrieve({ collection: "contacts", key: contactId, select: ["fullname", "telephone1"] });

  step = "count";
  out.count = await api.count({ collection: "contacts" });
  out.countFiltered = await api.count({ collection: "incidents", filter: `_customerid_value eq ${contactId}` });

  step = "create";
  const caseId = await api.create({
    collection: "incidents",
    data: { title: "Created by dynamics-web-api", "customerid_contact@odata.bind": `contacts(${contactId})`, prioritycode: 1, caseorigincode: 1 },
  });
  out.created = caseId;
  out.createdRepresentation = await api.create({
    collection: "incidents",
    data: { title: "With representation", "customerid_contact@odata.bind": `contacts(${contactId})` },
    returnRepresentation: true,
    select: ["title", "ticketnumber"],
  });

  step = "update";
  out.updated = await api.update({ collection: "incidents", key: caseId, data: { title: "Updated by dynamics-web-api" } });
  const current = await api.retrieve({ collection: "incidents", key: caseId, select: ["title"] });
  out.afterUpdate = current.title;
  out.staleUpdate = await api.update({ collection: "incidents", key: caseId, data: { title: "stale" }, ifmatch: 'W/"1"' });
  out.updateWithEtag = await api.update({ collection: "incidents", key: caseId, data: { description: "etag match" }, ifmatch: current["@odata.etag"] });

  step = "upsert";
  const upsertKey = "5b0e5a4e-1c2d-4e3f-8a9b-0c1d2e3f4a5b";
  out.upserted = await api.upsert({ collection: "contacts", key: upsertKey, data: { firstname: "Upserted", lastname: "Contact", telephone1: "+15551234567" } });
  out.upsertedAgain = await api.upsert({ collection: "contacts", key: upsertKey, data: { lastname: "Contact Again" } });
  out.upsertedName = (await api.retrieve({ collection: "contacts", key: upsertKey, select: ["fullname"] })).fullname;

  step = "delete";
  out.deleted = await api.deleteRecord({ collection: "contacts", key: upsertKey });
  try {
    await api.retrieve({ collection: "contacts", key: upsertKey });
    out.afterDelete = "still there";
  } catch (err) {
    const e = /** @type {{ status?: number; code?: string; message?: string }} */ (err);
    out.afterDelete = { status: e.status, code: e.code, message: e.message };
  }

  step = "batch";
  api.startBatch();
  api.retrieveMultiple({ collection: "contacts", select: ["fullname"], filter: "contains(telephone1,'14806754110')" });
  api.create({ collection: "contacts", data: { firstname: "Batch", lastname: "Person", telephone1: "+15559876543" }, contentId: "1" });
  api.create({ collection: "incidents", data: { title: "Batch case", "customerid_contact@odata.bind": "$1" } });
  api.update({ collection: "incidents", key: caseId, data: { prioritycode: 3 } });
  out.batch = await api.executeBatch();
  out.batchCases = (await api.retrieveMultiple({ collection: "incidents", select: ["title"], filter: "customerid_contact/lastname eq 'Person'" })).value;

  step = "done";
  process.stdout.write(`${JSON.stringify({ ok: true, out })}\n`);
} catch (err) {
  const e = /** @type {{ status?: number; code?: string; message?: string; errorCode?: string }} */ (err);
  process.stdout.write(`${JSON.stringify({ ok: false, step, out, error: { status: e.status, code: e.code, errorCode: e.errorCode, message: e.message } })}\n`);
  process.exitCode = 1;
}
