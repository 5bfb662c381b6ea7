/**
 * The server binds its listener before the app is built (so every part knows the address):
 * until the app is handed over, a request gets 503 STARTING in the API's error shape, never a
 * hang; afterwards the app answers, and closing drops the connections and frees the port.
 */
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { bindListener } from "../../src/server/listener.js";

describe("a listener bound before its app", () => {
  it("answers 503 STARTING until the app is served, then the app, and closes", async () => {
    const listener = await bindListener({ host: "127.0.0.1", port: 0 });
    const url = `http://127.0.0.1:${listener.port}/hello`;
    try {
      const early = await fetch(url);
      expect(early.status).toBe(503);
      expect(await early.json()).toEqual({ error: { code: "STARTING", message: "the server is starting; try again in a moment" } });

      const app = Fastify({ serverFactory: listener.serverFactory });
      app.get("/hello", async () => ({ hello: "world" }));
      await app.ready();
      listener.serve();
      const late = await fetch(url);
      expect(late.status).toBe(200);
      expect(await late.json()).toEqual({ hello: "world" });
      await app.close();
    } finally {
      await listener.close();
    }
    await expect(fetch(url)).rejects.toThrow();
  });
});
