/**
 * Files that hold secrets or people's data (databases, key files) are readable by their owner
 * only, however they came to exist: created with mode 0600 in a 0700 directory, and an existing
 * file's mode set again (a file made earlier, or by another umask, keeps its mode otherwise).
 */
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";

export function ensurePrivateFile(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, "a", 0o600));
  chmodSync(file, 0o600);
}
