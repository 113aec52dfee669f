// Event queues over HTTP: POST /register, GET /events (long-poll), DELETE /events.
// The WebSocket view of the same queues is http/ws.ts.
import type { ApiRouter } from "../router.ts";
import type { AuthedCtx, HttpDeps } from "../context.ts";
import { check, type Params } from "../params.ts";
import { errors } from "../../domain/errors.ts";
import { defaultRegisterOptions } from "../../events/state/fetch.ts";
import type { RegisterOptions } from "../../events/state/types.ts";
import { parseNarrow } from "../../events/narrow.ts";
import { registerQueue } from "../../events/register.ts";

const JSON_HEADERS = { "content-type": "application/json; charset=UTF-8" };

/** The POST /register parameters (also sent in a /ws register message). */
export function parseRegisterOptions(p: Params, clientName: string): { options: RegisterOptions; idleQueueTimeoutSeconds?: number } {
  const includeSubscribers = p.json("include_subscribers", (v, n) => {
    if (v === "partial" || typeof v === "boolean") return v;
    throw errors.invalid(n, `${n} is not a boolean or "partial"`);
  }, { optional: true });
  const options = defaultRegisterOptions({
    eventTypes: p.json("event_types", check.strList, { optional: true }) ?? null,
    fetchEventTypes: p.json("fetch_event_types", check.strList, { optional: true }) ?? null,
    narrow: parseNarrow(p.json("narrow", check.any, { optional: true }) ?? []),
    allPublicStreams: p.bool("all_public_streams", false),
    applyMarkdown: p.bool("apply_markdown", false),
    clientGravatar: p.bool("client_gravatar", true),
    slimPresence: p.bool("slim_presence", false),
    includeSubscribers: includeSubscribers ?? false,
    clientCapabilities: (p.json("client_capabilities", check.object, { optional: true }) ?? {}) as Record<string, boolean>,
    presenceHistoryLimitDays: p.int("presence_history_limit_days", { optional: true }),
    clientName,
  });
  // Zulip 12 clients send idle_queue_timeout (older: queue_lifespan_secs); it can only shorten ours.
  const idle = p.int("idle_queue_timeout", { optional: true }) ?? p.int("queue_lifespan_secs", { optional: true });
  return { options, idleQueueTimeoutSeconds: idle && idle > 0 ? idle : undefined };
}

export function eventDeps(deps: HttpDeps) {
  if (!deps.events) throw new Error("the event system is not wired (app/app.ts)");
  return deps as HttpDeps & { events: NonNullable<HttpDeps["events"]> };
}

export function registerEventRoutes(r: ApiRouter) {
  r.post("/register", async (ctx: AuthedCtx) => {
    const { options, idleQueueTimeoutSeconds } = parseRegisterOptions(ctx.params, ctx.req.headers.get("user-agent")?.split("/")[0] || "API");
    return registerQueue(eventDeps(ctx.deps), ctx.realm, ctx.user, options, { idleQueueTimeoutSeconds });
  }, { writes: false }); // an in-memory queue and a snapshot: clients must still load in read-only mode

  r.get("/events", async (ctx: AuthedCtx) => {
    const events = eventDeps(ctx.deps).events;
    const queueId = ctx.params.str("queue_id");
    const lastEventId = ctx.params.int("last_event_id", { optional: true });
    const dontBlock = ctx.params.bool("dont_block", false);
    const q = events.get(queueId, ctx.user.id);
    const out = await events.poll(q, lastEventId, dontBlock, ctx.req.signal);
    // The events are already serialized (shared by every queue that holds them): splice
    // them into the response instead of parsing and re-serializing.
    const ignored = ctx.params.ignored();
    const extra = ignored.length ? `,"ignored_parameters_unsupported":${JSON.stringify(ignored)}` : "";
    return new Response(`{"result":"success","msg":"","events":[${out.join(",")}],"queue_id":${JSON.stringify(q.id)}${extra}}`, {
      headers: JSON_HEADERS,
    });
  }, { writes: false });

  r.delete("/events", async (ctx: AuthedCtx) => {
    eventDeps(ctx.deps).events.delete(ctx.params.str("queue_id"), ctx.user.id);
    return {};
  }, { writes: false }); // forgets an in-memory queue
}
