/**
 * `ccflow serve --watch` for the environment file: a saved change is read and checked, then bound
 * for calls that start from now on — connectors (new and changed), queues (new ones created),
 * entry points, globals, business hours, scripts and screen-pop rewrites (Runtime.replaceEnvironment).
 * Calls in progress keep the binding they started with. The center takes the settings of existing
 * queues, and teams and agents added, changed and removed, at once (center/reconfigure.ts; each
 * change is logged). A version that does not parse or bind is refused with the reason, naming the
 * file and the place in it, and the previous one stays.
 *
 * The center settings the center holds (ring timeout, wrap-up, decline state, auto-created queues,
 * EWT look-back) apply at once, and a queue gone from the file retires (center/reconfigure.ts).
 * Not re-read: the settings bound to what the server opened at its start — `sip.*` (its listeners
 * and who may call), `prompts.*` (the SIP audio folder), `crm.*` and the `center` settings of the
 * server's parts (dial plan, outside ring time, wrap-up codes, service level, record retention,
 * desktop disconnect grace). Each one changed is named in the log, one line each, as needing a
 * restart. On a cluster node the center takes no change at all: each is named as not applied.
 * The `flows:` list is followed: a subflow file added is read, checked, served for new calls and
 * watched; one removed is not reachable for new calls (each listed file is watched itself for
 * changes to its own flow).
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { loadEnvironmentFile } from "../environment/load.js";
import type { Environment } from "../environment/schema.js";
import { centerSettingsSchema } from "../center/config.js";
import { LIVE_CENTER_SETTINGS } from "../center/reconfigure.js";
import { RuntimeConfigError, type Runtime } from "../runtime/runtime.js";
import { watchFileChanges } from "./file-watch.js";
import type { FlowWatcher } from "./flow-watch.js";
import { readValidFlow, type FlowCatalog } from "./flows.js";

export interface EnvironmentWatchOptions {
  /** The environment file as loaded at the start (its `file` is watched). */
  file: string;
  runtime: Runtime;
  catalog: FlowCatalog;
  /** The flow files' watcher (serve --watch): a file the `flows:` list adds is watched too. */
  flowWatcher?: FlowWatcher;
  /** SIP calls are taken: entry points must name served flows, as at the start. */
  checkEntryPoints?: boolean;
  log: (level: "info" | "warn" | "error", message: string) => void;
  /** Quiet time after the last event of a save before the file is read, ms. */
  settleMs?: number;
  /** Told after each change is handled (tests wait on it). */
  onReload?: (result: EnvironmentReload) => void;
}

export type EnvironmentReload = { outcome: "replaced"; notices: string[] } | { outcome: "refused"; problem: string } | { outcome: "unchanged" };

/** Sections read only when the server starts; a change to one of their settings waits for a restart. */
const AT_START = ["sip", "prompts", "crm"] as const;

/** The settings read only at the start that differ, each by its path (`sip.allow`, `center.dialPlan`). */
function changedAtStart(before: Environment, next: Environment): string[] {
  const out: string[] = [];
  const differ = (a: Record<string, unknown>, b: Record<string, unknown>, prefix: string, skip: readonly string[] = []) => {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!skip.includes(key) && JSON.stringify(a[key]) !== JSON.stringify(b[key])) out.push(`${prefix}.${key}`);
    }
  };
  for (const section of AT_START) differ(before[section] as Record<string, unknown>, next[section] as Record<string, unknown>, section);
  // Parsed, so that a setting written out at its default is no change.
  differ(centerSettingsSchema.parse(before.center ?? {}), centerSettingsSchema.parse(next.center ?? {}), "center", LIVE_CENTER_SETTINGS);
  return out;
}

const flowFiles = (env: Environment) => env.flows.map((f) => resolve(env.baseDir, f));

export interface EnvironmentWatcher {
  /** Reads the file now, as a change would. */
  reload(): Promise<EnvironmentReload>;
  close(): void;
}

