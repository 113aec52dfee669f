// /ws: the WebSocket view of an event queue (protocol: docs/events.md). Bun's native
// WebSocket server is used directly (server.upgrade from a Hono route) rather than
// hono/bun's wrapper, which allocates a context object and a URL per connection; the
// per-connection state here is one small object.
import type { ServerWebSocket, WebSocketHandler, Server } from "bun";
import type { Hono } from "hono";
import type { HttpDeps, ApiCtx } from "./context.ts";
import { Params } from "./params.ts";
import { ApiError, errors } from "../domain/errors.ts";
import { errorBody } from "./errors.ts";
import { realmOfRequest } from "./realm.ts";
import { originOk } from "./origin.ts";
import { clientIp } from "./ip.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import type { UserRow } from "../db/repo/users.ts";
import type { EventQueue } from "../events/system.ts";
import { registerQueue } from "../events/register.ts";
import { eventDeps, parseRegisterOptions } from "./routes/events.ts";

export interface WsData {
  userId: number;
  /** kept until the socket registers or attaches (then dropped: one queue per connection) */
  who: { user: UserRow; realm: RealmRow } | null;
  queue: EventQueue | null;
  /** attach on open (queue_id/last_event_id in the URL) */
  attachTo?: { queueId: string; lastEventId?: number };
}

const reply = (ws: ServerWebSocket<WsData>, body: Record<string, unknown>) => ws.send(JSON.stringify(body));
const errorReply = (op: unknown, req: unknown, e: unknown) => {
  const err = e instanceof ApiError ? e : new ApiError("INTERNAL_SERVER_ERROR", "Internal server error");
  return { op, ...(req === undefined ? {} : { req }), ...errorBody(err) };
};

export function webSocketRoute(deps: HttpDeps) {
  return (app: Hono) => {
    app.get("/ws", async (c) => {
      const server = c.env as Server<WsData> | undefined;
      const jsonError = (e: ApiError) => c.json(errorBody(e), e.status as 400);
      try {
        if (c.req.header("upgrade")?.toLowerCase() !== "websocket" || !server?.upgrade) {
          return c.json({ result: "error", msg: "Expected a WebSocket upgrade", code: "BAD_REQUEST" }, 426);
        }
        const url = new URL(c.req.url);
        const realm = await realmOfRequest(deps, c);
        if (realm?.deactivated) throw errors.realmDeactivated();
        if (!realm) throw errors.noSuchRealm();
        const ctx: ApiCtx = {
          c, req: c.req.raw, url, deps, requestId: crypto.randomUUID(), surface: "api",
          params: await Params.fromRequest(c.req.raw, url), realm, user: null,
          ip: clientIp(c, deps.config.trustedProxies),
        };
        const authz = c.req.header("authorization");
        let user: UserRow | null = null;
        if (authz) user = await deps.auth.basic(ctx, authz);
        else {
          // A browser sends its cookies with a cross-site WebSocket too: only same-origin
          // pages may use the session (there is no CSRF header on a WebSocket handshake).
          if (!originOk(c)) throw errors.unauthorized("Cross-origin WebSocket refused");
          ctx.surface = "json";
          user = await deps.auth.session(ctx);
        }
        if (!user) throw errors.unauthenticated();
        const queueId = url.searchParams.get("queue_id");
        const lastRaw = url.searchParams.get("last_event_id");
        const data: WsData = { userId: user.id, who: { user, realm }, queue: null };
        if (queueId) {
          eventDeps(deps).events.get(queueId, user.id); // BAD_EVENT_QUEUE_ID before upgrading
          data.attachTo = { queueId, lastEventId: lastRaw === null ? undefined : Number(lastRaw) };
        }
        if (server.upgrade(c.req.raw, { data })) return new Response(null);
        return c.json({ result: "error", msg: "WebSocket upgrade failed", code: "BAD_REQUEST" }, 400);
      } catch (e) {
        if (e instanceof ApiError) return jsonError(e);
        throw e;
      }
    });
  };
}

export function webSocketHandler(deps: HttpDeps): WebSocketHandler<WsData> {
  const events = () => eventDeps(deps).events;
  // The reply goes out before the replayed events, so a client can rely on the order.
  const attach = (ws: ServerWebSocket<WsData>, queueId: string, lastEventId: number | undefined, replyTo: Record<string, unknown>) => {
    const q = events().get(queueId, ws.data.userId);
    if (ws.data.queue && ws.data.queue !== q) events().detach(ws.data.queue, ws);
    ws.data.queue = q;
    ws.data.who = null;
    reply(ws, { ...replyTo, result: "success", msg: "", queue_id: q.id });
    events().attach(q, ws, lastEventId);
  };
  return {
    // Idle connections are kept alive by WebSocket pings, not by heartbeat events.
    idleTimeout: 120,
    sendPings: true,
    perMessageDeflate: false,
    open(ws) {
      events().wsConnections++;
      const a = ws.data.attachTo;
      if (a) {
        ws.data.attachTo = undefined;
        try {
          attach(ws, a.queueId, a.lastEventId, { op: "attach" });
        } catch (e) {
          reply(ws, errorReply("attach", undefined, e));
          ws.close(4000, "BAD_EVENT_QUEUE_ID");
        }
      }
    },
    async message(ws, raw) {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(typeof raw === "string" ? raw : raw.toString());
        if (!msg || typeof msg !== "object" || Array.isArray(msg)) throw new Error();
      } catch {
        reply(ws, errorReply(null, undefined, errors.badRequest("Malformed message: expected a JSON object")));
        return;
      }
      const { op, req, ...rest } = msg;
      try {
        switch (op) {
          case "ack": {
            const id = Number(rest.last_event_id);
            if (ws.data.queue && Number.isSafeInteger(id)) ws.data.queue.ack(id);
            return;
          }
          case "attach": {
            if (typeof rest.queue_id !== "string") throw errors.missing("queue_id");
            const last = rest.last_event_id === undefined ? undefined : Number(rest.last_event_id);
            attach(ws, rest.queue_id, last, { op, ...(req === undefined ? {} : { req }) });
            return;
          }
          case "register": {
            const who = ws.data.who;
            if (!who) throw errors.badRequest("This connection already has a queue; open a new connection to register again");
            const { options, idleQueueTimeoutSeconds } = parseRegisterOptions(Params.fromObject(rest), "websocket");
            const state = await registerQueue(eventDeps(deps), who.realm, who.user, options, { idleQueueTimeoutSeconds });
            if (ws.readyState !== 1) {
              events().delete(state.queue_id, ws.data.userId);
              return;
            }
            attach(ws, state.queue_id, state.last_event_id, { op, ...(req === undefined ? {} : { req }), ...state });
            return;
          }
          default:
            throw errors.badRequest(`Unknown op: ${String(op)}`);
        }
      } catch (e) {
        if (!(e instanceof ApiError)) deps.log.error("websocket message failed", { err: e });
        reply(ws, errorReply(op, req, e));
      }
    },
    close(ws) {
      events().wsConnections--;
      if (ws.data.queue) events().detach(ws.data.queue, ws);
      ws.data.queue = null;
      ws.data.who = null;
    },
  };
}
