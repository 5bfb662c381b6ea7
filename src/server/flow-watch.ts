/**
 * `ccflow serve --watch`: a flow file that changes (a served flow, or a subflow from the
 * environment's `flows:` list) is read, validated and compiled again, and new calls run the new
 * version; calls in progress finish on the CompiledFlow they started with. A version that does
 * not validate is refused with its errors, naming the file, and the previous one stays live.
 *
 * Changes are seen per save (file-watch.ts); a file whose text did not change is left alone.
 */
import { readFile } from "node:fs/promises";
import type { Runtime } from "../runtime/runtime.js";
import { watchFileChanges } from "./file-watch.js";
import { readValidFlow, type FlowCatalog } from "./flows.js";

export interface FlowWatchOptions {
  catalog: FlowCatalog;
  runtime: Runtime;
  log: (level: "info" | "warn" | "error", message: string) => void;
  /** Quiet time after the last event of a save before the file is read, ms. */
  settleMs?: number;
  /** Told after each change is handled (tests wait on it). */
  onReload?: (result: FlowReload) => void;
}

export type FlowReload = { file: string; outcome: "replaced" } | { file: string; outcome: "refused"; problems: string[] } | { file: string; outcome: "unchanged" };

export interface FlowWatcher {
  /** The files watched. */
  readonly files: readonly string[];
  /** Watches one more file (a subflow the environment's `flows:` list names now). */
  watch(file: string): Promise<void>;
  /** Stops watching a file. */
  unwatch(file: string): void;
  /** Reads a file now, as a change would (tests, and a change seen while one was being read). */
  reload(file: string): Promise<FlowReload>;
  close(): void;
}

export async function watchFlows(options: FlowWatchOptions): Promise<FlowWatcher> {
  const files = [...options.catalog.files()];
  const settleMs = options.settleMs ?? 150;
  const lastText = new Map<string, string>();
  for (const file of files) lastText.set(file, await readFile(file, "utf8").catch(() => ""));
  /** One read at a time per file; a change during a read is read again after it. */
  const running = new Map<string, Promise<FlowReload>>();
  const again = new Set<string>();

  const reload = async (file: string): Promise<FlowReload> => {
    const text = await readFile(file, "utf8").catch(() => undefined);
    if (text === undefined) {
      const problems = [`${file}: cannot be read (deleted or renamed?)`];
      options.log("warn", `flows: ${file} cannot be read now; still serving the version loaded before`);
      return { file, outcome: "refused", problems };
    }
    if (text === lastText.get(file)) return { file, outcome: "unchanged" };
    const previous = options.catalog.definitionOf(file);
    const read = await readValidFlow(file, options.runtime.engine.registry);
    if (!read.flow || !previous) {
      const problems = read.errors ?? [`${file}: not a flow this server serves`];
      lastText.set(file, text);
      options.log("error", `flows: ${file} changed but does not validate; still serving the version loaded before:\n  ${problems.join("\n  ")}`);
      return { file, outcome: "refused", problems };
    }
    const notices = options.runtime.replaceFlow(previous, read.flow);
    lastText.set(file, text);
    options.catalog.replace(file, read.flow);
    options.log("info", `flows: ${file} reloaded ("${read.flow.name}"); new calls run this version, calls in progress finish on the one they started with`);
    for (const n of notices) options.log("warn", `flows: ${file}: ${n}`);
    return { file, outcome: "replaced" };
  };

  const run = (file: string): Promise<FlowReload> => {
    const busy = running.get(file);
    if (busy) {
      again.add(file);
      return busy;
    }
    const p = reload(file)
      .catch((err: unknown): FlowReload => {
        const problems = [`${file}: ${(err as Error)?.message ?? String(err)}`];
        options.log("error", `flows: reloading ${file} failed; still serving the version loaded before: ${problems[0]}`);
        return { file, outcome: "refused", problems };
      })
      .then((result) => {
        running.delete(file);
        options.onReload?.(result);
        if (again.delete(file)) void run(file);
        return result;
      });
    running.set(file, p);
    return p;
  };

  const watchAll = () =>
    watchFileChanges(
      files,
      settleMs,
      (file) => void run(file),
      (dir, err) => options.log("warn", `flows: watching ${dir} stopped: ${err.message}`),
    );
  let changes = watchAll();
  options.log("info", `flows: watching ${files.length} flow file${files.length === 1 ? "" : "s"} for changes`);

  return {
    files,
    reload: run,
    async watch(file) {
      if (files.includes(file)) return;
      lastText.set(file, await readFile(file, "utf8").catch(() => ""));
      files.push(file);
      changes.close();
      changes = watchAll();
    },
    unwatch(file) {
      const at = files.indexOf(file);
      if (at < 0) return;
      files.splice(at, 1);
      lastText.delete(file);
      changes.close();
      changes = watchAll();
    },
    close() {
      changes.close();
    },
  };
}
