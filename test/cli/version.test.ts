/** `ccflow --version` prints the package's version and exits 0, as any command-line tool does. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { repoRoot } from "../helpers/shared.js";

describe("ccflow --version", () => {
  it("prints package.json's version", async () => {
    const version = (JSON.parse(readFileSync(resolve(repoRoot, "package.json"), "utf8")) as { version: string }).version;
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      for (const flag of ["--version", "-V"]) expect(await main(["node", "ccflow", flag])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(written).toEqual([`${version}\n`, `${version}\n`]);
  });
});
