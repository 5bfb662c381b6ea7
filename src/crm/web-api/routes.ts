/**
 * The Web API over HTTP: `/api/data/v9.x/…`. Every request is authenticated with a bearer token
 * (401 with Dataverse's `WWW-Authenticate` challenge otherwise), counted against the service
 * protection limits, then handed to the core. Bodies are taken raw in this plugin's
 * scope only, so JSON parsing errors come back in Dataverse's shape and other routes keep theirs.
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { requestOrigin } from "../auth/routes.js";
import { TokenError } from "../auth/tokens.js";
import type { Crm } from "../crm.js";
import { messages } from "../odata/errors.js";
import { handleApiRequest } from "./api.js";
import { errorBody } from "./responses.js";
import { JSON_CONTENT_TYPE, type ApiContext, type ApiResponse, type Caller } from "./types.js";

/**
 * Bytes of one Web API request body (a $batch included). ccflow's own bound: a body is read into
 * memory before it is parsed, and receiving and handing over 30 MB held the event loop ~230 ms on
 * a loaded machine (BENCHMARKS.md §13); a larger body is refused from its Content-Length.
 */
export const WEB_API_BODY_LIMIT = 16 * 1024 * 1024;
/** Dataverse's URL limit (requests inside a $batch may be longer). */
export const MAX_URL_LENGTH = 32_768;

function challengeOrigin(crm: Crm, origin: string): string {
  if (origin.startsWith("https:")) return origin;
  return crm.config.publicBaseUrls.find((u) => u.startsWith("https:")) ?? origin;
}

function send(reply: FastifyReply, response: ApiResponse): FastifyReply {
  reply.code(response.status).headers(response.headers);
  if (response.status === 204 || response.status === 304 || response.body === undefined) return reply.send();
  // A Buffer keeps fastify from rewriting the Content-Type (it would quote and extend it).
  return reply.send(Buffer.from(response.body, "utf8"));
}

function sendJsonError(reply: FastifyReply, status: number, code: string, message: string, headers: Record<string, string> = {}): FastifyReply {
  return reply
    .code(status)
    .headers({ "Content-Type": JSON_CONTENT_TYPE, "OData-Version": "4.0", ...headers })
    .send(Buffer.from(JSON.stringify(errorBody(code, message)), "utf8"));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function registerWebApiRoutes(app: FastifyInstance, crm: Crm): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: WEB_API_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: { statusCode?: number }, _req, reply) => {
      if (err.statusCode === 413) return sendJsonError(reply, 413, "0x80060888", `The request body is larger than ${WEB_API_BODY_LIMIT} bytes; send fewer records per request.`);
      return reply.send(err);
    });

    const handler = async (request: FastifyRequest<{ Params: { version: string } }>, reply: FastifyReply) => {
      const started = process.hrtime.bigint();
      const { version } = request.params;
      const urlLength = (request.raw.url ?? "").length;
      if (urlLength > MAX_URL_LENGTH) {
        return sendJsonError(reply, 414, "0x80060888", `The request URL is ${urlLength} characters long; the limit is ${MAX_URL_LENGTH}. Send long queries inside a $batch request.`);
      }
      if (!/^v9\.\d+$/.test(version)) return sendJsonError(reply, 404, "0x80060888", messages.resourceNotFound(version));
      const origin = requestOrigin(request);
      const rawUrl = request.raw.url ?? "";
      const queryAt = rawUrl.indexOf("?");
      const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
      const query = queryAt < 0 ? "" : rawUrl.slice(queryAt + 1);
      const prefix = rawPath.toLowerCase().indexOf(`/api/data/${version.toLowerCase()}`);
      const path = rawPath.slice(prefix + `/api/data/${version}`.length).replace(/^\/+/, "");

      const authority = challengeOrigin(crm, origin);
      const challenge = `Bearer authorization_uri=${authority}/${crm.config.tenantId}/oauth2/authorize, resource_id=${origin}/`;
      const header = request.headers.authorization ?? "";
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? "";
      let caller: Caller;
      try {
        const claims = await crm.tokens.verify(bearer, crm.acceptedResources(origin));
        const registration = crm.apps.get(claims.appid);
        if (!registration) {
          return sendJsonError(reply, 403, "0x80072560", "The user is not a member of the organization.");
        }
        caller = { userId: registration.applicationUserId, appId: registration.clientId };
      } catch (err) {
        const message = err instanceof TokenError ? err.message : "The bearer token could not be verified.";
        crm.logger.debug({ reason: err instanceof TokenError ? err.reason : "error", path }, "web api: request not authenticated");
        return sendJsonError(reply, 401, "", message, { "WWW-Authenticate": challenge });
      }

      const admission = crm.protection.begin(caller.appId ?? caller.userId);
      if ("throttle" in admission) {
        const t = admission.throttle;
        crm.logger.info({ code: t.code, appId: caller.appId }, "web api: service protection limit hit");
        return sendJsonError(reply, 429, t.code, t.message, { "Retry-After": String(t.retryAfterSeconds) });
      }
      let response: ApiResponse;
      try {
        // Injected faults act inside the admitted region: a slow request holds its concurrency slot.
        const fault = crm.faults.take(path);
        if (fault?.delayMs) await sleep(fault.delayMs);
        if (fault?.status) return sendJsonError(reply, fault.status, "0x80040216", `Injected fault: HTTP ${fault.status}.`);
        const ctx: ApiContext = {
          store: crm.store,
          schema: crm.schema,
          serviceRoot: `${origin}/api/data/${version}/`,
          caller,
          organization: { organizationId: crm.config.organizationId, businessUnitId: crm.config.businessUnitId },
          now: crm.now,
        };
        const body = Buffer.isBuffer(request.body) ? request.body : undefined;
        response = await handleApiRequest(
          ctx,
          { method: request.method, path, query, headers: request.headers as Record<string, string | undefined>, body },
          (err) => crm.logger.error({ err, method: request.method, path }, "web api: unexpected error"),
        );
      } finally {
        admission.done();
      }
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      response.headers["Server-Timing"] = `app;dur=${elapsedMs.toFixed(3)}`;
      response.headers["REQ_ID"] = randomUUID();
      response.headers["x-ms-ratelimit-burst-remaining-xrm-requests"] = String(Math.max(0, admission.remaining));
      const logged = { method: request.method, path, status: response.status, ms: Number(elapsedMs.toFixed(3)) };
      // Refusals are worth an operator's eye (a hostile query, a broken client); bodies and queries are not logged.
      if (response.status >= 400) crm.logger.info(logged, "web api: request refused");
      else crm.logger.debug(logged, "web api");
      return send(reply, response);
    };

    // The global discovery service clients probe for the authority: answered with the same challenge.
    const discovery = async (request: FastifyRequest, reply: FastifyReply) => {
      const origin = requestOrigin(request);
      const challenge = `Bearer authorization_uri=${challengeOrigin(crm, origin)}/${crm.config.tenantId}/oauth2/authorize, resource_id=${origin}/`;
      return sendJsonError(reply, 401, "", "This service has no discovery service; use its Web API at /api/data/v9.2/.", { "WWW-Authenticate": challenge });
    };
    scope.get("/api/discovery", discovery);
    scope.get("/api/discovery/*", discovery);

    const methods = ["GET", "POST", "PATCH", "PUT", "DELETE"] as const;
    scope.route({ method: [...methods], url: "/api/data/:version", handler });
    scope.route({ method: [...methods], url: "/api/data/:version/", handler });
    scope.route({ method: [...methods], url: "/api/data/:version/*", handler });
  });
}
