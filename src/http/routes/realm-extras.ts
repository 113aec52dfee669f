// Realm emoji and linkifiers.
import type { ApiRouter } from "../router.ts";
import type { AuthedCtx } from "../context.ts";
import { check } from "../params.ts";
import { errors } from "../../domain/errors.ts";
import { addRealmEmoji, realmEmoji, removeRealmEmoji } from "../../actions/realm-emoji.ts";
import { addLinkifier, editLinkifier, realmLinkifiers, removeLinkifier, reorderLinkifiers } from "../../actions/linkifiers.ts";

const filterId = (ctx: AuthedCtx) => {
  const v = Number(ctx.c.req.param("filter_id"));
  if (!Number.isSafeInteger(v)) throw errors.badRequest("Linkifier not found.");
  return v;
};

export function registerRealmExtrasRoutes(r: ApiRouter) {
  r.get("/realm/emoji", async (ctx: AuthedCtx) => ({ emoji: await realmEmoji(ctx.deps.store, ctx.realm.id) }));
  r.post("/realm/emoji/:emoji_name", async (ctx: AuthedCtx) => {
    const files = ctx.params.uploadedFiles().map((f) => f.file);
    await addRealmEmoji(ctx.deps, ctx.realm, ctx.user, ctx.c.req.param("emoji_name")!, files);
    return {};
  });
  r.delete("/realm/emoji/:emoji_name", async (ctx: AuthedCtx) => {
    await removeRealmEmoji(ctx.deps, ctx.realm, ctx.user, ctx.c.req.param("emoji_name")!);
    return {};
  });

  r.get("/realm/linkifiers", async (ctx: AuthedCtx) => ({ linkifiers: await realmLinkifiers(ctx.deps.store, ctx.realm.id) }));
  // Removed from Zulip at FL 54 but still called by zulip-js: [[pattern, url_template, id], …].
  r.get("/realm/filters", async (ctx: AuthedCtx) => ({
    filters: (await realmLinkifiers(ctx.deps.store, ctx.realm.id)).map((l) => [l.pattern, l.url_template, l.id]),
  }));
  r.post("/realm/filters", async (ctx: AuthedCtx) => ({
    id: await addLinkifier(ctx.deps, ctx.realm, ctx.user, ctx.params.str("pattern"), ctx.params.str("url_template")),
  }));
  r.patch("/realm/filters/:filter_id", async (ctx: AuthedCtx) => {
    await editLinkifier(ctx.deps, ctx.realm, ctx.user, filterId(ctx), ctx.params.str("pattern"), ctx.params.str("url_template"));
    return {};
  });
  r.delete("/realm/filters/:filter_id", async (ctx: AuthedCtx) => {
    await removeLinkifier(ctx.deps, ctx.realm, ctx.user, filterId(ctx));
    return {};
  });
  r.patch("/realm/linkifiers", async (ctx: AuthedCtx) => {
    await reorderLinkifiers(ctx.deps, ctx.realm, ctx.user, ctx.params.json("ordered_linkifier_ids", check.intList));
    return {};
  });
}