export async function watchEnvironment(options: EnvironmentWatchOptions): Promise<EnvironmentWatcher> {
  const { file, runtime, log } = options;
  let lastText = await readFile(file, "utf8").catch(() => "");
  let running: Promise<EnvironmentReload> | undefined;
  let again = false;

  const reload = async (): Promise<EnvironmentReload> => {
    const text = await readFile(file, "utf8").catch(() => undefined);
    if (text === undefined) {
      log("warn", `environment: ${file} cannot be read now (deleted or renamed?); still binding new calls by the version loaded before`);
      return { outcome: "refused", problem: `${file}: cannot be read` };
    }
    if (text === lastText) return { outcome: "unchanged" };
    lastText = text;
    const refuse = (problem: string): EnvironmentReload => {
      log("error", `environment: ${file} changed but cannot be used; new calls are still bound by the version loaded before:\n  ${problem.split("\n").join("\n  ")}`);
      return { outcome: "refused", problem };
    };
    const loaded = await loadEnvironmentFile(file);
    if (!loaded.ok) return refuse(loaded.error);
    const next = loaded.environment;
    for (const [number, ref] of options.checkEntryPoints ? Object.entries(next.entryPoints) : []) {
      if (!options.catalog.find(ref)) return refuse(`${file}: entryPoints.${number}: names flow "${ref}", which is not served (flows: ${options.catalog.list().map((f) => f.id).join(", ")})`);
    }
    const before = runtime.environment;
    let notices: string[];
    try {
      notices = runtime.replaceEnvironment(next);
    } catch (err) {
      if (err instanceof RuntimeConfigError) return refuse(err.message);
      throw err;
    }
    const waiting = changedAtStart(before, next);
    await changeFlowList(flowFiles(before), flowFiles(next));
    log("info", `environment: ${file} reloaded; new calls are bound by this version (connectors, queues, entry points, globals, business hours, scripts), calls in progress keep the one they started with; the center's changes follow, one line each`);
    for (const n of notices) log(/not applied on a cluster node/.test(n) ? "warn" : "info", `environment: ${n}`);
    for (const setting of waiting) log("warn", `environment: ${file}: ${setting} changed; it is read when the server starts: restart to apply`);
    return { outcome: "replaced", notices };
  };

  /** Subflows added to the `flows:` list are read, checked and served for new calls; those removed are dropped. */
  const changeFlowList = async (was: string[], now: string[]) => {
    for (const file of now.filter((f) => !was.includes(f))) {
      if (options.catalog.definitionOf(file)) continue;
      const read = await readValidFlow(file, runtime.engine.registry);
      if (!read.flow) {
        log("error", `environment: flows: ${file} is listed now but cannot be served; new calls cannot reach it:\n  ${read.errors.join("\n  ")}`);
        continue;
      }
      options.catalog.addLibrary(file, read.flow);
      runtime.changeLibrary([read.flow], []);
      await options.flowWatcher?.watch(file);
      log("info", `environment: flows: ${file} added ("${read.flow.name}"); calls that start from now on can reach it`);
    }
    for (const file of was.filter((f) => !now.includes(f))) {
      const gone = options.catalog.removeLibrary(file);
      if (!gone) continue;
      runtime.changeLibrary([], [gone]);
      options.flowWatcher?.unwatch(file);
      log("info", `environment: flows: ${file} removed ("${gone.name}"); calls in progress keep it, new calls cannot reach it`);
    }
  };

  const run = (): Promise<EnvironmentReload> => {
    if (running) {
      again = true;
      return running;
    }
    const p = reload()
      .catch((err: unknown): EnvironmentReload => {
        const problem = `${file}: ${(err as Error)?.message ?? String(err)}`;
        log("error", `environment: reloading ${file} failed; new calls are still bound by the version loaded before: ${problem}`);
        return { outcome: "refused", problem };
      })
      .then((result) => {
        running = undefined;
        options.onReload?.(result);
        if (again) {
          again = false;
          void run();
        }
        return result;
      });
    running = p;
    return p;
  };

  const changes = watchFileChanges(
    [file],
    options.settleMs ?? 150,
    () => void run(),
    (dir, err) => log("warn", `environment: watching ${dir} stopped: ${err.message}`),
  );
  log("info", `environment: watching ${file} for changes`);
  return { reload: run, close: () => changes.close() };
}
