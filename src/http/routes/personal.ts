// Per-user satellites: user status, muted users, alert words, drafts.
import type { ApiRouter } from "../router.ts";
import type { AuthedCtx } from "../context.ts";
import { check } from "../params.ts";
import { errors } from "../../domain/errors.ts";
import { updateOtherUserStatus, updateUserStatus, userStatusOf } from "../../actions/user-status.ts";
import { muteUser, unmuteUser } from "../../actions/muted-users.ts";
import { addAlertWords, alertWordsOf, removeAlertWords } from "../../actions/alert-words.ts";
import { createDrafts, deleteDraft, editDraft, listDrafts } from "../../actions/drafts.ts";
import { userInRealm } from "../../actions/user-lookup.ts";

const pathInt = (ctx: AuthedCtx, name: string, msg: string) => {
  const v = Number(ctx.c.req.param(name));
  if (!Number.isSafeInteger(v)) throw errors.badRequest(msg);
  return v;
};

export function registerPersonalRoutes(r: ApiRouter) {
  // ---- user status
  r.post("/users/me/status", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    await updateUserStatus(ctx.deps, ctx.realm, ctx.user, {
      away: p.bool("away", null) ?? undefined,
      statusText: p.str("status_text", { optional: true }),
      emojiName: p.str("emoji_name", { optional: true }),
      emojiCode: p.str("emoji_code", { optional: true }),
      reactionType: p.str("reaction_type", { optional: true }),
    });
    return {};
  });
  r.post("/users/:user_id/status", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    const target = await userInRealm(ctx.deps, ctx.realm.id, pathInt(ctx, "user_id", "No such user"));
    await updateOtherUserStatus(ctx.deps, ctx.realm, ctx.user, target, {
      statusText: p.str("status_text", { optional: true }),
      emojiName: p.str("emoji_name", { optional: true }),
      emojiCode: p.str("emoji_code", { optional: true }),
      reactionType: p.str("reaction_type", { optional: true }),
    });
    return {};
  });
  r.get("/users/:user_id/status", async (ctx: AuthedCtx) => {
    const target = await userInRealm(ctx.deps, ctx.realm.id, pathInt(ctx, "user_id", "No such user"));
    return { status: await userStatusOf(ctx.deps, target.id) };
  });

  // ---- muted users
  r.post("/users/me/muted_users/:muted_user_id", async (ctx: AuthedCtx) => {
    await muteUser(ctx.deps, ctx.user, pathInt(ctx, "muted_user_id", "No such user"));
    return {};
  });
  r.delete("/users/me/muted_users/:muted_user_id", async (ctx: AuthedCtx) => {
    await unmuteUser(ctx.deps, ctx.user, pathInt(ctx, "muted_user_id", "No such user"));
    return {};
  });

  // ---- alert words
  r.get("/users/me/alert_words", async (ctx: AuthedCtx) => ({ alert_words: await alertWordsOf(ctx.deps.store, ctx.user.id) }));
  r.post("/users/me/alert_words", async (ctx: AuthedCtx) => ({
    alert_words: await addAlertWords(ctx.deps, ctx.user, ctx.params.json("alert_words", check.strList)),
  }));
  r.delete("/users/me/alert_words", async (ctx: AuthedCtx) => ({
    alert_words: await removeAlertWords(ctx.deps, ctx.user, ctx.params.json("alert_words", check.strList)),
  }));

  // ---- drafts
  r.get("/drafts", async (ctx: AuthedCtx) => {
    const drafts = await listDrafts(ctx.deps.store, ctx.user.id);
    return { count: drafts.length, drafts };
  });
  r.post("/drafts", async (ctx: AuthedCtx) => {
    const list = ctx.params.json("drafts", (v, n) => {
      if (!Array.isArray(v)) throw errors.invalid(n, `${n} is not a list`);
      return v as unknown[];
    });
    return { ids: await createDrafts(ctx.deps, ctx.user, list) };
  });
  r.patch("/drafts/:draft_id", async (ctx: AuthedCtx) => {
    await editDraft(ctx.deps, ctx.user, pathInt(ctx, "draft_id", "Draft does not exist"), ctx.params.json("draft", check.object));
    return {};
  });
  r.delete("/drafts/:draft_id", async (ctx: AuthedCtx) => {
    await deleteDraft(ctx.deps, ctx.user, pathInt(ctx, "draft_id", "Draft does not exist"));
    return {};
  });
}
