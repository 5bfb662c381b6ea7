import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { register } from "../../src/cli/commands/crm.js";
import { SEED_RECORDS } from "../../src/crm/demo-data.js";
import { SqliteCrmStore } from "../../src/crm/store/sqlite-store.js";

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function ccflow(...args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  const program = new Command().exitOverride();
  register(program);
  await program.parseAsync(["node", "ccflow", ...args]);
  vi.restoreAllMocks();
  const code = typeof process.exitCode === "number" ? process.exitCode : undefined;
  return { out, err, code };
}

async function count(dir: string, table: string): Promise<number> {
  const store = new SqliteCrmStore({ file: path.join(dir, "crm.sqlite") });
  try {
    return await store.count(store.schema.table(table), undefined, Number.MAX_SAFE_INTEGER);
  } finally {
    await store.close();
  }
}

describe("ccflow crm seed", () => {
  it("reloads the demo data and generates a large set with progress on stderr", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ccflow-seed-"));
    dirs.push(dir);
    const generated = await ccflow("crm", "seed", "--data", dir, "--contacts", "25000");
    expect(generated.code).toBeUndefined();
    expect(generated.out).toContain(`CRM demo data loaded into ${path.join(dir, "crm.sqlite")}: 36 contacts, 12 accounts,`);
    expect(generated.out).toMatch(/generated 25,000 contacts and [\d,]+ cases in [\d.]+ s/);
    expect(generated.err).toMatch(/100% 25,000\/25,000 contacts/);
    expect(await count(dir, "contact")).toBe(25_036);

    const store = new SqliteCrmStore({ file: path.join(dir, "crm.sqlite") });
    try {
      const phones = store.db.prepare("SELECT telephone1 FROM contact WHERE rid IN (40, 20000)").all() as Array<{ telephone1: string }>;
      expect(new Set(phones.map((p) => p.telephone1)).size).toBe(2);
      const distinct = store.db.prepare("SELECT COUNT(DISTINCT telephone1) AS n FROM contact").get() as { n: number };
      expect(distinct.n).toBe(25_036);
      const seed = store.db.prepare("SELECT fullname FROM contact WHERE telephone1 LIKE '%14806754110%'").all();
      expect(seed).toEqual([{ fullname: SEED_RECORDS.contactName }]);
    } finally {
      await store.close();
    }

    const reloaded = await ccflow("crm", "seed", "--data", dir);
    expect(reloaded.code).toBeUndefined();
    expect(await count(dir, "contact")).toBe(36);
  }, 120_000);

  it("refuses a bad --contacts value with one line", async () => {
    const result = await ccflow("crm", "seed", "--data", "/nonexistent-never", "--contacts", "lots");
    expect(result.code).toBe(1);
    expect(result.err).toBe('ccflow: --contacts must be a whole number from 0 to 10,000,000, got "lots"\n');
  });
});
