/**
 * `$batch` (multipart/mixed) in the form dynamics-web-api 2.5.0 sends and parses: CRLF or LF line
 * ends, absolute or relative inner URLs, changesets that commit atomically, and `Content-ID`
 * references (`$1`) in URLs and `@odata.bind` values. The response starts with its boundary line,
 * puts exactly one header line before each changeset's parts, and keeps `{` out of headers,
 * because that client's parser relies on all three.
 */
import { randomUUID } from "node:crypto";
import { ODataError } from "../odata/errors.js";
import { parsePrefer } from "./prefer.js";
import { errorResponse } from "./responses.js";
import { JSON_CONTENT_TYPE, type ApiContext, type ApiRequest, type ApiResponse } from "./types.js";

export const MAX_BATCH_OPERATIONS = 1000;

interface Part {
  headers: Record<string, string>;
  /** Body lines of the MIME part. */
  lines: string[];
}

interface InnerRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  contentId?: string | undefined;
}

type BatchItem = { kind: "request"; request: InnerRequest } | { kind: "changeset"; requests: InnerRequest[] };

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  412: "Precondition Failed",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
};

function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/mixed/i.test(contentType)) return undefined;
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

function splitParts(lines: string[], boundary: string): Part[] {
  const delimiter = `--${boundary}`;
  const close = `--${boundary}--`;
  const parts: Part[] = [];
  let current: string[] | undefined;
  let closed = false;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === close) {
      if (current) parts.push(toPart(current));
      current = undefined;
      closed = true;
      break;
    }
    if (trimmed === delimiter) {
      if (current) parts.push(toPart(current));
      current = [];
      continue;
    }
    current?.push(line);
  }
  if (!closed) throw new ODataError(`The batch request body is not terminated by the closing boundary '${close}'.`);
  return parts;
}

function readHeaders(lines: string[], start: number): { headers: Record<string, string>; next: number } {
  const headers: Record<string, string> = {};
  let i = start;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") {
      i++;
      break;
    }
    const colon = line.indexOf(":");
    if (colon < 0) throw new ODataError(`The batch part header line '${line.slice(0, 100)}' is not valid.`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, next: i };
}

function toPart(lines: string[]): Part {
  const { headers, next } = readHeaders(lines, 0);
  return { headers, lines: lines.slice(next) };
}

function parseInner(part: Part): InnerRequest {
  const contentType = part.headers["content-type"] ?? "";
  if (!/^application\/http/i.test(contentType)) {
    throw new ODataError(`A batch part must have Content-Type 'application/http', not '${contentType}'.`);
  }
  let i = 0;
  while (i < part.lines.length && part.lines[i]!.trim() === "") i++;
  const requestLine = part.lines[i] ?? "";
  const m = /^([A-Z]+)\s+(.+?)(?:\s+HTTP\/1\.[01])?\s*$/.exec(requestLine.trim());
  if (!m) throw new ODataError(`The batch part request line '${requestLine.slice(0, 200)}' is not valid.`);
  const { headers, next } = readHeaders(part.lines, i + 1);
  const body = part.lines.slice(next).join("\n").trim();
  return { method: m[1]!, url: m[2]!, headers, body, contentId: part.headers["content-id"] ?? headers["content-id"] };
}

export function parseBatch(contentType: string | undefined, body: string): BatchItem[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new ODataError("The batch request must have Content-Type 'multipart/mixed' with a boundary.");
  const lines = body.split(/\r?\n/);
  const items: BatchItem[] = [];
  let operations = 0;
  for (const part of splitParts(lines, boundary)) {
    const changesetBoundary = boundaryOf(part.headers["content-type"]);
    if (changesetBoundary) {
      const requests = splitParts(part.lines, changesetBoundary).map(parseInner);
      for (const r of requests) {
        if (r.method === "GET") {
          throw new ODataError(
            "An invalid HTTP method 'GET' was detected for a request in a change set. Requests in change sets only support the HTTP methods 'POST', 'PUT', 'DELETE', and 'PATCH'.",
          );
        }
      }
      operations += requests.length;
      items.push({ kind: "changeset", requests });
    } else {
      operations++;
      items.push({ kind: "request", request: parseInner(part) });
    }
  }
  if (operations > MAX_BATCH_OPERATIONS) {
    throw new ODataError(`The number of operations in the batch (${operations}) exceeds the maximum of ${MAX_BATCH_OPERATIONS}.`);
  }
  return items;
}

const SERVICE_ROOT_MARKER = /^(?:https?:\/\/[^/]+)?\/?api\/data\/v9\.\d+\//i;

