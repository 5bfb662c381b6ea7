/**
 * Error bodies in Entra ID's exact shape (`error`, `error_description` with trace/correlation
 * lines, `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`). MSAL builds its
 * exception message from these fields, so clients show what they would show against Entra.
 */
import { randomUUID } from "node:crypto";

export interface EntraError {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

function timestamp(now: number): string {
  return new Date(now).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
}

export function entraError(status: number, error: string, code: number, description: string, now = Date.now()): EntraError {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const time = timestamp(now);
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${time}`,
      error_codes: [code],
      timestamp: time,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

export const entra = {
  invalidSecret: (appId: string) =>
    entraError(
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
    ),
  missingSecret: () =>
    entraError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  unknownClient: (clientId: string, tenant: string) =>
    entraError(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  missingParameter: (name: string) =>
    entraError(400, "invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`),
  badScope: (scope: string) =>
    entraError(
      400,
      "invalid_scope",
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    ),
  unknownResource: (resource: string, tenant: string) =>
    entraError(
      400,
      "invalid_resource",
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  unsupportedGrant: (grant: string) =>
    entraError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grant}'.`),
  unknownTenant: (tenant: string) =>
    entraError(
      400,
      "invalid_request",
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  throttled: (retryAfterSeconds: number) => {
    const error = entraError(429, "temporarily_unavailable", 90055, "The service is temporarily unavailable: too many failed sign-in attempts for this client. Retry later.");
    error.headers = { "Retry-After": String(retryAfterSeconds) };
    return error;
  },
};
