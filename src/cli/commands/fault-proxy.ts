/**
 * `ccflow fault-proxy --target <url> --fault <spec>...`: a misbehaving CRM for trying a flow's
 * error paths. Point a connector's resourceDomain and tokenUrl at the proxy instead of the CRM;
 * it forwards everything except what its faults catch. Runs until Ctrl+C, then prints what it did.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { FaultPlanError, parseFaultRule, type FaultRule } from "../../fault-proxy/plan.js";
import { startFaultProxy } from "../../fault-proxy/proxy.js";
import { seededRandom } from "../../util/seeded-random.js";


function describeRule(r: FaultRule): string {
  const p = `${+(r.probability * 100).toFixed(3)}%`;
  const extra = [
    r.delayMs !== undefined ? `${Array.isArray(r.delayMs) ? r.delayMs.join("-") : r.delayMs} ms` : "",
    r.kind === "status" ? `status ${r.status ?? 500}` : "",
    r.kind === "throttle" ? `Retry-After ${r.retryAfterSeconds ?? 2} s` : "",
    r.burst && r.burst > 1 ? `bursts of ${r.burst}` : "",
    r.path ? `paths /${r.path.source}/` : "",
  ].filter(Boolean);
  return `${r.kind} ${p}${extra.length ? ` (${extra.join(", ")})` : ""}`;
}

export function register(program: Command): void {
  program
    .command("fault-proxy")
    .description("forward to a CRM while injecting latency, 500s, resets, 429 storms, token outages and 401s")
    .requiredOption("--target <url>", "the CRM to forward to (http://127.0.0.1:8080 or https://org.crm.dynamics.com)")
    .option("--port <n>", "port to listen on", "8091")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option(
      "--fault <spec>",
      "kind:probability[:key=value...], repeatable: latency:2%:ms=2500, status:3%:code=503, reset:1%, throttle:0.5%:retry-after=2:burst=40, token-down:10%, unauthorized:1%",
      (value: string, prev: string[] = []) => [...prev, value],
    )
    .option("--seed <n>", "seed for the fault dice (same seed, same faults for the same requests)")
    .option("--ca <file>", "extra CA certificate (PEM) to trust for an https target")
    .option("--quiet", "do not print a line per injected fault")
    .action(async (opts: { target: string; port: string; host: string; fault?: string[]; seed?: string; ca?: string; quiet?: boolean }) => {
      let rules: FaultRule[];
      try {
        rules = (opts.fault ?? []).map(parseFaultRule);
      } catch (err) {
        if (!(err instanceof FaultPlanError)) throw err;
        process.stderr.write(`ccflow: ${err.message}\n`);
        process.exitCode = 1;
        return;
      }
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write(`ccflow: --port must be a port number 0-65535, got "${opts.port}"\n`);
        process.exitCode = 1;
        return;
      }
      if (opts.seed !== undefined && !/^\d+$/.test(opts.seed)) {
        process.stderr.write(`ccflow: --seed must be a whole number, got "${opts.seed}"\n`);
        process.exitCode = 1;
        return;
      }
      let ca: string | undefined;
      if (opts.ca) {
        try {
          ca = readFileSync(opts.ca, "utf8");
        } catch (err) {
          process.stderr.write(`ccflow: cannot read --ca ${opts.ca}: ${(err as NodeJS.ErrnoException).code ?? "error"}\n`);
          process.exitCode = 1;
          return;
        }
      }
      let proxy;
      try {
        proxy = await startFaultProxy({
          target: opts.target,
          rules,
          port,
          host: opts.host,
          ca,
          random: opts.seed !== undefined ? seededRandom(Number(opts.seed)) : undefined,
          onRequest: opts.quiet
            ? undefined
            : (e) => {
                if (e.action !== "forwarded") process.stdout.write(`${e.action.padEnd(13)} ${e.method} ${e.path.length > 160 ? `${e.path.slice(0, 157)}...` : e.path}${e.delayMs !== undefined ? ` (+${e.delayMs} ms)` : ""}\n`);
              },
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        process.stderr.write(`ccflow: cannot start the fault proxy: ${code === "EADDRINUSE" ? `port ${port} is in use` : (err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`fault proxy ${proxy.url} → ${opts.target}\n`);
      process.stdout.write(rules.length ? rules.map((r) => `  ${describeRule(r)}\n`).join("") : "  no faults: forwarding everything\n");
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await proxy.close();
      const s = proxy.stats;
      const faults = Object.entries(s.faults)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ");
      process.stdout.write(`${s.requests} requests: ${s.forwarded} forwarded, ${faults || "no faults"}, target unavailable ${s.upstreamDown}\n`);
    });
}
