/**
 * `ccflow serve` start-up and the API's call path. Start-up is measured as a user meets it: a
 * new process (`node bin/ccflow.js serve --port 0`) until /api/session answers, with a fresh data
 * directory (CRM demo data and TLS certificates created) and with the same directory again; the
 * baseline is a bare fastify process doing nothing but listen, started the same way. `npm start`
 * also runs the TypeScript build first: its no-op cost is measured as the package script runs it
 * (`tsc -b`, which decides "up to date" from its build info) and, for comparison, as a full
 * re-check (`tsc -p`), which is what the script ran before.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { packageRoot } from "../src/server/paths.js";
import type { BenchModule } from "./types.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Starts a process, waits for a line with an http URL, then for `path` to answer 200; returns ms and a stopper. */
async function timeToReady(args: string[], path: string): Promise<{ ms: number; stop: () => Promise<void> }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: packageRoot, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const url = await new Promise<string>((ok, fail) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) ok(m[1]!);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => fail(new Error(`exited with ${code}: ${out.slice(-400)}`)));
  });
  for (;;) {
    const res = await fetch(`${url}${path}`).catch(() => undefined); // a public route: the API answers before anyone signs in
    if (res?.ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  return {
    ms,
    stop: () =>
      new Promise<void>((ok) => {
        child.once("exit", () => ok());
        child.kill("SIGINT");
      }),
  };
}

async function timeCommand(cmd: string[]): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((ok, fail) => {
    const child = spawn(process.execPath, cmd, { cwd: packageRoot, stdio: "ignore" });
    child.on("exit", (code) => (code === 0 || code === 2 ? ok() : fail(new Error(`${cmd.join(" ")} exited with ${code}`))));
  });
  return performance.now() - t0;
}

const BARE_FASTIFY = `import("fastify").then(async ({ default: F }) => { const a = F(); a.get("/ok", async () => ({})); await a.listen({ port: 0, host: "127.0.0.1" }); console.log("http://127.0.0.1:" + a.server.address().port); process.on("SIGINT", () => a.close().then(() => process.exit(0))); });`;

const bench: BenchModule = {
  name: "serve",
  async run(ctx) {
    const rounds = ctx.quick ? 1 : 3;
    const cli = resolve(packageRoot, "bin/ccflow.js");
    const serveArgs = (dir: string) => [cli, "serve", "--port", "0", "--https-port", "0", "--data", dir];

    const cold: number[] = [];
    const warm: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const dir = mkdtempSync(join(tmpdir(), "ccflow-bench-serve-"));
      try {
        const first = await timeToReady(serveArgs(dir), "/api/session");
        await first.stop();
        cold.push(first.ms);
        const again = await timeToReady(serveArgs(dir), "/api/session");
        warm.push(again.ms);
        await again.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const b = await timeToReady(["--input-type=module", "-e", BARE_FASTIFY], "/ok");
      await b.stop();
      bare.push(b.ms);
      ctx.log(`  round ${i + 1}: cold ${cold.at(-1)!.toFixed(0)} ms, warm ${warm.at(-1)!.toFixed(0)} ms, bare fastify ${bare.at(-1)!.toFixed(0)} ms`);
    }

    const tsc = resolve(packageRoot, "node_modules/typescript/bin/tsc");
    // Bring the build up to date once, then time the no-op builds.
    await timeCommand([tsc, "-p", "tsconfig.build.json"]);
    const buildP: number[] = [];
    for (let i = 0; i < rounds; i++) buildP.push(await timeCommand([tsc, "-p", "tsconfig.build.json"]));
    await timeCommand([tsc, "-b", "tsconfig.build.json"]);
    const buildB: number[] = [];
    for (let i = 0; i < rounds; i++) buildB.push(await timeCommand([tsc, "-b", "tsconfig.build.json"]));
    ctx.log(`  no-op build: tsc -p ${median(buildP).toFixed(0)} ms, tsc -b ${median(buildB).toFixed(0)} ms`);

    const figures = {
      serve_cold_start_ms: Math.round(median(cold)),
      serve_warm_start_ms: Math.round(median(warm)),
      serve_bare_fastify_start_ms: Math.round(median(bare)),
      serve_build_noop_tsc_p_ms: Math.round(median(buildP)),
      serve_build_noop_tsc_b_ms: Math.round(median(buildB)),
    };
    return {
      figures,
      report: [
        `Process start to /api/session answering, median of ${rounds}: fresh data directory ${figures.serve_cold_start_ms} ms, same directory again ${figures.serve_warm_start_ms} ms; a bare fastify process: ${figures.serve_bare_fastify_start_ms} ms.`,
        `No-op TypeScript build before \`npm start\`, median of ${rounds}: \`tsc -b\` (the package script) ${figures.serve_build_noop_tsc_b_ms} ms; a full re-check with \`tsc -p\` for comparison ${figures.serve_build_noop_tsc_p_ms} ms.`,
      ],
    };
  },
};

export default bench;
