/** Terminal formatting shared by the commands: colour only on a TTY, never in pipes or CI logs. */
import type { Diagnostic } from "../flow/types.js";

const useColor = () => process.stdout.isTTY === true && !process.env.NO_COLOR;

function paint(code: string, s: string): string {
  return useColor() ? `\u001b[${code}m${s}\u001b[0m` : s;
}

export const red = (s: string) => paint("31", s);
export const green = (s: string) => paint("32", s);
export const yellow = (s: string) => paint("33", s);
export const dim = (s: string) => paint("2", s);
export const bold = (s: string) => paint("1", s);
export const cyan = (s: string) => paint("36", s);

/** Lint warnings also say how to fix them, some with a table to fill in. */
type Explained = Diagnostic & { fix?: string; table?: Array<{ kind: string; value: string; usedBy: string[] }> };

/** One diagnostic as a few readable lines, with a caret under the position of a bad expression. */
export function formatDiagnostic(d: Explained): string {
  const tag = d.severity === "error" ? red("error  ") : yellow("warning");
  const who = d.activity ? `${bold(d.activity.name)} ${dim(`(${d.activity.id})`)}` : "";
  // The activity is named in front already; don't say it twice.
  const message = d.activity && d.message.startsWith(`${d.activity.name}: `) ? d.message.slice(d.activity.name.length + 2) : d.message;
  // A lint warning names its rule, which the environment's `lint:` section switches off by.
  const lines = [`  ${tag} ${who}${who ? "  " : ""}${message}`, `          ${dim(`at ${d.path}`)}${d.fix ? `  ${dim(`[${d.code}]`)}` : ""}`];
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
    lines.push(`          ${" ".repeat(col - from + (from > 0 ? 1 : 0))}${red("^")}`);
  }
  if (d.fix) lines.push(`          ${cyan("fix:")} ${d.fix}`);
  if (d.table?.length) {
    const kindWidth = Math.max(...d.table.map((r) => r.kind.length));
    const valueWidth = Math.max(...d.table.map((r) => r.value.length));
    for (const r of d.table) lines.push(`          ${dim("|")} ${r.kind.padEnd(kindWidth)} ${dim("|")} ${r.value.padEnd(valueWidth)} ${dim("|")} ${dim(`used by ${r.usedBy.join(", ")}`)}`);
  }
  return lines.join("\n");
}
