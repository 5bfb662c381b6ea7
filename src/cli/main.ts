/**
 * The `ccflow` command. Every subcommand returns an exit code; errors reach the user as one
 * readable line, never a stack trace.
 */
import { Command, CommanderError } from "commander";
import { register as registerValidate } from "./commands/validate.js";
import { register as registerCall } from "./commands/call.js";
import { register as registerConnector } from "./commands/connector.js";
import { register as registerTest } from "./commands/test.js";
import { register as registerGraph } from "./commands/graph.js";
import { register as registerServe } from "./commands/serve.js";
import { register as registerCrm } from "./commands/crm.js";
import { register as registerFaultProxy } from "./commands/fault-proxy.js";
import { register as registerDiff } from "./commands/diff.js";
import { register as registerUsers } from "./commands/users.js";
import { packageVersion } from "../server/paths.js";

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program.name("ccflow").description("Run Webex Contact Center Flow Designer flows offline").exitOverride();
  program.version(packageVersion(), "-V, --version", "print ccflow's version");
  registerValidate(program);
  registerCall(program);
  registerConnector(program);
  registerTest(program);
  registerGraph(program);
  registerServe(program);
  registerCrm(program);
  registerFaultProxy(program);
  registerDiff(program);
  registerUsers(program);
  try {
    await program.parseAsync(argv);
    // Actions report failure through process.exitCode; keep it.
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
}
