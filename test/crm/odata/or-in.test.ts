/**
 * `a eq 1 or a eq 2 or …` reaches the store as one IN list per property (SQLite tests a list by
 * lookup instead of one comparison per term and row); other conditions in the chain stay as they
 * are, and the rows are the same (test/security/crm-limits.test.ts checks them over HTTP).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindQuery } from "../../../src/crm/odata/bind.js";
import { parseQueryOptions, splitQueryString } from "../../../src/crm/odata/query-options.js";
import { compileRowQuery } from "../../../src/crm/store/compile.js";
import { SqliteCrmStore } from "../../../src/crm/store/sqlite-store.js";

const dir = mkdtempSync(path.join(tmpdir(), "ccflow-or-in-"));
let store: SqliteCrmStore;
beforeAll(() => {
  store = new SqliteCrmStore({ file: path.join(dir, "crm.sqlite") });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function sql(filter: string): string {
  const table = store.schema.tableBySet("contacts")!;
  const options = parseQueryOptions(splitQueryString(`$filter=${encodeURIComponent(filter)}`));
  const bound = bindQuery({ schema: store.schema, aliases: options.aliases, userId: "00000000-0000-0000-0000-0000000000aa" }, table, options);
  return compileRowQuery(store.schema, { table, filter: bound.filter, orderBy: [], limit: 10 }, {}).sql;
}

describe("or-chains of equalities", () => {
  it("become one IN list per property", () => {
    const text = sql(Array.from({ length: 999 }, (_, i) => `statecode eq ${i % 2}`).join(" or "));
    expect(text.match(/ IN \(/g)).toHaveLength(1);
    expect(text).not.toMatch(/ OR /);
  });

  it("keep other conditions beside the lists", () => {
    const text = sql("lastname eq 'a' or lastname eq 'b' or startswith(firstname,'c') or statecode eq 1");
    expect(text.match(/ IN \(/g)).toHaveLength(1);
    expect(text).toMatch(/LIKE/);
    expect(text.match(/ OR /g)).toHaveLength(2);
  });
});
