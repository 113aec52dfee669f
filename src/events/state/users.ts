// /register: people (`realm_user`), own settings (`user_settings`) and bots
// (`realm_bot`), with their events applied the way a client applies them.
import type { StateContext, StateProvider } from "./types.ts";
import { usersInRealm, type UserRow } from "../../db/repo/users.ts";
import { botDict, userObject } from "../../actions/user-objects.ts";
import { Role, isAdminRole } from "../../domain/roles.ts";
import { userSettings } from "../../domain/user-settings.ts";
import { avatarUrl } from "../../domain/avatars.ts";
import { rolePasses, realmSettings, isFullMember } from "../../domain/realm-settings.ts";

type Obj = Record<string, any>;

async function person(ctx: StateContext, u: UserRow) {
  const { max_message_id: _m, ...o } = await userObject(ctx.deps, u, { forUser: ctx.user, clientGravatar: ctx.options.clientGravatar });
  return o;
}

export function selfFlags(ctx: StateContext, me: { role: number; dateJoined: Date }) {
  const s = realmSettings(ctx.realm.settings);
  const full = isFullMember(s, me.dateJoined, ctx.deps.now());
  return {
    is_admin: isAdminRole(me.role),
    is_owner: me.role === Role.OWNER,
    is_moderator: me.role === Role.MODERATOR,
    is_guest: me.role === Role.GUEST,
    can_create_streams: rolePasses(s.create_public_stream_policy, me.role, full) || rolePasses(s.create_private_stream_policy, me.role, full),
    can_create_public_streams: rolePasses(s.create_public_stream_policy, me.role, full),
    can_create_private_streams: rolePasses(s.create_private_stream_policy, me.role, full),
    can_subscribe_other_users: me.role !== Role.GUEST,
    can_invite_others_to_realm: isAdminRole(me.role) || rolePasses(s.invite_to_realm_policy, me.role, full),
  };
}

export const usersStateProvider: StateProvider = {
  name: "users",
  fetchTypes: ["realm_user", "user_settings", "realm_bot"],
  async fetch(ctx, want) {
    const out: Obj = {};
    const all = await usersInRealm(ctx.deps.store, ctx.realm.id);
    const me = all.find((u) => u.id === ctx.user.id) ?? ctx.user;
    if (want("realm_user")) {
      out.realm_users = await Promise.all(all.filter((u) => u.isActive).map((u) => person(ctx, u)));
      out.realm_non_active_users = await Promise.all(all.filter((u) => !u.isActive).map((u) => person(ctx, u)));
      out.cross_realm_bots = [];
      Object.assign(out, {
        user_id: me.id,
        email: me.email,
        delivery_email: me.deliveryEmail,
        full_name: me.fullName,
        avatar_source: me.avatarSource,
        avatar_url: avatarUrl(ctx.deps.config, me, false),
        avatar_url_medium: avatarUrl(ctx.deps.config, me, false),
        ...selfFlags(ctx, me),
      });
    }
    if (want("user_settings")) {
      out.user_settings = { ...userSettings(me.settings), timezone: me.timezone };
    }
    if (want("realm_bot")) {
      const visible = all.filter((u) => u.isBot && (isAdminRole(me.role) || u.botOwnerId === me.id));
      out.realm_bots = me.isBot ? [] : visible.map((b) => botDict(ctx.deps, b));
    }
    return out;
  },
  apply(state, event, ctx) {
    if (event.type === "realm_user") return applyRealmUser(state, event as Obj, ctx);
    if (event.type === "user_settings" && event.op === "update") {
      if (state.user_settings) (state.user_settings as Obj)[String(event.property)] = event.value;
      return true;
    }
    if (event.type === "realm_bot") {
      const bots = state.realm_bots as Obj[] | undefined;
      if (!bots) return true;
      const bot = event.bot as Obj;
      if (event.op === "add") bots.push({ ...bot });
      else if (event.op === "update") {
        const b = bots.find((x) => x.user_id === bot.user_id);
        if (b) Object.assign(b, bot);
      } else if (event.op === "remove" || event.op === "delete") {
        const i = bots.findIndex((x) => x.user_id === bot.user_id);
        if (i >= 0) bots.splice(i, 1);
      }
      return true;
    }
    return false;
  },
};

function applyRealmUser(state: Obj, event: Obj, ctx: StateContext): boolean {
  const active = state.realm_users as Obj[] | undefined;
  const inactive = state.realm_non_active_users as Obj[] | undefined;
  if (!active || !inactive) return true;
  const p = event.person as Obj;
  if (event.op === "add") {
    const copy = { ...p };
    // client_gravatar clients compute Gravatar URLs themselves (Zulip strips them per queue).
    if (ctx.options.clientGravatar && typeof copy.avatar_url === "string" && copy.avatar_url.includes("gravatar.com")) copy.avatar_url = null;
    (copy.is_active === false ? inactive : active).push(copy);
    return true;
  }
  if (event.op === "remove") {
    for (const list of [active, inactive]) {
      const i = list.findIndex((u) => u.user_id === p.user_id);
      if (i >= 0) list.splice(i, 1);
    }
    return true;
  }
  if (event.op === "update") {
    let list = active;
    let i = active.findIndex((u) => u.user_id === p.user_id);
    if (i < 0) {
      list = inactive;
      i = inactive.findIndex((u) => u.user_id === p.user_id);
    }
    if (i < 0) return true;
    const u = list[i]!;
    for (const [k, v] of Object.entries(p)) if (k !== "user_id") u[k] = v;
    if ("role" in p) {
      u.is_owner = p.role === Role.OWNER;
      u.is_admin = p.role <= Role.ADMINISTRATOR;
      u.is_guest = p.role === Role.GUEST;
    }
    if ("is_active" in p) {
      list.splice(i, 1);
      (p.is_active ? active : inactive).push(u);
      active.sort((a, b) => a.user_id - b.user_id);
      inactive.sort((a, b) => a.user_id - b.user_id);
    }
    if (p.user_id === state.user_id) {
      if ("full_name" in p) state.full_name = p.full_name;
      if ("role" in p) Object.assign(state, selfFlags(ctx, { role: p.role, dateJoined: ctx.user.dateJoined }));
    }
    return true;
  }
  return false;
}
