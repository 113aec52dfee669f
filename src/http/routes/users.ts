// The users API (Zulip's /users*, /settings).
import type { ApiRouter } from "../router.ts";
import type { AuthedCtx } from "../context.ts";
import { userObject } from "../../actions/user-objects.ts";
import {
  createUser, deactivateUser, findUser, getUser, listUsers, reactivateUser, updateOwnSettings, updateUserByAdmin,
} from "../../actions/users.ts";
import { check } from "../params.ts";
import { errors } from "../../domain/errors.ts";
import { isAdminRole } from "../../domain/roles.ts";
import { USER_SETTING_DEFAULTS } from "../../domain/user-settings.ts";

export function registerUserRoutes(r: ApiRouter) {
  r.get("/users/me", async (ctx: AuthedCtx) => {
    // The own-user shape has no bot fields (Zulip's get_own_user schema).
    const { bot_type: _t, bot_owner_id: _o, ...me } = await userObject(ctx.deps, ctx.user, { forUser: ctx.user });
    return me;
  });

  r.delete("/users/me", async (ctx: AuthedCtx) => {
    await deactivateUser(ctx.deps, ctx.user, ctx.user.id);
    return {};
  });

  r.get("/users", async (ctx: AuthedCtx) => {
    const clientGravatar = ctx.params.bool("client_gravatar", true);
    ctx.params.bool("include_custom_profile_fields", false);
    return { members: await listUsers(ctx.deps, ctx.user, { clientGravatar }) };
  });

  r.post("/users", async (ctx: AuthedCtx) => {
    if (!isAdminRole(ctx.user.role) || ctx.user.isBot) throw errors.badRequest("Must be an organization administrator");
    const user = await createUser(ctx.deps, {
      realmId: ctx.realm.id,
      email: ctx.params.str("email"),
      password: ctx.params.str("password"),
      fullName: ctx.params.str("full_name"),
      actorId: ctx.user.id,
    });
    return { user_id: user.id };
  });

  r.get("/users/:user_id_or_email", async (ctx: AuthedCtx) => {
    const clientGravatar = ctx.params.bool("client_gravatar", true);
    ctx.params.bool("include_custom_profile_fields", false);
    return { user: await getUser(ctx.deps, ctx.user, ctx.c.req.param("user_id_or_email")!, { clientGravatar }) };
  });

  r.patch("/users/:user_id_or_email", async (ctx: AuthedCtx) => {
    const target = await findUser(ctx.deps, ctx.realm.id, ctx.c.req.param("user_id_or_email")!);
    await updateUserByAdmin(ctx.deps, ctx.user, target.id, {
      fullName: ctx.params.str("full_name", { optional: true }),
      role: ctx.params.json("role", check.int, { optional: true }),
    });
    return {};
  });

  r.delete("/users/:user_id", async (ctx: AuthedCtx) => {
    ctx.params.str("deactivation_notification_comment", { optional: true });
    const target = await findUser(ctx.deps, ctx.realm.id, ctx.c.req.param("user_id")!);
    await deactivateUser(ctx.deps, ctx.user, target.id);
    return {};
  });

  r.post("/users/:user_id/reactivate", async (ctx: AuthedCtx) => {
    const target = await findUser(ctx.deps, ctx.realm.id, ctx.c.req.param("user_id")!);
    await reactivateUser(ctx.deps, ctx.user, target.id);
    return {};
  });

  r.patch("/settings", async (ctx: AuthedCtx) => {
    const settings: Record<string, unknown> = {};
    for (const k of Object.keys(USER_SETTING_DEFAULTS)) {
      if (!ctx.params.has(k)) continue;
      const def = (USER_SETTING_DEFAULTS as Record<string, unknown>)[k];
      settings[k] = typeof def === "string" ? parseMaybeJsonString(ctx.params.str(k)) : ctx.params.json(k, check.any);
    }
    await updateOwnSettings(ctx.deps, ctx.user, {
      fullName: ctx.params.str("full_name", { optional: true }),
      timezone: ctx.params.str("timezone", { optional: true }),
      oldPassword: ctx.params.str("old_password", { optional: true }),
      newPassword: ctx.params.str("new_password", { optional: true }),
      settings,
    });
    return {};
  });
}

/** Zulip sends string settings raw; some clients JSON-encode them. */
function parseMaybeJsonString(v: string): string {
  if (v.startsWith('"') && v.endsWith('"')) {
    try {
      return JSON.parse(v) as string;
    } catch {
      return v;
    }
  }
  return v;
}
