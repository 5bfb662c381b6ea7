/**
 * The default transport talks to undici at its handler level (no request() stream): what a
 * connector's caller gets back must still be exactly the server's answer — status, headers
 * lower-cased with repeats joined, the body decoded by its charset — and an oversized body, a
 * hang-up mid-body and an abort must still end the request. Real HTTP on loopback.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUndiciTransport, TransportError, type TransportRequest } from "../../src/connectors/transport.js";
import { SystemClock } from "../../src/time/clock.js";

let server: Server;
let base = "";
let slowHits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/latin1") {
      res.setHeader("content-type", "text/plain; charset=iso-8859-1");
      res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9])); // "café" in latin-1
    } else if (req.url === "/repeated") {
      res.setHeader("Set-Cookie", ["a=1", "b=2"]);
      res.setHeader("X-Trace", "first");
      res.appendHeader("X-Trace", "second");
      res.end(JSON.stringify({ echo: req.headers.authorization, method: req.method }));
    } else if (req.url === "/big") {
      res.end("x".repeat(4096));
    } else if (req.url === "/half") {
      res.writeHead(200, { "content-length": "100" });
      res.write("only part of it");
      setTimeout(() => res.destroy(), 20);
    } else if (req.url === "/slow") {
      slowHits++;
      setTimeout(() => res.end("late"), 5_000).unref();
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

function get(path: string, extra: Partial<TransportRequest> = {}): TransportRequest {
  const controller = new AbortController();
  return { url: `${base}${path}`, method: "GET", headers: { Authorization: "Bearer t0ken-value" }, signal: controller.signal, ...extra };
}

describe("undici transport", () => {
  it("hands back status, lower-cased headers with repeats joined, and the body as sent", async () => {
    const transport = createUndiciTransport();
    const res = await transport.send(get("/repeated"), new SystemClock());
    expect(res.status).toBe(200);
    expect(res.headers["set-cookie"]).toBe("a=1, b=2");
    expect(res.headers["x-trace"]).toBe("first, second");
    expect(JSON.parse(res.body)).toEqual({ echo: "Bearer t0ken-value", method: "GET" });
    expect((await transport.send(get("/nothing"), new SystemClock())).status).toBe(404);
    await transport.close?.();
  });

  it("decodes a body by the charset the server names", async () => {
    const transport = createUndiciTransport();
    const res = await transport.send(get("/latin1"), new SystemClock());
    expect(res.body).toBe("café");
    await transport.close?.();
  });

  it("refuses a body over the size limit and reports a hang-up mid-body", async () => {
    const transport = createUndiciTransport({ maxResponseBytes: 1024 });
    const big = await transport.send(get("/big"), new SystemClock()).catch((e: unknown) => e);
    expect(big).toBeInstanceOf(TransportError);
    expect((big as TransportError).code).toBe("TOO_LARGE");
    const half = await transport.send(get("/half"), new SystemClock()).catch((e: unknown) => e);
    expect(half).toBeInstanceOf(TransportError);
    await transport.close?.();
  });

  it("stops a request in flight when its abort fires (signal or callback), and one aborted before it is sent never leaves", async () => {
    const transport = createUndiciTransport();
    const early = new AbortController();
    early.abort();
    const before = slowHits;
    await expect(transport.send(get("/slow", { signal: early.signal }), new SystemClock())).rejects.toBeInstanceOf(TransportError);
    expect(slowHits).toBe(before);
    const controller = new AbortController();
    const viaSignal = transport.send(get("/slow", { signal: controller.signal }), new SystemClock());
    let fire: () => void = () => undefined;
    const viaCallback = transport.send(
      get("/slow", {
        onAbort: (callback) => {
          fire = callback;
          return () => undefined;
        },
      }),
      new SystemClock(),
    );
    setTimeout(() => {
      controller.abort();
      fire();
    }, 50);
    for (const pending of [viaSignal, viaCallback]) await expect(pending).rejects.toBeInstanceOf(TransportError);
    await transport.close?.();
  });
});
