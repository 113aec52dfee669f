// Users. Issue "Organizations, people, bots" grows this into the whole users API.
import type { ApiRouter } from "../router.ts";
import type { AuthedCtx } from "../context.ts";
import { userObject } from "../../actions/user-objects.ts";

export function registerUserRoutes(r: ApiRouter) {
  r.get("/users/me", async (ctx: AuthedCtx) => {
    // The own-user shape has no bot fields (Zulip's get_own_user schema).
    const { bot_type: _t, bot_owner_id: _o, ...me } = await userObject(ctx.deps, ctx.user, { forUser: ctx.user });
    return me;
  });
}
