// The embedded CRM in a process of its own (compiled code from dist/), so a test can restart it,
// or kill -9 it, while calls and writes are in flight. Options come as one JSON argument; the
// process says `{"ready":true,"httpUrl":...}` on stdout once it listens, and logs to stderr.
import process from "node:process";
import pino from "pino";
import { startCrmServer } from "../../../dist/src/crm/index.js";

const options = JSON.parse(process.argv[2] ?? "{}");
const logger = pino({ level: options.logLevel ?? "info" }, pino.destination(2));
const server = await startCrmServer({
  dataDir: options.dataDir,
  port: options.port ?? 0,
  httpsPort: 0,
  env: options.env ?? {},
  logger,
  ...(options.limits ? { limits: options.limits } : {}),
});
process.stdout.write(`${JSON.stringify({ ready: true, httpUrl: server.httpUrl, pid: process.pid })}\n`);
const stop = () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
