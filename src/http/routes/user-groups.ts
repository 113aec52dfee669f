// User groups: /user_groups…
import type { ApiRouter } from "../router.ts";
import type { AuthedCtx } from "../context.ts";
import { check } from "../params.ts";
import { errors } from "../../domain/errors.ts";
import {
  GROUP_SETTING_NAMES,
  createUserGroup,
  deactivateUserGroup,
  isUserGroupMember,
  listUserGroups,
  updateUserGroup,
  updateUserGroupMembers,
  userGroupMembers,
  userGroupSubgroups,
  type GroupSettingName,
} from "../../actions/user-groups.ts";

function groupId(ctx: AuthedCtx): number {
  const v = Number(ctx.c.req.param("user_group_id"));
  if (!Number.isSafeInteger(v)) throw errors.badRequest("Invalid user group");
  return v;
}

/** can_*_group parameters; PATCH sends {new, old} (old is advisory and ignored here). */
function readSettings(ctx: AuthedCtx, patch: boolean): Partial<Record<GroupSettingName, unknown>> {
  const out: Partial<Record<GroupSettingName, unknown>> = {};
  for (const k of GROUP_SETTING_NAMES) {
    const v = ctx.params.json(k, check.any, { optional: true });
    if (v === undefined) continue;
    if (patch) {
      if (!v || typeof v !== "object" || !("new" in v)) throw errors.invalid(k, `${k} is not a dict with a 'new' key`);
      out[k] = (v as { new: unknown }).new;
    } else out[k] = v;
  }
  return out;
}

export function registerUserGroupRoutes(r: ApiRouter) {
  r.get("/user_groups", async (ctx: AuthedCtx) => ({
    user_groups: await listUserGroups(ctx.deps, ctx.realm.id, { includeDeactivated: ctx.params.bool("include_deactivated_groups", false) }),
  }));

  r.post("/user_groups/create", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    const group_id = await createUserGroup(ctx.deps, ctx.realm, ctx.user, {
      name: p.str("name"),
      description: p.str("description"),
      members: p.json("members", check.intList),
      subgroups: p.json("subgroups", check.intList, { optional: true }),
      settings: readSettings(ctx, false),
    });
    return { group_id };
  });

  r.patch("/user_groups/:user_group_id", async (ctx: AuthedCtx) => {
    await updateUserGroup(ctx.deps, ctx.realm, ctx.user, groupId(ctx), {
      name: ctx.params.str("name", { optional: true }),
      description: ctx.params.str("description", { optional: true }),
      settings: readSettings(ctx, true),
    });
    return {};
  });

  r.post("/user_groups/:user_group_id/members", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    await updateUserGroupMembers(ctx.deps, ctx.realm, ctx.user, groupId(ctx), {
      add: p.json("add", check.intList, { optional: true }),
      delete: p.json("delete", check.intList, { optional: true }),
      addSubgroups: p.json("add_subgroups", check.intList, { optional: true }),
      deleteSubgroups: p.json("delete_subgroups", check.intList, { optional: true }),
    });
    return {};
  });

  // The older subgroups-only form.
  r.post("/user_groups/:user_group_id/subgroups", async (ctx: AuthedCtx) => {
    const p = ctx.params;
    await updateUserGroupMembers(ctx.deps, ctx.realm, ctx.user, groupId(ctx), {
      addSubgroups: p.json("add", check.intList, { optional: true }),
      deleteSubgroups: p.json("delete", check.intList, { optional: true }),
    });
    return {};
  });

  r.post("/user_groups/:user_group_id/deactivate", async (ctx: AuthedCtx) => {
    await deactivateUserGroup(ctx.deps, ctx.realm, ctx.user, groupId(ctx));
    return {};
  });

  r.get("/user_groups/:user_group_id/members", async (ctx: AuthedCtx) => ({
    members: await userGroupMembers(ctx.deps, ctx.realm.id, groupId(ctx), ctx.params.bool("direct_member_only", false)),
  }));

  r.get("/user_groups/:user_group_id/subgroups", async (ctx: AuthedCtx) => ({
    subgroups: await userGroupSubgroups(ctx.deps, ctx.realm.id, groupId(ctx), ctx.params.bool("direct_subgroup_only", false)),
  }));

  r.get("/user_groups/:user_group_id/members/:user_id", async (ctx: AuthedCtx) => {
    const userId = Number(ctx.c.req.param("user_id"));
    if (!Number.isSafeInteger(userId)) throw errors.badRequest("No such user");
    return {
      is_user_group_member: await isUserGroupMember(ctx.deps, ctx.realm.id, groupId(ctx), userId, ctx.params.bool("direct_member_only", false)),
    };
  });
}
