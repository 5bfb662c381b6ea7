#!/usr/bin/env node
import { main } from "../dist/src/cli/main.js";

// A reader that stops early (`ccflow call --json | head -3`) closes the pipe under us: the
// output was wanted only that far, so stop quietly instead of dying on an unhandled EPIPE.
process.stdout.on("error", (err) => {
  if (err && err.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
  process.stderr.write(`ccflow: cannot write the output: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(2);
});
// Nowhere left to report a failing stderr; ignoring it keeps it from becoming a crash.
process.stderr.on("error", () => undefined);

main(process.argv).then(
  (code) => {
    if (typeof code === "number") process.exitCode = code;
  },
  (err) => {
    // Last line of defence: a user sees one line, never a stack trace.
    process.stderr.write(`ccflow: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
