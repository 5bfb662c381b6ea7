import { createServer } from "node:net";

/**
 * A loopback TCP port free at the moment of asking, for servers that must be told their port
 * (redis-server, pg_ctl) rather than report the one the system chose.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = address && typeof address === "object" ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
