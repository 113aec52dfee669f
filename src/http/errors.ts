import type { Context } from "hono";
import { ApiError } from "../domain/errors.ts";
import type { Logger } from "../lib/log.ts";

export function errorBody(e: ApiError): Record<string, unknown> {
  return { result: "error", msg: e.message, code: e.code, ...e.data };
}

/** The one place typed errors become HTTP responses; anything else is a logged 500. */
export function errorResponse(c: Context, err: unknown, log: Logger, requestId: string): Response {
  if (err instanceof ApiError) {
    const headers: Record<string, string> = { "cache-control": "no-store" };
    if (err.code === "RATE_LIMIT_HIT" && typeof err.data["retry-after"] === "number") {
      headers["retry-after"] = String(Math.ceil(err.data["retry-after"] as number));
    }
    return c.json(errorBody(err), err.status as 400, headers);
  }
  log.error("unhandled error", { request_id: requestId, err });
  return c.json(
    { result: "error", msg: "Internal server error", code: "INTERNAL_SERVER_ERROR", request_id: requestId },
    500,
    { "cache-control": "no-store" },
  );
}
