/**
 * The rooms of src/ import each other in one direction, as docs/architecture.md draws it. This
 * test reads every module's import and export-from statements and checks each edge between two
 * rooms against the table below; a new edge fails here until the table (and the drawing) say
 * why it is right. Type-only imports are erased at compile time, so they may point "up" to the
 * interfaces a room is handed; runtime imports between rooms must form no cycle.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = normalize(join(dirname(fileURLToPath(import.meta.url)), "../.."));
const src = join(root, "src");

/** Which rooms each room may import at run time. */
const RUNTIME: Record<string, readonly string[]> = {
  expr: [],
  time: [],
  util: [],
  // The linter reads the activity registry for each type's ports and outputs.
  flow: ["expr", "activities"],
  connectors: ["flow", "time", "expr"],
  center: ["time", "util"],
  channels: ["time", "util", "environment"],
  activities: ["flow", "expr", "time", "connectors", "environment", "util"],
  engine: ["flow", "expr", "time", "activities", "util"],
  environment: ["flow", "activities", "connectors", "util"],
  crm: ["util"],
  identity: ["util"],
  graph: ["flow", "activities", "expr", "util"],
  flowtest: ["flow", "expr", "time", "activities", "engine", "connectors", "channels", "environment", "runtime", "crm", "util"],
  runtime: ["flow", "expr", "time", "activities", "engine", "connectors", "center", "channels", "environment", "crm", "identity", "util"],
  "fault-proxy": ["util"],
  // OpenTelemetry: builds spans from the engine's event types; the server composes it.
  telemetry: [],
  // The dialler (campaigns, outdial): works through the ports the server hands it.
  campaigns: [],
  server: ["telemetry", "campaigns", "flow", "expr", "time", "activities", "engine", "connectors", "center", "channels", "environment", "crm", "identity", "graph", "runtime", "util"],
  cli: ["telemetry", "flow", "expr", "time", "activities", "engine", "connectors", "center", "channels", "environment", "crm", "identity", "graph", "runtime", "flowtest", "fault-proxy", "server", "util"],
};

/** Further rooms a room may name in `import type` only: the interfaces it is handed. */
const TYPES_ONLY: Record<string, readonly string[]> = {
  engine: ["center", "channels", "connectors", "environment"],
  activities: ["engine", "center", "channels"],
  channels: ["engine"],
  flowtest: ["center", "graph"],
  graph: ["flowtest"],
  telemetry: ["engine"],
  campaigns: ["center", "engine", "activities"],

};

interface Edge {
  from: string;
  to: string;
  file: string;
  typeOnly: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function roomOf(file: string): string {
  const rel = relative(src, file).split("/");
  return rel.length > 1 ? rel[0]! : "(src)";
}

function edges(): Edge[] {
  const out: Edge[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?[^;]*?from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/gm;
  for (const file of walk(src)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(statement)) {
      const spec = m[3] ?? m[4]!;
      const target = normalize(join(dirname(file), spec));
      if (!target.startsWith(src)) continue;
      const from = roomOf(file);
      const to = roomOf(target);
      if (from !== to) out.push({ from, to, file: relative(root, file), typeOnly: m[2] !== undefined });
    }
  }
  return out;
}

describe("the direction of imports between rooms", () => {
  const all = edges();

  it("knows every room", () => {
    const rooms = new Set(all.flatMap((e) => [e.from, e.to]));
    const unknown = [...rooms].filter((r) => !(r in RUNTIME));
    expect(unknown, "a new room needs its line in RUNTIME and in docs/architecture.md").toEqual([]);
  });

  it("has no import a room's line does not allow", () => {
    const bad = all
      .filter((e) => !(RUNTIME[e.from] ?? []).includes(e.to) && !(e.typeOnly && (TYPES_ONLY[e.from] ?? []).includes(e.to)))
      .map((e) => `${e.file}: ${e.from} -> ${e.to}${e.typeOnly ? " (type)" : ""}`);
    expect([...new Set(bad)].sort()).toEqual([]);
  });

  it("has no cycle between rooms at run time", () => {
    const graph = new Map<string, Set<string>>();
    for (const e of all) if (!e.typeOnly) (graph.get(e.from) ?? graph.set(e.from, new Set()).get(e.from)!).add(e.to);
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (room: string, path: string[]) => {
      if (state.get(room) === "done") return;
      if (state.get(room) === "open") {
        cycles.push([...path.slice(path.indexOf(room)), room].join(" -> "));
        return;
      }
      state.set(room, "open");
      for (const next of graph.get(room) ?? []) visit(next, [...path, room]);
      state.set(room, "done");
    };
    for (const room of graph.keys()) visit(room, []);
    expect(cycles).toEqual([]);
  });

  it("keeps server and cli at the top: nothing imports them, and server never imports cli", () => {
    const bad = all.filter((e) => (e.to === "cli" && e.from !== "cli") || (e.to === "server" && e.from !== "cli")).map((e) => `${e.file}: ${e.from} -> ${e.to}`);
    expect([...new Set(bad)].sort()).toEqual([]);
  });
});
