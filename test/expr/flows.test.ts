/**
 * Every template in the seed flow and the shared Flow Designer exports parses, and the ones whose
 * results the docs give render to those results. Read from ../shared at run time; never copied.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { ExprError, objectScope, parseTemplate, type Template } from "../../src/expr/index.js";
import { CLOCK } from "./helpers.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const shared = path.resolve(repoRoot, "../shared");
const files = [
  "seed/MSD_HTTP_Connector_Flow.json",
  "flows/AnalyzerLab_Flow.json",
  "flows/MainFlow_template.json",
  "flows/Salesforce_HTTP_Connector_Flow.json",
  "flows/ServiceNow_HTTP_Connector.json",
  "flows/WaitTreatment_subflow.json",
  "flows/Zendesk_HTTP_Connector.json",
];
const present = existsSync(path.join(shared, files[0]!));
if (!present) console.warn(`[expr] ${shared} not found: skipping the tests over real flow exports`);

interface Found {
  file: string;
  source: string;
}

function templatesIn(file: string): Found[] {
  const out = new Map<string, Found>();
  const walk = (v: unknown): void => {
    if (typeof v === "string") {
      if (v.includes("{{") || v.includes("{%")) out.set(v, { file, source: v });
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(JSON.parse(readFileSync(path.join(shared, file), "utf8")));
  return [...out.values()];
}

const all: Found[] = present ? files.flatMap(templatesIn) : [];
const parsed = new Map<string, Template>();
const failures: Array<Found & { error: ExprError }> = [];
for (const f of all) {
  try {
    parsed.set(f.source, parseTemplate(f.source));
  } catch (err) {
    if (!(err instanceof ExprError)) throw err;
    failures.push({ ...f, error: err });
  }
}

function find(file: string, predicate: (s: string) => boolean): Template {
  const hit = all.find((f) => f.file.endsWith(file) && predicate(f.source) && parsed.has(f.source));
  if (!hit) throw new Error(`no template in ${file} matches`);
  return parsed.get(hit.source)!;
}

function run(t: Template, vars: Record<string, unknown>): string {
  return t.render(objectScope(vars), { now: () => CLOCK });
}

describe.skipIf(!present)("templates of the real flows", () => {
  test("each of the seven flows has templates, and all of them parse but one", () => {
    for (const file of files) expect(all.some((f) => f.file === file)).toBe(true);
    expect(all.length).toBeGreaterThan(40);
    expect(failures.map((f) => f.file)).toEqual(["flows/Salesforce_HTTP_Connector_Flow.json"]);
  });

  test("the one that does not parse is a typo in the Salesforce export ('{{[' never closed), reported where Pebble stops", () => {
    const [{ error, source }] = failures as [(typeof failures)[number]];
    expect(error.reason).toBe("Expected ']' to close '[' but found '}'");
    expect(source[error.position]).toBe("}");
    expect(source.lastIndexOf("{{[", error.position)).toBeGreaterThan(-1);
  });

  test("every parsed template renders when what it reads holds strings, numbers or lists", () => {
    const leaves: unknown[] = ["4806754110", 7, ["a", "b"]];
    for (const [source, t] of parsed) {
      const refs = t.references();
      const keys = [...new Set(refs.map((r) => [r.root, ...r.path].join(".")))].slice(0, 4);
      let rendered = false;
      for (let combo = 0; combo < leaves.length ** keys.length && !rendered; combo++) {
        const vars: Record<string, unknown> = {};
        keys.forEach((key, i) => {
          const leaf = leaves[Math.floor(combo / leaves.length ** i) % leaves.length];
          const [root, attr] = key.split(".") as [string, string | undefined];
          if (attr === undefined) vars[root] = leaf;
          else ((vars[root] ??= {}) as Record<string, unknown>)[attr] = leaf;
        });
        try {
          run(t, vars);
          rendered = true;
        } catch (err) {
          if (!(err instanceof ExprError)) throw err;
        }
      }
      expect(rendered, source).toBe(true);
    }
  });

  test("seed: the ANI loses its plus, the customer checks compare strings", () => {
    expect(run(find("MSD_HTTP_Connector_Flow.json", (s) => s.includes("replace(")), { NewPhoneContact: { ANI: "+14806754110" } })).toBe("14806754110");
    const isNew = find("MSD_HTTP_Connector_Flow.json", (s) => s.includes("CustomerID =="));
    expect(run(isNew, { CustomerID: "NA" })).toBe("true");
    expect(run(isNew, { CustomerID: "1234" })).toBe("false");
    const query = run(find("MSD_HTTP_Connector_Flow.json", (s) => s.includes("$filter")), { ANI: "14806754110" });
    expect(query).toContain("'14806754110'");
    const tts = run(find("MSD_HTTP_Connector_Flow.json", (s) => s.includes("CaseNumber")), { ContactName: "Ada", CaseTitle: "Broken router", CaseNumber: "CAS-1" });
    expect(tts).toContain("Hello, Ada !");
    expect(tts).toContain("CAS-1");
  });

  test("ServiceNow: a ten-digit number formatted as (xxx) xxx-xxxx", () => {
    expect(run(find("ServiceNow_HTTP_Connector.json", (s) => s.includes("slice(0,3)")), { aniTenDigit: "4806754110" })).toBe("(480) 675-4110");
    expect(run(find("ServiceNow_HTTP_Connector.json", (s) => s.includes('replace({"+1":""})')), { NewPhoneContact: { ANI: "+14806754110" } })).toBe("4806754110");
  });

  test("WaitTreatment: counter arithmetic, comparison and JSON indexing", () => {
    const vars = { counter: 4, messages: { messages: ["m0", "m1", "m2"] } };
    expect(run(find("WaitTreatment_subflow.json", (s) => s.includes("messages.messages")), vars)).toBe("m1");
    expect(run(find("WaitTreatment_subflow.json", (s) => s.includes("<")), { counter: 49 })).toBe("true");
    expect(run(find("WaitTreatment_subflow.json", (s) => s.includes("<")), { counter: 50 })).toBe("false");
    expect(run(find("WaitTreatment_subflow.json", (s) => s.includes("+ 1")), vars)).toBe("5");
    expect(run(find("WaitTreatment_subflow.json", (s) => s.includes("* 30")), vars)).toBe("120");
  });

  test("MainFlow: epoch milliseconds, a week back, and a GraphQL body that stays valid JSON", () => {
    expect(run(find("MainFlow_template.json", (s) => /epoch\(inMillis=true\)\}\}$/.test(s.replace(/\s/g, ""))), {})).toBe(String(CLOCK));
    expect(run(find("MainFlow_template.json", (s) => s.includes("604800000")), {})).toBe(String(CLOCK - 604800000));
    const body = run(find("MainFlow_template.json", (s) => s.includes("taskDetails")), {
      goBack7Days: CLOCK - 604800000,
      CurrentTime: CLOCK,
      NewPhoneContact: { ANI: "+14806754110" },
    });
    const parsedBody = JSON.parse(body) as { query: string };
    expect(parsedBody.query).toContain(`from: ${CLOCK - 604800000}`);
    expect(parsedBody.query).toContain('"+14806754110"');
    expect(run(find("MainFlow_template.json", (s) => s.includes("+19999999999")), { NewPhoneContact: { ANI: "+19999999999" } })).toBe("true");
  });

  test("Zendesk: the string sentinel \"null\" compares as a string", () => {
    const t = find("Zendesk_HTTP_Connector.json", (s) => s.includes('"null"'));
    expect(run(t, { ticketID: "null" })).toBe("true");
    expect(run(t, { ticketID: "12" })).toBe("false");
  });

  test("Salesforce: now() inside a JSON body", () => {
    const body = run(find("Salesforce_HTTP_Connector_Flow.json", (s) => s.includes("now()")), {});
    expect((JSON.parse(body) as { Comments: string }).Comments).toContain("2025-02-06T21:09:02.712Z[UTC]");
  });

  test("AnalyzerLab: slice(1) drops the plus; lower-case .ani finds ANI", () => {
    const contact = { NewPhoneContact: { ANI: "+14806754110" } };
    expect(run(find("AnalyzerLab_Flow.json", (s) => s.includes("slice(1)")), contact)).toBe("14806754110");
    expect(run(find("AnalyzerLab_Flow.json", (s) => s.includes(".ani")), contact)).toBe("+14806754110");
  });

  test("references name what each template reads, for the validator", () => {
    const refs = find("MSD_HTTP_Connector_Flow.json", (s) => s.includes("replace(")).references();
    expect(refs).toEqual([{ root: "NewPhoneContact", path: ["ANI"], position: 2 }]);
  });
});
