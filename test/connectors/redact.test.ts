import { describe, expect, it } from "vitest";
import { Redactor, redactingLogger, REDACTED } from "../../src/connectors/redact.js";

describe("redaction", () => {
  it("removes a secret in plain, URL-encoded and Base64 form, and any Bearer/Basic credential", () => {
    const r = new Redactor(["s3cr3t/+value"]);
    const b64 = Buffer.from("s3cr3t/+value").toString("base64");
    const text = `a=s3cr3t/+value b=${encodeURIComponent("s3cr3t/+value")} c=${b64} Authorization: Bearer eyJabc.def.ghi Basic dXNlcjpwYXNz`;
    const out = r.redact(text);
    expect(out).toBe(`a=${REDACTED} b=${REDACTED} c=${REDACTED} Authorization: Bearer ${REDACTED} Basic ${REDACTED}`);
  });

  it("forgets old tokens past its limit but keeps configured secrets", () => {
    const r = new Redactor(["config-secret"], 2);
    for (let i = 0; i < 10; i++) r.addToken(`token-number-${i}-xyz`);
    expect(r.redact("token-number-0-xyz")).toBe("token-number-0-xyz");
    expect(r.redact("token-number-9-xyz config-secret")).toBe(`${REDACTED} ${REDACTED}`);
  });

  it("does not blank ordinary words for a very short value, nor prose such as Basic authentication", () => {
    const r = new Redactor(["abc"]);
    r.addToken("t");
    expect(r.redact("timeout calling abc; Basic authentication failed")).toBe("timeout calling abc; Basic authentication failed");
  });

  it("redacts log objects, with credential-named fields dropped whole", () => {
    const lines: Array<[object, string | undefined]> = [];
    const sink = { debug: (o: object, m?: string) => lines.push([o, m]), info: () => {}, warn: () => {} };
    redactingLogger(sink, new Redactor(["hunter22"])).debug({ url: "https://x/?k=hunter22", authorization: "whatever", nested: { password: "p" } }, "sent hunter22");
    expect(lines).toEqual([[{ url: `https://x/?k=${REDACTED}`, authorization: REDACTED, nested: { password: REDACTED } }, `sent ${REDACTED}`]]);
  });
});
