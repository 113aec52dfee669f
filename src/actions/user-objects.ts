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
