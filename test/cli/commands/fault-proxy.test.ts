/** `ccflow fault-proxy` from an operator's side: a bad fault spec or port is one line and exit 1. */
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";

async function capture(args: string[]): Promise<{ code: number; err: string }> {
  const chunks: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((c: string | Uint8Array) => (chunks.push(String(c)), true)) as typeof process.stderr.write;
  try {
    return { code: await main(["node", "ccflow", "fault-proxy", ...args]), err: chunks.join("") };
  } finally {
    process.stderr.write = write;
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

describe("ccflow fault-proxy", () => {
  it("refuses a fault it does not know, with the kinds it does", async () => {
    const { code, err } = await capture(["--target", "http://127.0.0.1:1", "--fault", "explode:1%"]);
    expect(code).toBe(1);
    expect(err).toBe('ccflow: fault "explode:1%": unknown kind "explode" (expected latency, status, reset, throttle, token-down, unauthorized)\n');
  });

  it("refuses a latency without a delay, a bad port and a bad seed in one line each", async () => {
    expect((await capture(["--target", "http://127.0.0.1:1", "--fault", "latency:5%"])).err).toMatch(/^ccflow: fault "latency:5%": latency needs ms=<delay>, e\.g\. latency:2%:ms=2500\n$/);
    expect((await capture(["--target", "http://127.0.0.1:1", "--port", "70000"])).err).toBe('ccflow: --port must be a port number 0-65535, got "70000"\n');
    expect((await capture(["--target", "http://127.0.0.1:1", "--seed", "x"])).err).toBe('ccflow: --seed must be a whole number, got "x"\n');
  });
});
