// Messages: send, fetch, narrows, edit/move/delete, history, flags, read state, reactions.
import type { ApiRouter } from "../router.ts";
import type { AuthedCtx } from "../context.ts";
import { check, type Params } from "../params.ts";
import { errors } from "../../domain/errors.ts";
import { parseNarrow } from "../../domain/narrow.ts";
import { getMessage, getMessages, matchesNarrow, readReceipts, renderPreview, sendMessage } from "../../actions/messages.ts";
import { deleteMessage, editMessage, messageHistory, type PropagateMode } from "../../actions/message-edit.ts";
import { markAllAsRead, markStreamAsRead, markTopicAsRead, updateFlags, updateFlagsForNarrow } from "../../actions/flags.ts";
import { addReaction, removeReaction } from "../../actions/reactions.ts";

/** Zulip derives the message `client` from the User-Agent ("ZulipMobile/…" → ZulipMobile); the web app is "website". */
function clientName(ctx: AuthedCtx): string {
  if (ctx.surface === "json") return "website";
  const ua = ctx.req.headers.get("user-agent");
  const name = ua?.split(/[/ ]/)[0]?.trim();
  return name ? name.slice(0, 30) : "API";
}

function messageIdFromPath(ctx: AuthedCtx): number {
  const parts = ctx.url.pathname.replace(/^\/(api\/v1|json)/, "").split("/").filter(Boolean);
  const n = Number(parts[1]);
  if (!Number.isSafeInteger(n)) throw errors.invalid("message_id", "Invalid message(s)");
  return n;
}

function parseTo(p: Params, type: "stream" | "private"): (string | number)[] {
  const raw = p.str("to");
  try {
    const v = JSON.parse(raw);
    if (Array.isArray(v)) return v as (string | number)[];
    if (typeof v === "number") return [v];
    if (typeof v === "string") return type === "private" ? v.split(",").map((s) => s.trim()).filter(Boolean) : [v];
  } catch {}
  return type === "private" ? raw.split(",").map((s) => s.trim()).filter(Boolean) : [raw];
}

function parseAnchor(p: Params, useFirstUnread: boolean): "newest" | "oldest" | "first_unread" | number {
  const raw = p.raw("anchor");
  if (raw === undefined) {
    if (useFirstUnread) return "first_unread";
    throw errors.missing("anchor");
  }
  const s = raw.replace(/^"|"$/g, "");
  if (s === "newest" || s === "oldest" || s === "first_unread") return s;
  if (!/^-?\d+$/.test(s)) throw errors.invalid("anchor", "Invalid anchor");
  const n = Number(s);
  // zulip-js sends anchor=1000000000 meaning "newest"; any id beyond the largest works the same.
  return Math.max(0, n);
}

function narrowParam(p: Params) {
  const raw = p.raw("narrow");
  if (raw === undefined || raw === "") return [];
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw errors.invalidJson("narrow");
  }
  return parseNarrow(v);
}

