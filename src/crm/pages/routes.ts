/** Record pages (screen-pop targets): filled in by the pages module. */
import type { FastifyInstance } from "fastify";
import type { Crm } from "../crm.js";

export function registerPageRoutes(_app: FastifyInstance, _crm: Crm): void {}
