// The Zulip user object (ZULIP-API.md §4.2), built in one place for GET /users*,
// /register and realm_user events.
import type { ActionDeps } from "./deps.ts";
import type { UserRow } from "../db/repo/users.ts";
import { Role } from "../domain/roles.ts";
import { avatarUrl } from "../domain/avatars.ts";

export interface UserObjectOptions {
  /** the user asking (decides delivery_email visibility) */
  forUser: UserRow;
  clientGravatar?: boolean;
}

export async function userObject(deps: ActionDeps, u: UserRow, opts: UserObjectOptions): Promise<Record<string, unknown>> {
  const isSelf = opts.forUser.id === u.id;
  const canSeeDelivery = isSelf || opts.forUser.role <= Role.ADMINISTRATOR;
  return {
    user_id: u.id,
    email: u.email,
    delivery_email: canSeeDelivery ? u.deliveryEmail : null,
    full_name: u.fullName,
    date_joined: u.dateJoined.toISOString(),
    is_active: u.isActive,
    is_owner: u.role === Role.OWNER,
    is_admin: u.role <= Role.ADMINISTRATOR,
    is_guest: u.role === Role.GUEST,
    is_bot: u.isBot,
    bot_type: u.isBot ? (u.botType ?? 1) : null,
    ...(u.isBot ? { bot_owner_id: u.botOwnerId ?? null } : {}),
    role: u.role,
    timezone: u.timezone,
    avatar_url: avatarUrl(deps.config, u, opts.clientGravatar ?? false),
    avatar_version: u.avatarVersion,
    profile_data: {},
    ...(isSelf ? { max_message_id: -1 } : {}),
  };
}

/** The `realm_bots` / `realm_bot` event shape (Zulip's get_owned_bot_dicts). Only for the owner and admins: it carries the key. */
export function botDict(deps: ActionDeps, b: UserRow, ownerEmail?: string | null): Record<string, unknown> {
  void ownerEmail;
  return {
    email: b.email,
    user_id: b.id,
    full_name: b.fullName,
    bot_type: b.botType ?? 1,
    is_active: b.isActive,
    api_key: b.apiKey,
    default_sending_stream: null,
    default_events_register_stream: null,
    default_all_public_streams: false,
    avatar_url: avatarUrl(deps.config, b, false),
    owner_id: b.botOwnerId ?? null,
    services: [],
  };
}

/**
 * A user object as an event payload for many viewers: the base copy hides
 * delivery_email; admins and the user themself get it through per-user overrides.
 */
export async function personForViewers(
  deps: ActionDeps,
  u: UserRow,
  viewers: UserRow[],
): Promise<{ base: Record<string, unknown>; perUser: Record<number, Record<string, unknown>> }> {
  const anon = { ...u, id: -1, role: Role.MEMBER } as UserRow;
  const { max_message_id: _m, ...base } = await userObject(deps, u, { forUser: anon, clientGravatar: false });
  const perUser: Record<number, Record<string, unknown>> = {};
  for (const v of viewers) {
    if (v.id === u.id || v.role <= Role.ADMINISTRATOR) perUser[v.id] = { person: { ...base, delivery_email: u.deliveryEmail } };
  }
  return { base, perUser };
}
