/**
 * Holds what a test server really sent on its WebSockets to the OpenAPI document it serves: each
 * message of each socket the test opened is checked (Ajv, JSON Schema 2020-12, as OpenAPI 3.1
 * uses) against the `serverToClient` schema that the socket's upgrade route names in
 * `x-ccflow-messages`, and the server must not have logged a message that missed its schema.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { expect } from "vitest";
import type { Loose, TestServer } from "./helpers.js";

/** `/api/calls/abc/ws?observe=1` → the document's path `/api/calls/{id}/ws`. */
function documentedPath(doc: Loose, url: string): string | undefined {
  const path = url.split("?")[0]!;
  return Object.keys(doc.paths).find((p) => new RegExp(`^${p.replace(/\{\w+\}/g, "[^/]+")}$`).test(path) && doc.paths[p].get?.["x-ccflow-messages"]);
}

/** Checks every message received so far; returns how many, by socket path and type. */
export async function expectSocketMessagesFit(t: TestServer): Promise<Record<string, number>> {
  const doc = (await fetch(`${t.url}/api/openapi.json`).then((r) => r.json())) as Loose;
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const counted: Record<string, number> = {};
  for (const { path, socket } of t.sockets) {
    const route = documentedPath(doc, path);
    expect(route, `${path} is a documented socket with x-ccflow-messages`).toBeDefined();
    const ref = doc.paths[route!].get["x-ccflow-messages"].serverToClient.$ref as string;
    const validate = ajv.compile({ $ref: ref, components: doc.components });
    for (const m of socket.messages) {
      const ok = validate(m);
      expect(ok ? [] : validate.errors, `${route} sent ${JSON.stringify(m).slice(0, 300)}`).toEqual([]);
      const key = `${route} ${m.type}`;
      counted[key] = (counted[key] ?? 0) + 1;
    }
  }
  expect(t.logs.filter((l) => l.includes("does not match its schema"))).toEqual([]);
  return counted;
}
