/** Building Web API responses: JSON with OData headers, empty answers, and Dataverse error bodies. */
import { ODataError } from "../odata/errors.js";
import { JSON_CONTENT_TYPE, type ApiResponse } from "./types.js";

export const UNEXPECTED_ERROR_CODE = "0x80040216";

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    status,
    headers: { "Content-Type": JSON_CONTENT_TYPE, "OData-Version": "4.0", ...headers },
    body: JSON.stringify(body),
  };
}

export function emptyResponse(status: number, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { "OData-Version": "4.0", ...headers } };
}

export function textResponse(status: number, text: string, contentType = "text/plain"): ApiResponse {
  return { status, headers: { "Content-Type": contentType, "OData-Version": "4.0" }, body: text };
}

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/**
 * The answer for a thrown error: Dataverse's shape for known errors; for anything else a generic
 * 500 whose text reveals nothing of the internals (the caller logs the details).
 */
export function errorResponse(err: unknown): ApiResponse {
  if (err instanceof ODataError) {
    return jsonResponse(err.status, errorBody(err.code, err.message));
  }
  return jsonResponse(500, errorBody(UNEXPECTED_ERROR_CODE, "An unexpected error occurred."));
}

export function methodNotAllowed(method: string): ApiResponse {
  return jsonResponse(405, errorBody("0x80060888", `The requested resource does not support http method '${method}'.`));
}