/** An inner URL as a path and query below the service root, with a leading `$n` resolved. */
function innerTarget(ctx: ApiContext, url: string): { path: string; query: string } {
  let rest = url;
  const ref = /^\$([A-Za-z0-9_-]+)(.*)$/.exec(rest);
  if (ref) {
    const target = ctx.contentIds?.get(ref[1]!);
    if (!target) throw new ODataError(`Content-ID Reference: '$${ref[1]}' does not exist in the batch context.`);
    rest = target.replace(SERVICE_ROOT_MARKER, "") + ref[2];
  }
  rest = rest.replace(/^https?:\/\/[^/]+/i, "");
  if (rest.startsWith("/")) {
    const m = /^\/+api\/data\/v9\.\d+\//i.exec(rest);
    if (!m) throw new ODataError(`The batch request URL '${url.slice(0, 200)}' is not below this service's root.`);
    rest = rest.slice(m[0].length);
  }
  const q = rest.indexOf("?");
  return q < 0 ? { path: rest, query: "" } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

/** The Web API's own dispatcher, handed in by api.ts (importing it back would make a cycle). */
export type Dispatch = (ctx: ApiContext, req: ApiRequest) => Promise<ApiResponse>;

async function execute(ctx: ApiContext, request: InnerRequest, dispatch: Dispatch): Promise<ApiResponse> {
  const target = innerTarget(ctx, request.url);
  const apiRequest: ApiRequest = { method: request.method, path: target.path, query: target.query, headers: request.headers, body: request.body };
  if (target.path.replace(/\/$/, "") === "$batch") throw new ODataError("A $batch request cannot contain another $batch request.");
  const response = await dispatch(ctx, apiRequest);
  if (request.contentId && response.status < 400) {
    const entityUrl = response.headers["OData-EntityId"] ?? entityUrlFromBody(ctx, response) ?? `${ctx.serviceRoot}${target.path}`;
    ctx.contentIds?.set(request.contentId, entityUrl);
  }
  return response;
}

function entityUrlFromBody(ctx: ApiContext, response: ApiResponse): string | undefined {
  if (response.status !== 201 || !response.body) return undefined;
  try {
    const body = JSON.parse(response.body) as Record<string, unknown>;
    const context = String(body["@odata.context"] ?? "");
    const set = /#([a-z]+)/.exec(context)?.[1];
    const table = set ? ctx.schema.tableBySet(set) : undefined;
    const id = table ? body[table.primaryKey] : undefined;
    return table && typeof id === "string" ? `${ctx.serviceRoot}${table.entitySet}(${id})` : undefined;
  } catch {
    return undefined;
  }
}

function renderResponse(response: ApiResponse, contentId?: string): string {
  const lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"];
  if (contentId !== undefined) lines.push(`Content-ID: ${contentId}`);
  lines.push("", `HTTP/1.1 ${response.status} ${STATUS_TEXT[response.status] ?? "Status"}`);
  const headers = { ...response.headers };
  if (headers["Content-Type"] === JSON_CONTENT_TYPE) headers["Content-Type"] = `${JSON_CONTENT_TYPE}; odata.streaming=true`;
  if (headers["OData-EntityId"]) headers.Location = headers["OData-EntityId"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value.replace(/[{}]/g, "")}`);
  lines.push("", response.body ?? "");
  return lines.join("\r\n");
}

class ChangesetFailed extends Error {
  constructor(readonly response: ApiResponse, readonly contentId: string | undefined) {
    super("changeset failed");
  }
}

export async function handleBatch(ctx: ApiContext, req: ApiRequest, dispatch: Dispatch): Promise<ApiResponse> {
  const body = typeof req.body === "string" ? req.body : (req.body?.toString("utf8") ?? "");
  const items = parseBatch(req.headers["content-type"], body);
  const continueOnError = parsePrefer(req.headers.prefer).continueOnError;
  const boundary = `batchresponse_${randomUUID()}`;
  const chunks: string[] = [];
  let failed = false;

  for (const item of items) {
    if (item.kind === "request") {
      let response: ApiResponse;
      try {
        response = await execute({ ...ctx, contentIds: new Map() }, item.request, dispatch);
      } catch (err) {
        response = errorResponse(err);
      }
      if (response.status >= 400 && !continueOnError) {
        chunks.length = 0;
        chunks.push(renderResponse(response));
        failed = true;
        break;
      }
      chunks.push(renderResponse(response));
      continue;
    }
    const changesetBoundary = `changesetresponse_${randomUUID()}`;
    const contentIds = new Map<string, string>();
    const results: Array<{ response: ApiResponse; contentId: string | undefined }> = [];
    let failure: ChangesetFailed | undefined;
    try {
      await ctx.store.transaction(async (tx) => {
        const scoped: ApiContext = { ...ctx, store: tx, contentIds };
        for (const request of item.requests) {
          let response: ApiResponse;
          try {
            response = await execute(scoped, request, dispatch);
          } catch (err) {
            response = errorResponse(err);
          }
          if (response.status >= 400) throw new ChangesetFailed(response, request.contentId);
          results.push({ response, contentId: request.contentId });
        }
      });
    } catch (err) {
      failure = err instanceof ChangesetFailed ? err : new ChangesetFailed(errorResponse(err), undefined);
    }
    if (failure) {
      // A failed changeset answers with its failing operation alone; everything in it was rolled back.
      const rendered = renderResponse(failure.response, failure.contentId);
      if (!continueOnError) {
        chunks.length = 0;
        chunks.push(rendered);
        failed = true;
        break;
      }
      chunks.push(rendered);
      continue;
    }
    const inner = results.map((r) => `--${changesetBoundary}\r\n${renderResponse(r.response, r.contentId)}`);
    chunks.push(`Content-Type: multipart/mixed; boundary=${changesetBoundary}\r\n\r\n${inner.join("\r\n")}\r\n--${changesetBoundary}--`);
  }

  const text = `--${boundary}\r\n${chunks.join(`\r\n--${boundary}\r\n`)}\r\n--${boundary}--\r\n`;
  return {
    status: failed ? 400 : 200,
    headers: { "Content-Type": `multipart/mixed; boundary=${boundary}`, "OData-Version": "4.0" },
    body: text,
  };
}

