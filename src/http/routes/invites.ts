// Invitations and joining: /invites, /invites/multiuse, and (Hearth's, until the web
// registration pages exist) POST /join/{token} and POST /signup.
import type { ApiRouter } from "../router.ts";
import type { ApiCtx, AuthedCtx } from "../context.ts";
import { acceptInvite, createInviteLink, inviteByEmail, listInvites, revokeInvite, signUp } from "../../actions/invites.ts";
import { check } from "../params.ts";
import { limitUsername } from "./auth.ts";

function inviteInput(ctx: AuthedCtx) {
  const exp = ctx.params.raw("invite_expires_in_minutes");
  return {
    role: ctx.params.json("invite_as", check.int, { optional: true }),
    expiresInMinutes: exp === undefined ? undefined : exp === "null" ? null : ctx.params.json("invite_expires_in_minutes", check.int),
    streamIds: ctx.params.json("stream_ids", check.intList, { optional: true }),
    includeRealmDefaultSubscriptions: ctx.params.bool("include_realm_default_subscriptions", true),
  };
}

export function registerInviteRoutes(r: ApiRouter) {
  r.post("/invites", async (ctx: AuthedCtx) => {
    const emails = ctx.params.str("invitee_emails").split(/[,\n]/);
    ctx.params.bool("notify_referrer_on_join", true);
    await inviteByEmail(ctx.deps, ctx.user, emails, inviteInput(ctx));
    return {};
  });

  r.post("/invites/multiuse", async (ctx: AuthedCtx) => {
    return { invite_link: await createInviteLink(ctx.deps, ctx.user, inviteInput(ctx)) };
  });

  r.get("/invites", async (ctx: AuthedCtx) => ({ invites: await listInvites(ctx.deps, ctx.user) }));

  r.delete("/invites/multiuse/:invite_id", async (ctx: AuthedCtx) => {
    await revokeInvite(ctx.deps, ctx.user, Number(ctx.c.req.param("invite_id")), true);
    return {};
  });

  r.delete("/invites/:invite_id", async (ctx: AuthedCtx) => {
    await revokeInvite(ctx.deps, ctx.user, Number(ctx.c.req.param("invite_id")), false);
    return {};
  });

  r.post(
    "/join/:token",
    async (ctx: ApiCtx) => {
      const fullName = ctx.params.str("full_name");
      const password = ctx.params.str("password");
      const email = ctx.params.str("email", { optional: true });
      await limitUsername(ctx, `join:${ctx.ip}`);
      const u = await acceptInvite(ctx.deps, ctx.realm!, ctx.c.req.param("token")!, { email, fullName, password });
      return { user_id: u.id, email: u.email, api_key: u.apiKey };
    },
    { auth: "none" },
  );

  r.post(
    "/signup",
    async (ctx: ApiCtx) => {
      const email = ctx.params.str("email");
      await limitUsername(ctx, `signup:${ctx.ip}`);
      const u = await signUp(ctx.deps, ctx.realm!, { email, fullName: ctx.params.str("full_name"), password: ctx.params.str("password") });
      return { user_id: u.id, email: u.email, api_key: u.apiKey };
    },
    { auth: "none" },
  );
}
