/**
 * The OpenAPI document a client reads at /api/openapi.json: an OpenAPI 3 document in structure,
 * listing every route the server registered, each operation with the roles the one route→role
 * table (auth/access.ts) grants it, and the refusals a guarded route can give.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessOf } from "../../src/server/auth/access.js";
import { supportEnvironment, supportFlow } from "./fixtures.js";
import { startTestServer, type Loose, type TestServer } from "./helpers.js";

let t: TestServer;
let doc: Loose;

beforeAll(async () => {
  t = await startTestServer({ flows: [{ id: "support", definition: supportFlow() }], environment: supportEnvironment });
  doc = (await fetch(`${t.url}/api/openapi.json`).then((r) => r.json())) as Loose;
});

afterAll(async () => {
  await t?.close();
});

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

describe("the OpenAPI document", () => {
  it("has the structure of an OpenAPI 3 document", () => {
    expect(doc.openapi).toMatch(/^3\.(0|1)\.\d+$/);
    expect(typeof doc.info?.title).toBe("string");
    expect(typeof doc.info?.version).toBe("string");
    expect(doc.paths && typeof doc.paths).toBe("object");
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Loose>>)) {
      expect(path, "paths start with /").toMatch(/^\//);
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item)) {
        expect(METHODS, `${path}: ${method} is an HTTP method`).toContain(method);
        const responses = Object.keys(op.responses ?? {});
        expect(responses.length, `${method} ${path} has responses`).toBeGreaterThan(0);
        for (const status of responses) expect(status, `${method} ${path}`).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        for (const p of op.parameters ?? []) {
          expect(["path", "query", "header", "cookie"], `${method} ${path} parameter ${p.name}`).toContain(p.in);
          if (p.in === "path") expect(p.required, `${method} ${path}: path parameter ${p.name} is required`).toBe(true);
        }
        expect((op.parameters ?? []).filter((p: Loose) => p.in === "path").map((p: Loose) => p.name), `${method} ${path}: every path parameter declared`).toEqual(inPath);
      }
    }
    // Every reference points at a component that is there.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(\w+)\/([\w.-]+)"/g)];
    expect(refs.filter(([, kind, name]) => !doc.components?.[kind!]?.[name!]).map((m) => m[0])).toEqual([]);
  });

  it("lists every registered route with the roles the route table grants it", () => {
    expect(t.server.routes.length).toBeGreaterThan(20);
    for (const route of t.server.routes) {
      const path = route.url.replace(/:(\w+)/g, "{$1}");
      const op = doc.paths[path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.url} is in the document`).toBeDefined();
      expect(op["x-ccflow-roles"], `${route.method} ${route.url}'s roles`).toEqual(accessOf(route.method, route.url));
      if (!op["x-ccflow-roles"].includes("public")) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["401", "403"]));
    }
  });
});
