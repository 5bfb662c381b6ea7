/**
 * The WebSockets opened under each sign-in session, so that signing out (or the session
 * expiring) closes them: a socket is authorised once, at its upgrade, and would otherwise keep
 * acting for a person who has signed out. Sockets opened with a bearer token are not tracked
 * here (a token is not revoked; it expires, and its socket's holder is an app, not a session).
 */
import type { IncomingMessage } from "node:http";
import type { WebSocket, WebSocketServer } from "ws";
import type { SessionEnd } from "./sessions.js";

/** Close code sent when the session behind a socket has ended (4000-4999: the application's own). */
export const SESSION_ENDED_CLOSE = 4401;

export class SessionSockets {
  /** Upgrades authorised by a session, until their socket is open. */
  private readonly pending = new WeakMap<IncomingMessage, string>();
  private readonly bySession = new Map<string, Set<WebSocket>>();
  private readonly servers = new WeakSet<WebSocketServer>();

  /** Called by the gate when a session authorises a WebSocket upgrade. */
  expect(raw: IncomingMessage, sessionKey: string): void {
    this.pending.set(raw, sessionKey);
  }

  /** Follows the sockets a WebSocket server opens (one per listener: HTTP and HTTPS). */
  attach(server: WebSocketServer): void {
    if (this.servers.has(server)) return;
    this.servers.add(server);
    server.on("connection", (socket: WebSocket, raw: IncomingMessage) => {
      const id = this.pending.get(raw);
      if (id === undefined) return;
      this.pending.delete(raw);
      let set = this.bySession.get(id);
      if (!set) this.bySession.set(id, (set = new Set()));
      set.add(socket);
      socket.once("close", () => {
        set.delete(socket);
        if (set.size === 0 && this.bySession.get(id) === set) this.bySession.delete(id);
      });
    });
  }

  /** Closes every socket of the session; `why` becomes the close reason the page sees. */
  closeSession(sessionKey: string, why: SessionEnd): number {
    const set = this.bySession.get(sessionKey);
    if (!set) return 0;
    this.bySession.delete(sessionKey);
    for (const socket of set) socket.close(SESSION_ENDED_CLOSE, why);
    return set.size;
  }

  /** The sessions holding sockets open now (by key). */
  sessionKeys(): string[] {
    return [...this.bySession.keys()];
  }

  /** How many sockets a session holds open (for tests and metrics). */
  count(sessionKey: string): number {
    return this.bySession.get(sessionKey)?.size ?? 0;
  }
}
