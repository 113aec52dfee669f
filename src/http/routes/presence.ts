// Presence: POST /users/me/presence (the hottest endpoint), GET /realm/presence,
// GET /users/{id_or_email}/presence. Answered from memory (actions/presence.ts).
import type { ApiRouter } from "../router.ts";
import type { AuthedCtx } from "../context.ts";
import { errors } from "../../domain/errors.ts";
import { realmPresence, updatePresence, userPresence, type PresenceStatus } from "../../actions/presence.ts";
import { userInRealm } from "../../actions/user-lookup.ts";

export function registerPresenceRoutes(r: ApiRouter) {
  r.post("/users/me/presence", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    const status = p.str("status");
    if (status !== "active" && status !== "idle") throw errors.invalid("status", `Invalid status: ${status}`);
    const pingOnly = p.bool("ping_only", false);
    p.bool("new_user_input", false); // feeds usage statistics in Zulip; accepted and unused
    const lastUpdateId = p.int("last_update_id", { optional: true });
    const slim = p.bool("slim_presence", false) || lastUpdateId !== undefined;
    const historyLimitDays = p.int("history_limit_days", { optional: true });
    await updatePresence(ctx.deps, ctx.realm, ctx.user, status as PresenceStatus);
    if (pingOnly) return {};
    return realmPresence(ctx.deps, ctx.realm, { slim, lastUpdateId, historyLimitDays });
  });

  r.get("/realm/presence", async (ctx: AuthedCtx) => {
    const { presences, server_timestamp } = await realmPresence(ctx.deps, ctx.realm, { slim: false });
    return { presences, server_timestamp };
  });

  r.get("/users/:user_id_or_email/presence", async (ctx: AuthedCtx) => {
    const target = await userInRealm(ctx.deps, ctx.realm.id, ctx.c.req.param("user_id_or_email")!);
    const presence = await userPresence(ctx.deps, ctx.realm, target);
    if (!presence) throw errors.badRequest(`No presence data for ${target.email}`);
    return { presence };
  });
}
