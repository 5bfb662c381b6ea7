/** A pino logger writing into memory, so tests can grep everything the connector layer logged. */
import pino from "pino";

export function capturingLogger(): { logger: pino.Logger; lines: string[]; text(): string } {
  const lines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => void lines.push(s) });
  return { logger, lines, text: () => lines.join("") };
}
