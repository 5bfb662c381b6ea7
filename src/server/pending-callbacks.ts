/**
 * Callbacks that survive a restart: every contact that waits on a callback (courtesy, scheduled
 * or web) is written to `pending-callbacks.sqlite` in the data directory (better-sqlite3, as the
 * other stores; readable by its owner only: customers' numbers). At start the server places each
 * one again for a contact of the same flow, with the same interaction id and the flow's variables
 * as they were (isSecure ones are not written: they start from their defaults) and the count of
 * activities it had run (so the runaway limit counts its whole life), so the flow's
 * event flows (PreDial, AgentAnswered, CallbackFailed) still run for it. A scheduled callback not
 * yet due is re-armed for its window; one whose window closed meanwhile fails when restored.
 *
 * A row is written when the contact's callbacks change and removed when none is left. At shutdown
 * the server writes each waiting contact once more as it is then (`saveAtShutdown`: variables and
 * step count changed by event flows since), then stops writing (`suspend`) before it ends its
 * contacts, so a shutdown keeps them. A crash keeps them as of their last change.
 */
import type Database from "better-sqlite3";
import { openPrivateSqlite } from "../util/private-sqlite.js";
import path from "node:path";
import type { CallbackOperation, PendingCallback } from "../engine/interaction.js";
import type { CallRegistry, CallSession } from "./calls.js";
import type { FlowCatalog } from "./flows.js";

const DDL = `
CREATE TABLE IF NOT EXISTS pending_callbacks (
  interaction_id TEXT PRIMARY KEY,
  flow_id TEXT NOT NULL,
  saved_at INTEGER NOT NULL,
  contact TEXT NOT NULL
);
`;

/** One waiting contact as written: enough to start it again. */
export interface PendingContact {
  interactionId: string;
  flowId: string;
  ani: string;
  dnis: string;
  operation: CallbackOperation;
  callbacks: PendingCallback[];
  /** The flow's variables (isSecure ones left out). */
  variables: Record<string, unknown>;
  /** Activities the contact had run when this was written (absent in rows written before it was kept). */
  steps?: number;
}

export class PendingCallbackStore {
  readonly location: string;
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly all: Database.Statement;
  private suspended = false;

  constructor(file: string) {
    this.location = file;
    this.db = openPrivateSqlite(file);
    this.db.exec(DDL);
    this.upsert = this.db.prepare(
      `INSERT INTO pending_callbacks (interaction_id, flow_id, saved_at, contact) VALUES (?, ?, ?, ?)
       ON CONFLICT (interaction_id) DO UPDATE SET flow_id = excluded.flow_id, saved_at = excluded.saved_at, contact = excluded.contact`,
    );
    this.remove = this.db.prepare("DELETE FROM pending_callbacks WHERE interaction_id = ?");
    this.all = this.db.prepare("SELECT interaction_id, contact FROM pending_callbacks ORDER BY saved_at");
  }

  static inDataDir(dataDir: string): PendingCallbackStore {
    return new PendingCallbackStore(path.join(dataDir, "pending-callbacks.sqlite"));
  }

  save(contact: PendingContact, now: number): void {
    if (this.suspended) return;
    if (contact.callbacks.length === 0) this.remove.run(contact.interactionId);
    else this.upsert.run(contact.interactionId, contact.flowId, now, JSON.stringify(contact));
  }

  /** The contacts written, oldest first; a row that does not read back is skipped and named. */
  list(onBadRow?: (interactionId: string, message: string) => void): PendingContact[] {
    const out: PendingContact[] = [];
    for (const row of this.all.all() as Array<{ interaction_id: string; contact: string }>) {
      try {
        const contact = JSON.parse(row.contact) as PendingContact;
        if (!Array.isArray(contact.callbacks) || typeof contact.flowId !== "string") throw new Error("not a pending contact");
        out.push(contact);
      } catch (err) {
        onBadRow?.(row.interaction_id, (err as Error).message);
      }
    }
    return out;
  }

  forget(interactionId: string): void {
    if (!this.suspended) this.remove.run(interactionId);
  }

  /** Writes nothing more: the server is about to end its contacts, which must stay pending. */
  suspend(): void {
    this.suspended = true;
  }

  close(): void {
    this.suspended = true;
    this.db.close();
  }
}

/** What is written for a call whose pending callbacks changed. */
export function pendingContactOf(session: CallSession, callbacks: PendingCallback[], operation: CallbackOperation): PendingContact {
  const variables: Record<string, unknown> = {};
  const vars = session.interaction.variables;
  for (const def of vars.definitions()) if (!def.isSecure) variables[def.name] = vars.get(def.name);
  return { interactionId: session.interactionId, flowId: session.flow.id, ani: session.interaction.ani, dnis: session.dnis, operation, callbacks, variables, steps: session.interaction.stepCount };
}

/**
 * A CallRegistry hook that writes each change. Deferred to a microtask: a contact that waits from
 * its start reports its callbacks before the registry has attached its interaction.
 */
export function recordPendingCallbacks(store: PendingCallbackStore, now: () => number, log: (level: "warn", message: string) => void) {
  return (session: CallSession, pending: PendingCallback[], operation: CallbackOperation): void => {
    const snapshot = pending.map((p) => ({ ...p }));
    void Promise.resolve().then(() => {
      try {
        store.save(pendingContactOf(session, snapshot, operation), now());
      } catch (err) {
        log("warn", `could not keep the pending callbacks of ${session.interactionId.slice(0, 8)}: ${(err as Error).message}`);
      }
    });
  };
}

/** Writes every contact still waiting on a callback as it is now (at shutdown, before `suspend`). */
export function saveAtShutdown(store: PendingCallbackStore, sessions: Iterable<CallSession>, now: number, log: (level: "warn", message: string) => void): void {
  for (const session of sessions) {
    if (session.ended || !session.interaction) continue;
    const pending = session.interaction.pendingCallbacks();
    if (pending.length === 0) continue;
    try {
      store.save(pendingContactOf(session, pending, session.interaction.callbackKind), now);
    } catch (err) {
      log("warn", `could not keep the pending callbacks of ${session.interactionId.slice(0, 8)}: ${(err as Error).message}`);
    }
  }
}

/** Places every written contact's callbacks again; returns how many contacts were restored. */
export function restorePendingCallbacks(store: PendingCallbackStore, calls: CallRegistry, flows: FlowCatalog, log: (level: "info" | "warn", message: string) => void): number {
  let restored = 0;
  for (const contact of store.list((id, message) => log("warn", `pending callbacks of ${id.slice(0, 8)} could not be read (${message}); left in ${store.location}`))) {
    const flow = flows.list().find((f) => f.id === contact.flowId);
    if (!flow) {
      // Kept, not dropped: a server started with that flow again places them.
      log("warn", `pending callbacks of ${contact.interactionId.slice(0, 8)} belong to flow "${contact.flowId}", which this server does not run; kept in ${store.location}`);
      continue;
    }
    calls.place(flow, contact.ani, contact.dnis, { resume: { interactionId: contact.interactionId, callbacks: contact.callbacks, operation: contact.operation, variables: contact.variables, ...(typeof contact.steps === "number" ? { steps: contact.steps } : {}) } });
    restored++;
  }
  if (restored > 0) log("info", `restored ${restored} contact${restored === 1 ? "" : "s"} waiting on a callback`);
  return restored;
}
