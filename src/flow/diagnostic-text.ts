/**
 * One diagnostic as a few readable lines, with a caret under the position of a bad expression.
 * Plain text by default; the CLI passes its terminal colours, the server uses it as is.
 */
import type { Diagnostic } from "./types.js";

export interface DiagnosticStyle {
  error(s: string): string;
  warning(s: string): string;
  strong(s: string): string;
  faint(s: string): string;
  accent(s: string): string;
}

const plain = (s: string) => s;
const PLAIN: DiagnosticStyle = { error: plain, warning: plain, strong: plain, faint: plain, accent: plain };

/** Lint warnings also say how to fix them, some with a table to fill in. */
type Explained = Diagnostic & { fix?: string; table?: Array<{ kind: string; value: string; usedBy: string[] }> };

export function diagnosticText(d: Explained, style: DiagnosticStyle = PLAIN): string {
  const tag = d.severity === "error" ? style.error("error  ") : style.warning("warning");
  const who = d.activity ? `${style.strong(d.activity.name)} ${style.faint(`(${d.activity.id})`)}` : "";
  // The activity is named in front already; don't say it twice.
  const message = d.activity && d.message.startsWith(`${d.activity.name}: `) ? d.message.slice(d.activity.name.length + 2) : d.message;
  // A lint warning names its rule, which the environment's `lint:` section switches off by.
  const lines = [`  ${tag} ${who}${who ? "  " : ""}${message}`, `          ${style.faint(`at ${d.path}`)}${d.fix ? `  ${style.faint(`[${d.code}]`)}` : ""}`];
  if (d.expression) {
    const { source, position } = d.expression;
    // Show the line of the template that holds the position, caret beneath.
    const start = source.lastIndexOf("\n", position - 1) + 1;
    const endNl = source.indexOf("\n", position);
    const line = source.slice(start, endNl === -1 ? undefined : endNl);
    const col = position - start;
    const from = Math.max(0, col - 60);
    const shown = (from > 0 ? "…" : "") + line.slice(from, from + 120);
    lines.push(`          ${shown}`);
    lines.push(`          ${" ".repeat(col - from + (from > 0 ? 1 : 0))}${style.error("^")}`);
  }
  if (d.fix) lines.push(`          ${style.accent("fix:")} ${d.fix}`);
  if (d.table?.length) {
    const kindWidth = Math.max(...d.table.map((r) => r.kind.length));
    const valueWidth = Math.max(...d.table.map((r) => r.value.length));
    for (const r of d.table) lines.push(`          ${style.faint("|")} ${r.kind.padEnd(kindWidth)} ${style.faint("|")} ${r.value.padEnd(valueWidth)} ${style.faint("|")} ${style.faint(`used by ${r.usedBy.join(", ")}`)}`);
  }
  return lines.join("\n");
}
