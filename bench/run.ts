/**
 * `npm run bench [-- --json] [--quick] [--only name,name]`: runs every bench/*.bench module in
 * turn (one process, nothing else running) and prints each module's report, or with `--json` one
 * JSON object holding every figure.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cpus } from "node:os";
import type { BenchModule } from "./types.js";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const quick = args.includes("--quick");
  const onlyArg = args.find((a) => a.startsWith("--only"));
  const only = onlyArg ? (onlyArg.includes("=") ? onlyArg.split("=")[1]! : args[args.indexOf(onlyArg) + 1] ?? "").split(",").filter(Boolean) : [];

  const here = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(here).filter((f) => f.endsWith(".bench.js")).sort();
  const figures: Record<string, number> = {};
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`ccflow benchmarks — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "?"}), Node ${process.version}${quick ? ", quick" : ""}`);

  for (const file of files) {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { default?: BenchModule };
    const bench = mod.default;
    if (!bench || (only.length > 0 && !only.includes(bench.name))) continue;
    log(`\n▶ ${bench.name}`);
    const started = Date.now();
    try {
      const result = await bench.run({ quick, log });
      for (const [k, v] of Object.entries(result.figures)) {
        if (k in figures) throw new Error(`figure ${k} reported twice`);
        figures[k] = v;
      }
      if (!json) process.stdout.write(`\n## ${bench.name}\n\n${result.report.join("\n")}\n`);
      log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      log(`  ✗ ${bench.name} failed: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  }
  if (json) process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}

// A bench that failed may leave a child process or a pool behind; the run still ends when done.
void main().finally(() => setTimeout(() => process.exit(), 1_000).unref());
