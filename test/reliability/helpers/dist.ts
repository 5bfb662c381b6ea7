/**
 * Child processes (the CRM in its own process, `ccflow` as a command) run the compiled code in
 * dist/. `npm test` builds first; when a test file runs alone after a source change, this builds
 * once (tsc is incremental) so the child never runs stale code. A directory lock keeps two test
 * workers from building at the same time.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync, utimesSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../helpers/shared.js";

const run = promisify(execFile);

function stale(): string | undefined {
  const walk = (dir: string): string | undefined => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        const s = walk(full);
        if (s) return s;
      } else if (entry.name.endsWith(".ts")) {
        const out = path.join(repoRoot, "dist", path.relative(repoRoot, full)).replace(/\.ts$/, ".js");
        if (!existsSync(out) || statSync(out).mtimeMs < statSync(full).mtimeMs) return full;
      }
    }
    return undefined;
  };
  return walk(path.join(repoRoot, "src"));
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const lock = path.join(repoRoot, "dist", ".reliability-build.lock");
  mkdirSync(path.dirname(lock), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 5 minutes was left by a killed run.
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (since !== undefined && (Date.now() - since > 300_000 || i > 600)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await work();
  } finally {
    rmdirSync(lock);
  }
}

export async function ensureBuilt(): Promise<void> {
  if (!stale()) return;
  await withLock(async () => {
    if (!stale()) return;
    try {
      await run(process.execPath, [path.join(repoRoot, "node_modules/typescript/bin/tsc"), "-b", "tsconfig.build.json"], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
    } catch {
      // Type errors elsewhere still emit JavaScript; what matters is that the outputs are fresh.
    }
  });
  // tsc skips writing an output whose source changed only in its timestamp: mark such outputs
  // fresh so the next check does not build again. A missing output is a real failure.
  for (let still = stale(); still; still = stale()) {
    const out = path.join(repoRoot, "dist", path.relative(repoRoot, still)).replace(/\.ts$/, ".js");
    if (!existsSync(out)) throw new Error(`the build did not produce ${path.relative(repoRoot, out)}: run npm run build`);
    const now = new Date();
    utimesSync(out, now, now);
  }
}

/** Path of a compiled module, e.g. distPath("src/crm/index.js"). */
export function distPath(rel: string): string {
  return path.join(repoRoot, "dist", rel);
}
