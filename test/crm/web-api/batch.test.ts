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

function root(): string {
  return `${crm.httpUrl}/api/data/v9.2/`;
}

interface Op {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  contentId?: string;
}

/** A batch body laid out the way dynamics-web-api 2.5.0 writes it. */
function batchBody(boundary: string, items: Array<Op | Op[]>, eol = "\r\n"): string {
  const lines: string[] = [];
  for (const item of items) {
    lines.push("", `--${boundary}`);
    const ops = Array.isArray(item) ? item : [item];
    const changeset = Array.isArray(item) ? `changeset_${Math.random().toString(16).slice(2)}` : undefined;
    if (changeset) lines.push(`Content-Type: multipart/mixed;boundary=${changeset}`);
    for (const op of ops) {
      if (changeset) lines.push("", `--${changeset}`);
      lines.push("Content-Type: application/http", "Content-Transfer-Encoding: binary");
      if (op.contentId) lines.push(`Content-ID: ${op.contentId}`);
      lines.push("", `${op.method} ${op.url} HTTP/1.1`);
      lines.push(op.method === "GET" ? "Accept: application/json" : "Content-Type: application/json");
      for (const [k, v] of Object.entries(op.headers ?? {})) lines.push(`${k}: ${v}`);
      if (op.body !== undefined) lines.push("", JSON.stringify(op.body));
    }
    if (changeset) lines.push("", `--${changeset}--`);
  }
  lines.push("", `--${boundary}--`, "");
  return lines.join(eol);
}

async function postBatch(body: string, boundary: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; contentType: string }> {
  const response = await crm.api("$batch", { method: "POST", headers: { "Content-Type": `multipart/mixed;boundary=${boundary}`, ...headers }, body });
  return { status: response.status, text: await response.text(), contentType: response.headers.get("content-type") ?? "" };
}

describe("$batch", () => {
  it("runs reads and an atomic changeset with Content-ID references, answering in the shape DWA parses", async () => {
    const boundary = "dwa_batch_5e1f0c2a";
    const body = batchBody(boundary, [
      { method: "GET", url: `${root()}contacts?$select=fullname&$filter=contains(telephone1,'14806754110')` },
      [
        { method: "POST", url: `${root()}contacts`, contentId: "100001", body: { firstname: "Batch", lastname: "Caller", telephone1: "+15557654321" } },
        { method: "PATCH", url: "$100001", contentId: "100002", headers: { "If-Match": "*" }, body: { jobtitle: "Created in a batch" } },
        { method: "POST", url: `${root()}incidents`, contentId: "100003", body: { title: "Batch case", "customerid_contact@odata.bind": "$100001" } },
      ],
      { method: "GET", url: "contacts?$select=jobtitle&$filter=lastname eq 'Caller'" },
    ]);
    const { status, text, contentType } = await postBatch(body, boundary);
    expect(status).toBe(200);
    const outer = /^multipart\/mixed; boundary=(batchresponse_[0-9a-f-]{36})$/.exec(contentType)?.[1];
    expect(outer).toBeDefined();
    expect(text.startsWith(`--${outer}\r\n`)).toBe(true);
    expect(text.endsWith(`--${outer}--\r\n`)).toBe(true);
    const parts = text.split(`--${outer}`).slice(1, -1);
    expect(parts).toHaveLength(3);
    expect(parts[0]).toContain("HTTP/1.1 200 OK");
    expect(parts[0]).toContain("Content-Type: application/json; odata.metadata=minimal; odata.streaming=true");
    expect(parts[0]).toContain('"fullname":"Yvonne McKay"');
    const changesetLines = parts[1]!.trim().split("\r\n");
    expect(changesetLines[0]).toMatch(/^Content-Type: multipart\/mixed; boundary=changesetresponse_[0-9a-f-]{36}$/);
    expect(changesetLines[1]).toBe("");
    expect(changesetLines[2]).toMatch(/^--changesetresponse_/);
    expect(parts[1]!.match(/HTTP\/1\.1 204 No Content/g)).toHaveLength(3);
    expect(parts[1]).toMatch(/Content-ID: 100001\r\n\r\nHTTP\/1\.1 204 No Content\r\nOData-Version: 4\.0\r\nOData-EntityId: http:\/\/[^\r]+\/contacts\([0-9a-f-]{36}\)\r\nLocation: /);
    expect(parts[2]).toContain('"jobtitle":"Created in a batch"');
    const headerBlock = parts[1]!.split("\r\n").filter((line) => /^[A-Za-z-]+: /.test(line));
    expect(headerBlock.some((line) => line.includes("{"))).toBe(false);
    const cases = await (await crm.api("incidents?$select=title&$filter=customerid_contact/lastname eq 'Caller'")).json();
    expect((cases as { value: Array<{ title: string }> }).value.map((c) => c.title)).toEqual(["Batch case"]);
  });

  it("rolls a changeset back when one operation fails and answers 400 with the failing part only", async () => {
    const boundary = "batch_rollback";
    const body = batchBody(boundary, [
      { method: "GET", url: "WhoAmI()" },
      [
        { method: "POST", url: "contacts", contentId: "1", body: { firstname: "Rolled", lastname: "Back" } },
        { method: "POST", url: "incidents", contentId: "2", body: { title: "No customer given" } },
      ],
    ]);
    const { status, text } = await postBatch(body, boundary);
    expect(status).toBe(400);
    expect(text).not.toContain("WhoAmIResponse");
    expect(text).toContain("HTTP/1.1 400 Bad Request");
    expect(text).toContain("Content-ID: 2");
    expect(text).toContain('{"error":{"code":"0x80040203","message":"You should specify a parent contact or account."}}');
    const count = await (await crm.api("contacts/$count?$filter=lastname eq 'Back'")).text();
    expect(count.replace(/^\uFEFF/, "")).toBe("0");
  });

  it("continues after failures with Prefer odata.continue-on-error, accepts LF line ends and quoted boundaries", async () => {
    const boundary = "batch_lf";
    const body = batchBody(
      boundary,
      [
        { method: "GET", url: "/api/data/v9.2/contacts(00000000-0000-0000-0000-000000000000)" },
        { method: "GET", url: `contacts(${SEED_RECORDS.contactId})?$select=fullname` },
      ],
      "\n",
    );
    const response = await crm.api("$batch", {
      method: "POST",
      headers: { "Content-Type": `multipart/mixed; boundary="${boundary}"`, Prefer: "odata.continue-on-error" },
      body,
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toContain("HTTP/1.1 404 Not Found");
    expect(text).toContain('"fullname":"Yvonne McKay"');
  });

  it("refuses GET inside a changeset, unknown Content-ID references and bodies that are not multipart", async () => {
    const boundary = "batch_bad";
    const getInChangeset = await postBatch(batchBody(boundary, [[{ method: "GET", url: "contacts" }]]), boundary);
    expect(getInChangeset.status).toBe(400);
    expect(JSON.parse(getInChangeset.text).error.message).toMatch(/^An invalid HTTP method 'GET' was detected for a request in a change set/);
    const forward = await postBatch(batchBody(boundary, [[{ method: "PATCH", url: "$1", contentId: "2", body: { firstname: "x" } }]]), boundary);
    expect(forward.status).toBe(400);
    expect(forward.text).toContain("Content-ID Reference: '$1' does not exist in the batch context.");
    const notMultipart = await crm.api("$batch", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(notMultipart.status).toBe(400);
  });
});
