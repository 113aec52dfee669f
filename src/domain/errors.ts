// Typed errors with Zulip's stable codes. Actions throw these; the HTTP layer maps them to
// {"result":"error","msg":…,"code":…, …data} in one place (http/errors.ts). Unknown errors
// become a logged 500 without detail.

export type ErrorCode =
  | "BAD_REQUEST"
  | "REQUEST_VARIABLE_MISSING"
  | "REQUEST_VARIABLE_INVALID"
  | "INVALID_JSON"
  | "BAD_NARROW"
  | "REQUEST_CONFUSING_VAR"
  | "REQUEST_TIMEOUT"
  | "BAD_IMAGE"
  | "REALM_UPLOAD_QUOTA"
  | "STREAM_DOES_NOT_EXIST"
  | "UNAUTHORIZED_PRINCIPAL"
  | "CANNOT_DEACTIVATE_LAST_USER"
  | "MOVE_MESSAGES_TIME_LIMIT_EXCEEDED"
  | "REACTION_ALREADY_EXISTS"
  | "REACTION_DOES_NOT_EXIST"
  | "TOPIC_WILDCARD_MENTION_NOT_ALLOWED"
  | "STREAM_WILDCARD_MENTION_NOT_ALLOWED"
  | "BAD_EVENT_QUEUE_ID"
  | "INVALID_API_KEY"
  | "UNAUTHENTICATED_USER"
  | "UNAUTHORIZED"
  | "AUTHENTICATION_FAILED"
  | "PASSWORD_AUTH_DISABLED"
  | "PASSWORD_RESET_REQUIRED"
  | "USER_DEACTIVATED"
  | "REALM_DEACTIVATED"
  | "NONEXISTENT_SUBDOMAIN"
  | "RATE_LIMIT_HIT"
  | "CSRF_FAILED"
  | "INVITATION_FAILED"
  | "MISSING_HTTP_EVENT_HEADER"
  | "UNSUPPORTED_WEBHOOK_EVENT_TYPE"
  | "ANOMALOUS_WEBHOOK_PAYLOAD"
  | "SERVER_NOT_READY"
  | "READ_ONLY_MODE"
  | "INTERNAL_SERVER_ERROR";

const DEFAULT_STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_API_KEY: 401,
  UNAUTHENTICATED_USER: 401,
  USER_DEACTIVATED: 401,
  REALM_DEACTIVATED: 401,
  AUTHENTICATION_FAILED: 401,
  PASSWORD_AUTH_DISABLED: 401,
  UNAUTHORIZED: 401,
  CSRF_FAILED: 403,
  UNAUTHORIZED_PRINCIPAL: 403,
  NONEXISTENT_SUBDOMAIN: 404,
  RATE_LIMIT_HIT: 429,
  SERVER_NOT_READY: 500,
  INTERNAL_SERVER_ERROR: 500,
  READ_ONLY_MODE: 503,
  UNSUPPORTED_WEBHOOK_EVENT_TYPE: 200,
};

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** extra top-level keys of the error response, e.g. var_name, stream, queue_id */
  readonly data: Record<string, unknown>;
  constructor(code: ErrorCode, msg: string, data: Record<string, unknown> = {}, status?: number) {
    super(msg);
    this.name = "ApiError";
    this.code = code;
    this.status = status ?? DEFAULT_STATUS[code] ?? 400;
    this.data = data;
  }
}

// Constructors for the common cases, with Zulip's exact messages.
export const errors = {
  badRequest: (msg: string, data?: Record<string, unknown>) => new ApiError("BAD_REQUEST", msg, data),
  missing: (name: string) => new ApiError("REQUEST_VARIABLE_MISSING", `Missing '${name}' argument`, { var_name: name }),
  invalid: (name: string, why?: string) =>
    new ApiError("REQUEST_VARIABLE_INVALID", why ?? `Invalid ${name}`, { var_name: name }),
  invalidJson: (name: string) => new ApiError("INVALID_JSON", `Argument "${name}" is not valid JSON.`, { var_name: name }),
  notFound: (msg = "Not Found") => new ApiError("BAD_REQUEST", msg, {}, 404),
  methodNotAllowed: (allowed: string[]) => new ApiError("BAD_REQUEST", "Method Not Allowed", { allowed_methods: allowed }, 405),
  unauthorized: (msg = "Unauthorized") => new ApiError("UNAUTHORIZED", msg, {}, 401),
  forbidden: (msg = "Insufficient permission") => new ApiError("BAD_REQUEST", msg, {}, 403),
  unauthenticated: () => new ApiError("UNAUTHENTICATED_USER", "Not logged in: API authentication or user session required"),
  invalidApiKey: () => new ApiError("INVALID_API_KEY", "Invalid API key"),
  userDeactivated: () => new ApiError("USER_DEACTIVATED", "Account is deactivated"),
  realmDeactivated: () => new ApiError("REALM_DEACTIVATED", "This organization has been deactivated"),
  authenticationFailed: () => new ApiError("AUTHENTICATION_FAILED", "Your username or password is incorrect"),
  csrfFailed: (why: string) => new ApiError("CSRF_FAILED", `CSRF error: ${why}`),
  rateLimited: (retryAfter: number) => new ApiError("RATE_LIMIT_HIT", "API usage exceeded rate limit", { "retry-after": retryAfter }),
  noSuchRealm: () => new ApiError("NONEXISTENT_SUBDOMAIN", "There is no Zulip organization hosted at this subdomain."),
};
