/**
 * A listener bound before the app it serves is assembled. The server's parts (the runtime's CRM
 * binding, the identity service's issuer, the URLs the API reports) need the server's own
 * address, even on port 0; binding first lets every part be built knowing it and handed to the
 * route plugins as it is, instead of arriving later through a lookup. Until `serve` is called the
 * listener answers every request 503 STARTING in the API's error shape.
 */
import type { FastifyServerFactory } from "fastify";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

/** Dataverse allows 32 KB URLs; Node's default header limit (16 KB) would cut OData queries short. */
const MAX_HEADER_SIZE = 64 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface BoundListener {
  readonly server: http.Server;
  readonly port: number;
  /** For `Fastify({ serverFactory })`: the app is served on this listener (once `serve` is called). */
  readonly serverFactory: FastifyServerFactory;
  /** Hands requests to the app's handler; call after `app.ready()`. */
  serve(): void;
  /** Drops every connection and stops listening (fastify leaves a server it did not bind alone). */
  close(): Promise<void>;
}

function starting(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": "1" });
  res.end(JSON.stringify({ error: { code: "STARTING", message: "the server is starting; try again in a moment" } }));
}

export async function bindListener(options: { host: string; port: number; tls?: { key: string; cert: string } }): Promise<BoundListener> {
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert, maxHeaderSize: MAX_HEADER_SIZE }) : http.createServer({ maxHeaderSize: MAX_HEADER_SIZE });
  let handler: Handler = starting;
  let appHandler: Handler | undefined;
  server.on("request", (req: IncomingMessage, res: ServerResponse) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  let closed: Promise<void> | undefined;
  return {
    server,
    port: (server.address() as AddressInfo).port,
    serverFactory: ((h: Handler) => {
      appHandler = h;
      return server;
    }) as unknown as FastifyServerFactory,
    serve() {
      if (!appHandler) throw new Error("no app was built on this listener");
      handler = appHandler;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
