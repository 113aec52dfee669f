// Streams (channels) and subscriptions: the Zulip objects, reads for /streams and
// /users/me/subscriptions, and every write with its events. Subscribing opens a
// subscription interval at the current message-id watermark; unsubscribing closes it
// (docs/storage.md), both under the stream's row lock, as sends are.
import type { ActionDeps } from "./deps.ts";
import { inTx, type ActionTx } from "./tx.ts";
import type { Q } from "../db/types.ts";
import { userByEmail, userById, type UserRow } from "../db/repo/users.ts";
import {
  activeSubscriberIds, closeInterval, deactivateSubscription, insertStream, lockStream, maxMessageId, openInterval,
  streamById, streamByName, streamsInRealm, subscribersByStream, subscriptionOf, subscriptionsOfUser,
  updateStream, updateSubscription, upsertSubscription, userTopicsOf, setUserTopic, deleteUserTopic,
  type StreamRow, type SubscriptionRow,
} from "../db/repo/streams.ts";
import { ApiError, errors } from "../domain/errors.ts";
import { isAdminRole, isGuestRole } from "../domain/roles.ts";
import { MAX_STREAM_DESCRIPTION_LENGTH, MAX_STREAM_NAME_LENGTH, MAX_TOPIC_LENGTH } from "../domain/messaging-settings.ts";
import { canSeeStream, realmMemberIds, usersWhoCanSeeStream } from "./stream-access.ts";
import { renderForRealm } from "./render.ts";

// ---------------------------------------------------------------- objects

/**
 * Group-setting values. System groups belong to the user-groups area; until it lands the
 * settings are expressed as explicit (empty) member sets, which clients read as
 * "no one beyond the role rules the server applies".
 */
const EMPTY_GROUP = () => ({ direct_members: [] as number[], direct_subgroups: [] as number[] });

export function streamObject(s: StreamRow, subscriberCount: number): Record<string, unknown> {
  return {
    stream_id: s.id,
    name: s.name,
    description: s.description,
    rendered_description: s.renderedDescription,
    date_created: Math.floor(s.dateCreated.getTime() / 1000),
    creator_id: s.creatorId ?? null,
    invite_only: s.inviteOnly,
    is_web_public: s.isWebPublic,
    history_public_to_subscribers: s.historyPublicToSubscribers,
    first_message_id: s.firstMessageId ?? null,
    folder_id: null,
    topics_policy: "inherit",
    message_retention_days: s.messageRetentionDays ?? null,
    stream_post_policy: s.postPolicy,
    is_announcement_only: s.postPolicy === 2,
    is_archived: s.isArchived,
    is_recently_active: true,
    stream_weekly_traffic: null,
    subscriber_count: subscriberCount,
    can_add_subscribers_group: EMPTY_GROUP(),
    can_remove_subscribers_group: EMPTY_GROUP(),
    can_administer_channel_group: EMPTY_GROUP(),
    can_delete_any_message_group: EMPTY_GROUP(),
    can_delete_own_message_group: EMPTY_GROUP(),
    can_move_messages_out_of_channel_group: EMPTY_GROUP(),
    can_move_messages_within_channel_group: EMPTY_GROUP(),
    can_send_message_group: EMPTY_GROUP(),
    can_subscribe_group: EMPTY_GROUP(),
    can_resolve_topics_group: EMPTY_GROUP(),
  };
}

export function subscriptionObject(s: StreamRow, sub: SubscriptionRow, subscribers: number[] | null, count: number): Record<string, unknown> {
  const o: Record<string, unknown> = {
    ...streamObject(s, count),
    color: sub.color,
    is_muted: sub.isMuted,
    in_home_view: !sub.isMuted,
    pin_to_top: sub.pinToTop,
    desktop_notifications: sub.desktopNotifications,
    audible_notifications: sub.audibleNotifications,
    push_notifications: sub.pushNotifications,
    email_notifications: sub.emailNotifications,
    wildcard_mentions_notify: sub.wildcardMentionsNotify,
  };
  if (subscribers) o.subscribers = subscribers;
  return o;
}

const COLORS = ["#76ce90", "#fae589", "#a6c7e5", "#e79ab5", "#bfd56f", "#f4ae55", "#b0a5fd", "#addfe5", "#f5ce6e", "#c2726a", "#94c849", "#bd86e5"];

