/**
 * Mounts the whole CRM on a fastify instance: the Entra-style token service and discovery, the
 * Web API under `/api/data/v9.x/`, and the record pages at `/main.aspx`. Each part lives in its own
 * encapsulated plugin, so its body parsers never touch other routes on the same instance.
 */
import type { FastifyInstance } from "fastify";
import { registerAuthRoutes } from "./auth/routes.js";
import type { Crm } from "./crm.js";
import { registerPageRoutes } from "./pages/routes.js";
import { registerWebApiRoutes } from "./web-api/routes.js";

export function registerCrmRoutes(app: FastifyInstance, crm: Crm): void {
  registerAuthRoutes(app, crm);
  registerWebApiRoutes(app, crm);
  registerPageRoutes(app, crm);
}
