import type { Context } from "hono";
import type { Params } from "./params.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import type { UserRow } from "../db/repo/users.ts";
import type { ActionDeps } from "../actions/deps.ts";
import type { RateLimits } from "../auth/ratelimit.ts";
import type { EventSystem } from "../events/system.ts";

/** How a route authenticates: a user (Basic on /api/v1, session on /json), optionally, or not at all. */
export type AuthMode = "user" | "optional" | "none";

export interface Authenticators {
  /** HTTP Basic email:api_key (the /api/v1 way; also accepted on upload/avatar paths) */
  basic(ctx: ApiCtx, header: string): Promise<UserRow>;
  /** web session cookie + CSRF token (the /json way) */
  session(ctx: ApiCtx): Promise<UserRow | null>;
}

export interface HttpDeps extends ActionDeps {
  auth: Authenticators;
  /** in-process token buckets (http/ratelimit.ts); absent in tools that serve no HTTP */
  limits?: RateLimits;
  /** event queues (src/events/system.ts); set by app/app.ts */
  events?: EventSystem;
  /** true when the database answers and no migration is pending */
  ready(): Promise<{ ok: boolean; detail: Record<string, unknown> }>;
}

export interface ApiCtx {
  c: Context;
  req: Request;
  url: URL;
  deps: HttpDeps;
  params: Params;
  requestId: string;
  /** "api" for /api/v1, "json" for the web client's /json */
  surface: "api" | "json";
  realm: RealmRow | null;
  user: UserRow | null;
  /** the client IP, after trusted-proxy handling */
  ip: string;
}

export interface AuthedCtx extends ApiCtx {
  realm: RealmRow;
  user: UserRow;
}

export type ApiResult = Record<string, unknown> | Response;
export type ApiHandler<C extends ApiCtx = AuthedCtx> = (ctx: C) => Promise<ApiResult> | ApiResult;
