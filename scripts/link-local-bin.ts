/**
 * Makes `npx ccflow` work inside this repository, as it does in a project that depends on ccflow:
 * npm links the bins of dependencies into node_modules/.bin but never the project's own, so
 * `npm install` (through `prepare`) links it here.
 */
import { existsSync, lstatSync, mkdirSync, symlinkSync, unlinkSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const binDir = join(root, "node_modules", ".bin");
const link = join(binDir, "ccflow");
const target = relative(binDir, join(root, "bin", "ccflow.js"));

if (existsSync(join(root, "node_modules"))) {
  mkdirSync(binDir, { recursive: true });
  try {
    if (lstatSync(link)) unlinkSync(link);
  } catch {
    // No link yet.
  }
  symlinkSync(target, link);
}