// ---------------------------------------------------------------- reads

export interface SubscriptionState {
  subscriptions: Record<string, unknown>[];
  unsubscribed: Record<string, unknown>[];
  never_subscribed: Record<string, unknown>[];
  streams: Record<string, unknown>[];
}

/** Everything /register and GET /users/me/subscriptions need, in four queries. */
export async function subscriptionState(q: Q, user: UserRow, includeSubscribers: boolean): Promise<SubscriptionState> {
  const all = (await streamsInRealm(q, user.realmId)).filter((s) => !s.isArchived);
  const subs = new Map((await subscriptionsOfUser(q, user.id)).map((s) => [s.streamId, s]));
  const subscribers = await subscribersByStream(q, all.map((s) => s.id));
  const out: SubscriptionState = { subscriptions: [], unsubscribed: [], never_subscribed: [], streams: [] };
  for (const s of all) {
    const sub = subs.get(s.id);
    const ids = subscribers.get(s.id) ?? [];
    const visible = canSeeStream(user, s, sub);
    // Subscriber lists of a private stream are for its subscribers only.
    const mayListSubscribers = visible;
    if (sub?.active) out.subscriptions.push(subscriptionObject(s, sub, includeSubscribers ? ids : null, ids.length));
    else if (sub) out.unsubscribed.push(subscriptionObject(s, sub, includeSubscribers && mayListSubscribers ? ids : null, ids.length));
    else if (visible) {
      const o = streamObject(s, ids.length);
      if (includeSubscribers) o.subscribers = ids;
      out.never_subscribed.push(o);
    }
    if (visible) out.streams.push(streamObject(s, ids.length));
  }
  return out;
}

export async function getSubscriptions(deps: ActionDeps, user: UserRow, includeSubscribers: boolean) {
  return (await subscriptionState(deps.store, user, includeSubscribers)).subscriptions;
}

export interface StreamFilters {
  includePublic: boolean;
  includeWebPublic: boolean;
  includeSubscribed: boolean;
  includeAll: boolean;
  includeDefault: boolean;
  includeOwnerSubscribed: boolean;
  excludeArchived: boolean;
}

export async function listStreams(deps: ActionDeps, user: UserRow, f: StreamFilters) {
  const q = deps.store;
  if (f.includeAll && !isAdminRole(user.role)) throw errors.badRequest("User not authorized for this query");
  const all = await streamsInRealm(q, user.realmId);
  const subs = new Map((await subscriptionsOfUser(q, user.id)).map((s) => [s.streamId, s]));
  const counts = await subscribersByStream(q, all.map((s) => s.id));
  const guest = isGuestRole(user.role);
  return all
    .filter((s) => {
      if (f.excludeArchived && s.isArchived) return false;
      const sub = subs.get(s.id);
      // include_all still never reveals private streams to non-members (the security model).
      if (f.includeAll) return !s.inviteOnly || !!sub?.active;
      if (f.includeSubscribed && sub?.active) return true;
      if (f.includePublic && !guest && !s.inviteOnly) return true;
      if (f.includeWebPublic && s.isWebPublic) return true;
      if (f.includeDefault && s.isDefault) return true;
      return false;
    })
    .map((s) => streamObject(s, counts.get(s.id)?.length ?? 0));
}

/** A stream the user may see, by id; otherwise Zulip's "Invalid channel ID". */
export async function accessStreamById(q: Q, user: UserRow, id: number): Promise<StreamRow> {
  const s = await streamById(q, user.realmId, id);
  if (!s) throw new ApiError("BAD_REQUEST", "Invalid channel ID");
  const sub = await subscriptionOf(q, user.id, s.id);
  if (!canSeeStream(user, s, sub)) throw new ApiError("BAD_REQUEST", "Invalid channel ID");
  return s;
}

export async function getStream(deps: ActionDeps, user: UserRow, id: number) {
  const s = await accessStreamById(deps.store, user, id);
  return streamObject(s, (await activeSubscriberIds(deps.store, s.id)).length);
}

export async function getStreamId(deps: ActionDeps, user: UserRow, name: string): Promise<number> {
  const s = await streamByName(deps.store, user.realmId, name);
  if (!s || !canSeeStream(user, s, await subscriptionOf(deps.store, user.id, s.id))) {
    throw new ApiError("BAD_REQUEST", `Invalid channel name '${name}'`);
  }
  return s.id;
}

