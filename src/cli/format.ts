/** Terminal formatting shared by the commands: colour only on a TTY, never in pipes or CI logs. */
import { diagnosticText } from "../flow/diagnostic-text.js";
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

/** One diagnostic as a few readable lines, coloured on a TTY (see flow/diagnostic-text.ts). */
export function formatDiagnostic(d: Diagnostic): string {
  return diagnosticText(d, { error: red, warning: yellow, strong: bold, faint: dim, accent: cyan });
}
