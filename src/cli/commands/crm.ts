/**
 * `ccflow crm seed [--data <dir>] [--postgres <url>] [--contacts N]`: reloads the embedded CRM's demo data, and with
 * --contacts adds a large, realistic generated set (progress on stderr).
 */
import type { Command } from "commander";
import { defaultDataDir } from "../../crm/config.js";
import { createCrm, reloadDemoData } from "../../crm/crm.js";
import { generateContacts } from "../../crm/demo-data.js";
import { SqliteCrmStore } from "../../crm/store/sqlite-store.js";
import { parsePostgresUrl } from "../postgres-url.js";

const MAX_CONTACTS = 10_000_000;

function progressBar(): (done: number, total: number) => void {
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;
  return (done, total) => {
    const share = total === 0 ? 1 : done / total;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const counts = `${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} contacts  ${seconds} s`;
    if (tty) {
      const width = 30;
      const filled = Math.round(share * width);
      process.stderr.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${counts}`);
      if (done >= total) process.stderr.write("\n");
      return;
    }
    const tenth = Math.floor(share * 10);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      process.stderr.write(`${String(tenth * 10).padStart(3)}% ${counts}\n`);
    }
  };
}

export function register(program: Command): void {
  const crm = program.command("crm").description("the embedded Dynamics 365 compatible CRM");
  crm
    .command("seed")
    .description("reload the demo data (contacts, accounts, cases); --contacts adds a large generated set")
    .option("--data <dir>", "data directory (default: $CCFLOW_DATA or ./.data)")
    .option("--contacts <n>", "also generate this many contacts, with cases for about a third of them")
    .option("--postgres <url>", "seed the CRM kept in this PostgreSQL database (as `ccflow serve --postgres` uses it)")
    .action(async (opts: { data?: string; contacts?: string; postgres?: string }) => {
      let count = 0;
      if (opts.contacts !== undefined) {
        count = Number(opts.contacts.replace(/_/g, ""));
        if (!Number.isInteger(count) || count < 0 || count > MAX_CONTACTS) {
          process.stderr.write(`ccflow: --contacts must be a whole number from 0 to ${MAX_CONTACTS.toLocaleString("en-US")}, got "${opts.contacts}"\n`);
          process.exitCode = 1;
          return;
        }
      }
      const dataDir = opts.data ?? defaultDataDir();
      let instance;
      try {
        const postgresUrl = opts.postgres === undefined ? undefined : parsePostgresUrl(opts.postgres);
        instance = await createCrm({ dataDir, demoData: false, ...(postgresUrl ? { postgresUrl } : {}) });
        const started = Date.now();
        const summary = await reloadDemoData(instance);
        process.stdout.write(
          `CRM demo data loaded into ${instance.databaseFile}: ${summary.contacts} contacts, ${summary.accounts} accounts, ${summary.incidents} cases\n`,
        );
        if (count > 0) {
          const generated = await generateContacts(instance.store, instance.config.pageUserId, { count, onProgress: progressBar() });
          if (instance.store instanceof SqliteCrmStore) {
            instance.store.db.pragma("optimize");
            instance.store.db.pragma("wal_checkpoint(TRUNCATE)");
          }
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          process.stdout.write(
            `generated ${generated.contacts.toLocaleString("en-US")} contacts and ${generated.incidents.toLocaleString("en-US")} cases in ${seconds} s\n`,
          );
        }
        process.stdout.write("restart a running `ccflow serve` on this data directory to pick the new data up\n");
      } catch (err) {
        process.stderr.write(`ccflow: crm seed failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      } finally {
        await instance?.close();
      }
    });
}
