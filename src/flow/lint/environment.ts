/**
 * Environment rule: the ids an export hard-codes (queues, connectors, entry points, audio file
 * names) differ from one Webex organisation to the next. They are listed as one table per flow,
 * to fill in per environment; ids the environment file already binds are left out.
 */
import { collectReferences } from "../validate.js";
import type { ActivityDef } from "../types.js";
import type { LintDiagnostic, LintRule } from "./types.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROMPTING = new Set(["play-message", "play-music", "ivr-menu", "ivr-collectdigits"]);

function literal(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" && !v.includes("{{") ? v.trim() : undefined;
}

const hardCodedIds: LintRule = {
  code: "hard-coded-ids",
  summary: "hard-coded environment ids (queue, connector, entry point, audio file names), listed as a mapping table",
  check(ctx) {
    const rows = new Map<string, { kind: string; value: string; usedBy: string[] }>();
    const add = (kind: string, value: string, a: ActivityDef) => {
      const k = `${kind}\u0000${value}`;
      const row = rows.get(k) ?? { kind, value, usedBy: [] };
      if (!row.usedBy.includes(a.name)) row.usedBy.push(a.name);
      rows.set(k, row);
    };
    const refs = collectReferences(ctx.flow);
    for (const [id, acts] of refs.queues) if (!ctx.bindings?.queues?.has(id)) for (const a of acts) add("queue", id, a);
    for (const [id, acts] of refs.connectors) if (!ctx.bindings?.connectors?.has(id)) for (const a of acts) add("HTTP connector", id, a);
    for (const a of [...ctx.flow.main.activities.values(), ...ctx.flow.events.activities.values()]) {
      const p = a.properties;
      if (PROMPTING.has(a.type)) {
        const tts = literal(p.connector);
        if (tts && UUID.test(tts)) add("TTS connector", tts, a);
        for (const item of Array.isArray(p.prompts) ? p.prompts : []) {
          const it = item as Record<string, unknown> | null;
          const file = literal(it?.value);
          if (file && (it?.type === "audioFile" || /\.wav$/i.test(file)) && !/^defaultmusic/i.test(file)) add("audio file", file, a);
        }
        // Webex ships defaultmusic_on_hold.wav in every organisation.
        const music = a.type === "play-music" && p.audioRadioGroup !== "dynamicAudio" ? literal(p.prompt) : undefined;
        if (music && !/^defaultmusic/i.test(music)) add("audio file", music, a);
      }
      if (a.type === "hand-off") {
        const ep = literal(p.handOffFlow);
        if (ep) add("entry point", ep, a);
      }
    }
    if (rows.size === 0) return [];
    const table = [...rows.values()];
    const counts = new Map<string, number>();
    for (const r of table) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
    const summary = [...counts].map(([k, n]) => `${n} ${k}${n === 1 ? "" : "s"}`).join(", ");
    const out: LintDiagnostic = {
      severity: "warning",
      code: this.code,
      message: `The flow hard-codes ids that differ between Webex organisations (${summary}); each must exist, or be mapped, wherever the flow is imported`,
      path: "$",
      fix: "Fill in the table below for each environment: bind queues and connectors in the environment file and upload the audio files there.",
      table,
    };
    return [out];
  },
};

export const environmentRules: LintRule[] = [hardCodedIds];