export async function isSubscribed(deps: ActionDeps, user: UserRow, userId: number, streamId: number): Promise<boolean> {
  const s = await accessStreamById(deps.store, user, streamId);
  const target = await userById(deps.store, userId);
  if (!target || target.realmId !== user.realmId) throw errors.badRequest("No such user");
  return !!(await subscriptionOf(deps.store, userId, s.id))?.active;
}

export async function getStreamMembers(deps: ActionDeps, user: UserRow, id: number): Promise<number[]> {
  const s = await accessStreamById(deps.store, user, id);
  return activeSubscriberIds(deps.store, s.id);
}

// ---------------------------------------------------------------- validation

export function validateStreamName(raw: string): string {
  const name = raw.trim();
  if (!name) throw errors.invalid("name", "Channel name can't be empty.");
  if (name.length > MAX_STREAM_NAME_LENGTH) throw errors.invalid("name", `Channel name too long (limit: ${MAX_STREAM_NAME_LENGTH} characters).`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw errors.invalid("name", "Invalid character in channel name.");
  return name;
}

function validateDescription(d: string): string {
  if (d.length > MAX_STREAM_DESCRIPTION_LENGTH) throw errors.invalid("description", "Channel description too long.");
  return d.replace(/\n/g, " ");
}

// ---------------------------------------------------------------- subscribe

export interface SubscribeInput {
  streams: { name: string; description?: string }[];
  principals?: (string | number)[];
  authorizationErrorsFatal: boolean;
  inviteOnly: boolean;
  historyPublicToSubscribers?: boolean;
  isWebPublic: boolean;
  isDefaultStream: boolean;
  postPolicy?: number;
  messageRetentionDays?: number | null;
}

async function resolvePrincipals(q: Q, actor: UserRow, principals: (string | number)[] | undefined): Promise<UserRow[]> {
  if (!principals || principals.length === 0) return [actor];
  const out: UserRow[] = [];
  for (const p of principals) {
    const u = typeof p === "number" ? await userById(q, p) : await userByEmail(q, actor.realmId, p);
    if (!u || u.realmId !== actor.realmId || !u.isActive) {
      throw new ApiError("BAD_REQUEST", `No such user`, {}, 400);
    }
    out.push(u);
  }
  return out;
}

export async function subscribe(deps: ActionDeps, actor: UserRow, input: SubscribeInput) {
  const names = input.streams.map((s) => ({ name: validateStreamName(s.name), description: validateDescription(s.description ?? "") }));
  return inTx(deps, async (tx) => {
    const users = await resolvePrincipals(tx, actor, input.principals);
    const others = users.some((u) => u.id !== actor.id);
    if (others && isGuestRole(actor.role)) throw errors.badRequest("Insufficient permission");
    const unauthorized: string[] = [];
    const targets: { stream: StreamRow; created: boolean }[] = [];
    for (const n of names) {
      let stream = await streamByName(tx, actor.realmId, n.name);
      if (stream?.isArchived) throw errors.badRequest(`Channel '${stream.name}' is archived.`);
      if (!stream) {
        if (isGuestRole(actor.role)) {
          unauthorized.push(n.name);
          continue;
        }
        if (input.isDefaultStream && !isAdminRole(actor.role)) throw errors.badRequest("Insufficient permission");
        if (input.isDefaultStream && input.inviteOnly) throw errors.badRequest("A default channel cannot be private.");
        const rendered = await renderForRealm(tx, actor.realmId, n.description);
        stream = await insertStream(tx, {
          realmId: actor.realmId,
          name: n.name,
          nameKey: n.name.toLowerCase(),
          description: n.description,
          renderedDescription: rendered.html,
          inviteOnly: input.inviteOnly,
          isWebPublic: input.isWebPublic,
          historyPublicToSubscribers: input.inviteOnly ? (input.historyPublicToSubscribers ?? false) : true,
          postPolicy: input.postPolicy ?? 1,
          messageRetentionDays: input.messageRetentionDays ?? null,
          isDefault: input.isDefaultStream,
          creatorId: actor.id,
          dateCreated: deps.now(),
        });
        targets.push({ stream, created: true });
        continue;
      }
      const sub = await subscriptionOf(tx, actor.id, stream.id);
      // Private streams: only members may join or add others. Public: anyone but guests (who need an invite).
      const ok = stream.inviteOnly ? !!sub?.active : !isGuestRole(actor.role) || (!!sub?.active && users.every((u) => u.id === actor.id));
      if (!ok) {
        unauthorized.push(stream.name);
        continue;
      }
      targets.push({ stream, created: false });
    }
    if (unauthorized.length && input.authorizationErrorsFatal) {
      throw errors.badRequest(`Unable to access channel (${unauthorized[0]}).`);
    }
    const subscribed: Record<string, string[]> = {};
    const already: Record<string, string[]> = {};
    for (const { stream, created } of targets) {
      await lockStream(tx, stream.id);
      const watermark = await maxMessageId(tx);
      const before = await activeSubscriberIds(tx, stream.id);
      const added: UserRow[] = [];
      for (const u of users) {
        // A guest can be added to a public stream by others; never to see it alone.
        if (before.includes(u.id)) {
          (already[u.id] ??= []).push(stream.name);
          continue;
        }
        const existing = (await subscriptionsOfUser(tx, u.id)).length;
        await upsertSubscription(tx, u.id, stream.id, COLORS[existing % COLORS.length]!);
        await openInterval(tx, u.id, stream.id, watermark + 1);
        (subscribed[u.id] ??= []).push(stream.name);
        added.push(u);
      }
      const after = [...before, ...added.map((u) => u.id)];
      if (created) {
        const fresh = (await streamById(tx, actor.realmId, stream.id))!;
        const audience = fresh.inviteOnly ? after : await usersWhoCanSeeStream(tx, fresh);
        tx.notify({ type: "stream", op: "create", streams: [streamObject(fresh, after.length)] }, audience, actor.realmId);
        if (fresh.isDefault) await notifyDefaultStreams(tx, actor.realmId);
      }
      for (const u of added) {
        const sub = (await subscriptionOf(tx, u.id, stream.id))!;
        tx.notify({ type: "subscription", op: "add", subscriptions: [subscriptionObject(stream, sub, after, after.length)] }, [u.id], actor.realmId);
      }
      if (added.length) {
        const addedIds = new Set(added.map((u) => u.id));
        const peers = (await usersWhoCanSeeStream(tx, stream)).filter((id) => !addedIds.has(id));
        tx.notify({ type: "subscription", op: "peer_add", stream_ids: [stream.id], user_ids: [...addedIds] }, peers, actor.realmId);
      }
    }
    const out: Record<string, unknown> = { subscribed, already_subscribed: already };
    if (!input.authorizationErrorsFatal) out.unauthorized = unauthorized;
    return out;
  });
}

export async function unsubscribe(deps: ActionDeps, actor: UserRow, names: string[], principals?: (string | number)[]) {
  return inTx(deps, async (tx) => {
    const users = await resolvePrincipals(tx, actor, principals);
    if (users.some((u) => u.id !== actor.id) && !isAdminRole(actor.role)) throw errors.badRequest("Insufficient permission");
    const streams: StreamRow[] = [];
    for (const n of names) {
      const s = await streamByName(tx, actor.realmId, n);
      if (!s || !canSeeStream(actor, s, await subscriptionOf(tx, actor.id, s.id)) && !isAdminRole(actor.role)) {
        throw new ApiError("STREAM_DOES_NOT_EXIST", `Channel '${n}' does not exist`, { stream: n });
      }
      streams.push(s);
    }
    const removed: string[] = [];
    const notRemoved: string[] = [];
    for (const s of streams) {
      await lockStream(tx, s.id);
      const watermark = await maxMessageId(tx);
      const gone: number[] = [];
      for (const u of users) {
        const sub = await subscriptionOf(tx, u.id, s.id);
        if (!sub?.active) {
          notRemoved.push(s.name);
          continue;
        }
        await deactivateSubscription(tx, u.id, s.id);
        await closeInterval(tx, u.id, s.id, watermark);
        removed.push(s.name);
        gone.push(u.id);
        tx.notify({ type: "subscription", op: "remove", subscriptions: [{ stream_id: s.id, name: s.name }] }, [u.id], actor.realmId);
      }
      if (gone.length) {
        const peers = (await usersWhoCanSeeStream(tx, s)).filter((id) => !gone.includes(id));
        // Former subscribers of a private stream no longer learn who is in it.
        tx.notify({ type: "subscription", op: "peer_remove", stream_ids: [s.id], user_ids: gone }, peers, actor.realmId);
      }
    }
    return { removed, not_removed: notRemoved };
  });
}

// ---------------------------------------------------------------- subscription properties

const SUB_PROPERTIES: Record<string, keyof SubscriptionRow> = {
  color: "color",
  is_muted: "isMuted",
  pin_to_top: "pinToTop",
  desktop_notifications: "desktopNotifications",
  audible_notifications: "audibleNotifications",
  push_notifications: "pushNotifications",
  email_notifications: "emailNotifications",
  wildcard_mentions_notify: "wildcardMentionsNotify",
};

export async function updateSubscriptionProperties(
  deps: ActionDeps,
  user: UserRow,
  changes: { stream_id: number; property: string; value: unknown }[],
) {
  return inTx(deps, async (tx) => {
    for (const c of changes) {
      const sub = await subscriptionOf(tx, user.id, c.stream_id);
      if (!sub?.active) throw errors.badRequest("Not subscribed to channel ID " + c.stream_id);
      let property = c.property;
      let value = c.value;
      if (property === "in_home_view") {
        if (typeof value !== "boolean") throw errors.invalid("value", "value is not a boolean");
        property = "is_muted";
        value = !value;
      }
      const col = SUB_PROPERTIES[property];
      if (!col) throw errors.badRequest(`Unknown subscription property: ${c.property}`);
      if (property === "color") {
        if (typeof value !== "string" || !/^#[0-9a-fA-F]{6}$/.test(value)) throw errors.invalid("value", "value is not a valid color");
      } else if (typeof value !== "boolean" && !(value === null && property.includes("notif"))) {
        throw errors.invalid("value", "value is not a boolean");
      }
      await updateSubscription(tx, user.id, c.stream_id, { [col]: value } as Partial<SubscriptionRow>);
      tx.notify({ type: "subscription", op: "update", stream_id: c.stream_id, property, value }, [user.id], user.realmId);
      if (property === "is_muted") {
        tx.notify({ type: "subscription", op: "update", stream_id: c.stream_id, property: "in_home_view", value: !value }, [user.id], user.realmId);
      }
    }
    return {};
  });
}

// ---------------------------------------------------------------- stream administration

/** Administering a private stream needs membership as well as the admin role. */
async function administerStream(q: Q, user: UserRow, id: number): Promise<StreamRow> {
  const s = await streamById(q, user.realmId, id);
  if (!s) throw new ApiError("BAD_REQUEST", "Invalid channel ID");
  const sub = await subscriptionOf(q, user.id, s.id);
  if (!canSeeStream(user, s, sub)) throw new ApiError("BAD_REQUEST", "Invalid channel ID");
  if (!isAdminRole(user.role)) throw errors.badRequest("Must be an organization administrator");
  return s;
}

export interface StreamPatch {
  newName?: string;
  description?: string;
  isPrivate?: boolean;
  historyPublicToSubscribers?: boolean;
  isWebPublic?: boolean;
  postPolicy?: number;
  isDefaultStream?: boolean;
  messageRetentionDays?: number | null;
  isArchived?: boolean;
}

export async function patchStream(deps: ActionDeps, user: UserRow, id: number, p: StreamPatch) {
  const rendered = p.description !== undefined ? await renderForRealm(deps.store, user.realmId, validateDescription(p.description)) : null;
  return inTx(deps, async (tx) => {
    const s = await administerStream(tx, user, id);
    const beforeAudience = new Set(await usersWhoCanSeeStream(tx, s));
    const updates: { property: string; value: unknown; extra?: Record<string, unknown> }[] = [];
    const patch: Partial<StreamRow> = {};
    if (p.newName !== undefined && p.newName.trim() !== s.name) {
      const name = validateStreamName(p.newName);
      const clash = await streamByName(tx, user.realmId, name);
      if (clash && clash.id !== s.id) throw errors.badRequest(`Channel name '${name}' is already taken.`);
      patch.name = name;
      updates.push({ property: "name", value: name });
    }
    if (p.description !== undefined) {
      patch.description = validateDescription(p.description);
      patch.renderedDescription = rendered!.html;
      updates.push({ property: "description", value: patch.description, extra: { rendered_description: rendered!.html } });
    }
    if (p.isPrivate !== undefined || p.historyPublicToSubscribers !== undefined || p.isWebPublic !== undefined) {
      const inviteOnly = p.isPrivate ?? s.inviteOnly;
      if (inviteOnly && (p.isDefaultStream ?? s.isDefault)) throw errors.badRequest("A default channel cannot be private.");
      const history = inviteOnly ? (p.historyPublicToSubscribers ?? (p.isPrivate !== undefined && !s.inviteOnly ? false : s.historyPublicToSubscribers)) : true;
      const web = inviteOnly ? false : (p.isWebPublic ?? s.isWebPublic);
      patch.inviteOnly = inviteOnly;
      patch.historyPublicToSubscribers = history;
      patch.isWebPublic = web;
      const extra = { history_public_to_subscribers: history, is_web_public: web };
      if (inviteOnly !== s.inviteOnly) updates.push({ property: "invite_only", value: inviteOnly, extra });
      if (history !== s.historyPublicToSubscribers) updates.push({ property: "history_public_to_subscribers", value: history });
      if (web !== s.isWebPublic) updates.push({ property: "is_web_public", value: web });
    }
    if (p.postPolicy !== undefined) {
      if (![1, 2, 3, 4].includes(p.postPolicy)) throw errors.invalid("stream_post_policy", "Invalid stream_post_policy");
      patch.postPolicy = p.postPolicy;
      updates.push({ property: "stream_post_policy", value: p.postPolicy, extra: { is_announcement_only: p.postPolicy === 2 } });
    }
    if (p.messageRetentionDays !== undefined) {
      patch.messageRetentionDays = p.messageRetentionDays;
      updates.push({ property: "message_retention_days", value: p.messageRetentionDays });
    }
    let defaultChanged = false;
    if (p.isDefaultStream !== undefined && p.isDefaultStream !== s.isDefault) {
      if (p.isDefaultStream && (patch.inviteOnly ?? s.inviteOnly)) throw errors.badRequest("A default channel cannot be private.");
      patch.isDefault = p.isDefaultStream;
      defaultChanged = true;
    }
    if (Object.keys(patch).length) await updateStream(tx, s.id, patch);
    const fresh = (await streamById(tx, user.realmId, s.id))!;
    const afterAudience = new Set(await usersWhoCanSeeStream(tx, fresh));
    const both = [...afterAudience].filter((u) => beforeAudience.has(u));
    const count = (await activeSubscriberIds(tx, s.id)).length;
    for (const u of updates) {
      tx.notify({ type: "stream", op: "update", stream_id: s.id, name: fresh.name, property: u.property, value: u.value, ...(u.extra ?? {}) }, both, user.realmId);
    }
    const gained = [...afterAudience].filter((u) => !beforeAudience.has(u));
    const lost = [...beforeAudience].filter((u) => !afterAudience.has(u));
    if (gained.length) tx.notify({ type: "stream", op: "create", streams: [streamObject(fresh, count)] }, gained, user.realmId);
    if (lost.length) tx.notify({ type: "stream", op: "delete", streams: [{ stream_id: s.id }], stream_ids: [s.id] }, lost, user.realmId);
    if (defaultChanged) await notifyDefaultStreams(tx, user.realmId);
    if (p.isArchived === true && !fresh.isArchived) await archiveInTx(tx, user, fresh);
    return {};
  });
}

async function archiveInTx(tx: ActionTx, user: UserRow, s: StreamRow) {
  const audience = await usersWhoCanSeeStream(tx, s);
  await updateStream(tx, s.id, { isArchived: true, isDefault: false });
  tx.notify({ type: "stream", op: "delete", streams: [{ stream_id: s.id }], stream_ids: [s.id] }, audience, user.realmId);
  if (s.isDefault) await notifyDefaultStreams(tx, user.realmId);
}

export async function archiveStream(deps: ActionDeps, user: UserRow, id: number) {
  return inTx(deps, async (tx) => {
    const s = await administerStream(tx, user, id);
    if (!s.isArchived) await archiveInTx(tx, user, s);
    return {};
  });
}

// ---------------------------------------------------------------- default streams

export async function defaultStreamIds(q: Q, realmId: number): Promise<number[]> {
  return (await streamsInRealm(q, realmId)).filter((s) => s.isDefault && !s.isArchived).map((s) => s.id);
}

async function notifyDefaultStreams(tx: ActionTx, realmId: number) {
  const ids = await defaultStreamIds(tx, realmId);
  tx.notify({ type: "default_streams", default_streams: ids }, await realmMemberIds(tx, realmId, { includeGuests: true }), realmId);
}

export async function setDefaultStream(deps: ActionDeps, user: UserRow, streamId: number, on: boolean) {
  if (!isAdminRole(user.role)) throw errors.badRequest("Must be an organization administrator");
  return inTx(deps, async (tx) => {
    const s = await streamById(tx, user.realmId, streamId);
    if (!s || (s.inviteOnly && !(await subscriptionOf(tx, user.id, s.id))?.active)) throw new ApiError("BAD_REQUEST", "Invalid channel ID");
    if (on && s.inviteOnly) throw errors.badRequest("Private channels cannot be made default.");
    if (s.isDefault !== on) {
      await updateStream(tx, s.id, { isDefault: on });
      await notifyDefaultStreams(tx, user.realmId);
    }
    return {};
  });
}

/**
 * Subscribes a new user to the realm's default streams (called by the user-creation
 * action, in its transaction). The new user has no event queue yet; the others learn of
 * the new subscriber by peer_add.
 */
export async function subscribeToDefaultStreams(tx: ActionTx, user: UserRow): Promise<void> {
  for (const id of await defaultStreamIds(tx, user.realmId)) {
    const s = await lockStream(tx, id);
    if (!s) continue;
    const watermark = await maxMessageId(tx);
    await upsertSubscription(tx, user.id, id, COLORS[id % COLORS.length]!);
    await openInterval(tx, user.id, id, watermark + 1);
    const peers = (await usersWhoCanSeeStream(tx, s)).filter((u) => u !== user.id);
    tx.notify({ type: "subscription", op: "peer_add", stream_ids: [id], user_ids: [user.id] }, peers, user.realmId);
  }
}

// ---------------------------------------------------------------- user topics

export async function userTopicObjects(q: Q, userId: number) {
  return (await userTopicsOf(q, userId)).map((r) => ({
    stream_id: r.streamId,
    topic_name: r.topicName,
    last_updated: Math.floor(r.lastUpdated.getTime() / 1000),
    visibility_policy: r.visibilityPolicy,
  }));
}

export async function setTopicVisibility(deps: ActionDeps, user: UserRow, streamId: number, topic: string, policy: number) {
  if (![0, 1, 2, 3].includes(policy)) throw errors.invalid("visibility_policy", "Invalid visibility_policy");
  const name = topic.trim();
  if (name.length > MAX_TOPIC_LENGTH) throw errors.invalid("topic", "Topic too long");
  return inTx(deps, async (tx) => {
    await accessStreamById(tx, user, streamId);
    const now = deps.now();
    if (policy === 0) await deleteUserTopic(tx, user.id, streamId, name.toLowerCase());
    else await setUserTopic(tx, { userId: user.id, streamId, topicKey: name.toLowerCase(), topicName: name, visibilityPolicy: policy, lastUpdated: now });
    tx.notify(
      { type: "user_topic", stream_id: streamId, topic_name: name, last_updated: Math.floor(now.getTime() / 1000), visibility_policy: policy },
      [user.id],
      user.realmId,
    );
    // The legacy muted_topics event carries the whole list (Zulip sends both).
    tx.notify({ type: "muted_topics", muted_topics: await mutedTopicsList(tx, user) }, [user.id], user.realmId);
    return {};
  });
}

export async function mutedTopicsList(q: Q, user: UserRow): Promise<[string, string, number][]> {
  const names = new Map((await streamsInRealm(q, user.realmId)).map((s) => [s.id, s.name]));
  return (await userTopicObjects(q, user.id))
    .filter((t) => t.visibility_policy === 1)
    .sort((a, b) => a.stream_id - b.stream_id || a.topic_name.localeCompare(b.topic_name))
    .map((t) => [names.get(t.stream_id) ?? "", t.topic_name, t.last_updated]);
}

