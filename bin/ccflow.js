#!/usr/bin/env node
import { main } from "../dist/src/cli/main.js";

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
