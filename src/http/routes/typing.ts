// Typing notifications: POST /typing, POST /messages/{id}/typing.
import type { ApiRouter } from "../router.ts";
import type { AuthedCtx } from "../context.ts";
import { check } from "../params.ts";
import { errors } from "../../domain/errors.ts";
import { sendEditTyping, sendTyping, type TypingOp } from "../../actions/typing.ts";

function readOp(ctx: AuthedCtx): TypingOp {
  const op = ctx.params.str("op");
  if (op !== "start" && op !== "stop") throw errors.invalid("op", "Invalid op");
  return op;
}

/** `to`: a JSON list of user ids (or, from old clients, emails); a bare id or email is accepted too. */
function readTo(ctx: AuthedCtx): (number | string)[] {
  const raw = ctx.params.str("to");
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    v = raw.split(",").map((s) => s.trim()).filter(Boolean);
  }
  if (typeof v === "number" || typeof v === "string") v = [v];
  if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x) || typeof x === "string")) throw errors.invalid("to", "Invalid to");
  return v as (number | string)[];
}

export function registerTypingRoutes(r: ApiRouter) {
  // Typing notifications are relayed, never stored: they stay open in read-only mode.
  r.post("/typing", async (ctx: AuthedCtx) => {
    const op = readOp(ctx);
    const type = ctx.params.str("type", { default: "direct" });
    if (type === "direct" || type === "private") {
      await sendTyping(ctx.deps, ctx.realm, ctx.user, op, { type: "direct", to: readTo(ctx) });
    } else if (type === "stream" || type === "channel") {
      let streamId = ctx.params.json("stream_id", check.int, { optional: true });
      // Before FL 215 the channel id came as `to: [stream_id]`.
      if (streamId === undefined && ctx.params.has("to")) {
        const to = readTo(ctx);
        if (to.length === 1 && typeof to[0] === "number") streamId = to[0];
      }
      const topic = ctx.params.str("topic", { optional: true });
      await sendTyping(ctx.deps, ctx.realm, ctx.user, op, { type: "stream", streamId, topic });
    } else throw errors.invalid("type", "Invalid type");
    return {};
  }, { writes: false });

  r.post("/messages/:message_id/typing", async (ctx: AuthedCtx) => {
    const id = Number(ctx.c.req.param("message_id"));
    if (!Number.isSafeInteger(id)) throw errors.badRequest("Invalid message(s)");
    await sendEditTyping(ctx.deps, ctx.realm, ctx.user, readOp(ctx), id);
    return {};
  }, { writes: false });
}
