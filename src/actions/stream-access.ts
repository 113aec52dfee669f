// Who may see a stream, read its history, post to it and learn about changes to it: the
// security model of the issue in one audited place (Zulip's access_stream_* helpers and
// event-recipient functions). Every stream event's recipients come from here.
import { and, eq, ne } from "drizzle-orm";
import type { Q } from "../db/types.ts";
import type { UserRow } from "../db/repo/users.ts";
import type { StreamRow, SubscriptionRow } from "../db/repo/streams.ts";
import { activeSubscriberIds, subscriptionOf } from "../db/repo/streams.ts";
import { Role, isAdminRole, isGuestRole } from "../domain/roles.ts";

/** A stream's metadata is visible: public streams to non-guests; otherwise to active subscribers only (even admins). */
export function canSeeStream(user: UserRow, stream: StreamRow, sub: SubscriptionRow | undefined): boolean {
  if (sub?.active) return true;
  return !stream.inviteOnly && !isGuestRole(user.role);
}

/** The user may read every message of the stream, not only those received while subscribed. */
export function canReadWholeHistory(user: UserRow, stream: StreamRow, sub: SubscriptionRow | undefined): boolean {
  if (!stream.inviteOnly) return !isGuestRole(user.role) || !!sub?.active;
  return !!sub?.active && stream.historyPublicToSubscribers;
}

/** Zulip's stream_post_policy: 1 everyone, 2 admins, 3 full members, 4 moderators. */
export function canPostByPolicy(user: UserRow, stream: StreamRow): boolean {
  switch (stream.postPolicy) {
    case 2: return isAdminRole(user.role);
    case 3: return user.role !== Role.GUEST;
    case 4: return user.role <= Role.MODERATOR;
    default: return true;
  }
}

/** Active, non-guest users of the realm (who see every public stream). */
export async function realmMemberIds(q: Q, realmId: number, opts: { includeGuests: boolean }): Promise<number[]> {
  const u = q.t.users;
  const rows = await q.db
    .select({ id: u.id })
    .from(u)
    .where(and(eq(u.realmId, realmId), eq(u.isActive, true), opts.includeGuests ? undefined : ne(u.role, Role.GUEST)));
  return rows.map((r) => r.id);
}

/** Everyone who may know this stream exists (and who its subscribers are). */
export async function usersWhoCanSeeStream(q: Q, stream: StreamRow): Promise<number[]> {
  const subs = await activeSubscriberIds(q, stream.id);
  if (stream.inviteOnly) return subs;
  return [...new Set([...(await realmMemberIds(q, stream.realmId, { includeGuests: false })), ...subs])];
}
