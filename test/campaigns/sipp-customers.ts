/**
 * SIPp as the customers ccflow dials: one SIPp UAS per behaviour (answers and waits for BYE,
 * busy, rings without answering), each on its own loopback port, reached through the dial plan.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { freeUdpPort, scenarioDir } from "../channels/sip/helpers.js";

export interface Customer {
  port: number;
  /** Resolves when SIPp exits: its code (0: every call went as the scenario says) and output. */
  done: Promise<{ code: number | null; output: string }>;
  kill(): void;
}

export const ANSWERS = "outside-party-echoes.xml";
export const BUSY = "outside-party-busy.xml";
export const RINGS = "outside-party-rings.xml";

/** A SIPp UAS playing `scenario` for `calls` calls, in `cwd`. */
export async function customer(scenario: string, cwd: string, calls = 1, port?: number): Promise<Customer> {
  const sipPort = port ?? (await freeUdpPort());
  const mediaPort = await freeUdpPort();
  const child = spawn("sipp", ["-sf", join(scenarioDir, scenario), "-i", "127.0.0.1", "-p", String(sipPort), "-mp", String(mediaPort), "-m", String(calls), "-nostdin", "-timeout", "120", "-timeout_error", "-rtp_echo"], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  child.stderr.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.on("close", (code) => resolve({ code, output })));
  // SIPp binds its port a moment after it starts.
  await new Promise((r) => setTimeout(r, 300));
  return { port: sipPort, done, kill: () => child.kill("SIGKILL") };
}