export function registerMessageRoutes(r: ApiRouter) {
  r.post("/messages", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    const rawType = p.str("type");
    const type = rawType === "stream" || rawType === "channel" ? "stream" : rawType === "private" || rawType === "direct" ? "private" : null;
    if (!type) throw errors.invalid("type", "Invalid type");
    const topic = p.str("topic", { optional: true }) ?? p.str("subject", { optional: true });
    const content = p.str("content");
    return sendMessage(ctx.deps, ctx.realm, ctx.user, {
      type,
      to: parseTo(p, type),
      topic,
      content,
      client: clientName(ctx),
      readBySender: p.bool("read_by_sender", null) ?? undefined,
      localId: p.str("local_id", { optional: true }),
      queueId: p.str("queue_id", { optional: true }),
    });
  });

  r.get("/messages", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    const ids = p.json("message_ids", check.intList, { optional: true });
    const narrow = narrowParam(p);
    const applyMarkdown = p.bool("apply_markdown", true);
    const clientGravatar = p.bool("client_gravatar", true);
    p.markUsed("allow_empty_topic_name");
    if (ids) {
      if (p.has("anchor")) throw errors.badRequest("Unsupported parameter combination: anchor, message_ids");
      return getMessages(ctx.deps, ctx.realm, ctx.user, { anchor: 0, includeAnchor: true, numBefore: 0, numAfter: 0, narrow, applyMarkdown, clientGravatar, messageIds: ids });
    }
    const useFirstUnread = p.bool("use_first_unread_anchor", false);
    return getMessages(ctx.deps, ctx.realm, ctx.user, {
      anchor: useFirstUnread ? "first_unread" : parseAnchor(p, false),
      includeAnchor: p.bool("include_anchor", true),
      numBefore: p.int("num_before"),
      numAfter: p.int("num_after"),
      narrow,
      applyMarkdown,
      clientGravatar,
    });
  });

  r.get("/messages/matches_narrow", async (ctx: AuthedCtx) =>
    matchesNarrow(ctx.deps, ctx.realm, ctx.user, ctx.params.json("msg_ids", check.intList), narrowParam(ctx.params)),
  );
  // Zulip's render preview stores nothing.
  r.post("/messages/render", async (ctx: AuthedCtx) => renderPreview(ctx.deps, ctx.realm, ctx.params.str("content")), { writes: false });

  r.post("/messages/flags", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    return updateFlags(ctx.deps, ctx.realm, ctx.user, p.json("messages", check.intList), p.str("op"), p.str("flag"));
  });
  r.post("/messages/flags/narrow", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    return updateFlagsForNarrow(ctx.deps, ctx.realm, ctx.user, {
      anchor: parseAnchor(p, false),
      includeAnchor: p.bool("include_anchor", true),
      numBefore: p.int("num_before"),
      numAfter: p.int("num_after"),
      narrow: narrowParam(p),
      op: p.str("op"),
      flag: p.str("flag"),
    });
  });
  r.post("/mark_all_as_read", async (ctx: AuthedCtx) => markAllAsRead(ctx.deps, ctx.realm, ctx.user));
  r.post("/mark_stream_as_read", async (ctx: AuthedCtx) => markStreamAsRead(ctx.deps, ctx.realm, ctx.user, ctx.params.int("stream_id")));
  r.post("/mark_topic_as_read", async (ctx: AuthedCtx) =>
    markTopicAsRead(ctx.deps, ctx.realm, ctx.user, ctx.params.int("stream_id"), ctx.params.str("topic_name")),
  );

  r.get("/messages/:message_id", async (ctx: AuthedCtx) =>
    getMessage(ctx.deps, ctx.realm, ctx.user, messageIdFromPath(ctx), ctx.params.bool("apply_markdown", true)),
  );
  r.patch("/messages/:message_id", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    p.markUsed("message_id", "prev_content_sha256");
    const mode = p.str("propagate_mode", { default: "change_one" });
    if (!["change_one", "change_later", "change_all"].includes(mode)) throw errors.invalid("propagate_mode", "Invalid propagate_mode");
    return editMessage(ctx.deps, ctx.realm, ctx.user, messageIdFromPath(ctx), {
      content: p.str("content", { optional: true }),
      topic: p.str("topic", { optional: true }) ?? p.str("subject", { optional: true }),
      streamId: p.int("stream_id", { optional: true }),
      propagateMode: mode as PropagateMode,
      notifyOld: p.bool("send_notification_to_old_thread", false),
      notifyNew: p.bool("send_notification_to_new_thread", true),
    });
  });
  r.delete("/messages/:message_id", async (ctx: AuthedCtx) => deleteMessage(ctx.deps, ctx.realm, ctx.user, messageIdFromPath(ctx)));
  r.get("/messages/:message_id/history", async (ctx: AuthedCtx) => messageHistory(ctx.deps, ctx.realm, ctx.user, messageIdFromPath(ctx)));
  r.get("/messages/:message_id/read_receipts", async (ctx: AuthedCtx) => readReceipts(ctx.deps, ctx.realm, ctx.user, messageIdFromPath(ctx)));

  const reaction = (p: Params) => ({
    emojiName: p.str("emoji_name", { optional: true }),
    emojiCode: p.str("emoji_code", { optional: true }),
    reactionType: p.str("reaction_type", { optional: true }),
  });
  r.post("/messages/:message_id/reactions", async (ctx: AuthedCtx) => addReaction(ctx.deps, ctx.realm, ctx.user, messageIdFromPath(ctx), reaction(ctx.params)));
  r.delete("/messages/:message_id/reactions", async (ctx: AuthedCtx) => removeReaction(ctx.deps, ctx.realm, ctx.user, messageIdFromPath(ctx), reaction(ctx.params)));
}
