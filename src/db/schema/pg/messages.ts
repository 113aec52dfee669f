// Streams, subscriptions and messages, stored with O(1) rows per message (docs/storage.md).
// There is deliberately no table with one row per recipient per message: what a user
// received is derived from subscription intervals (stream messages) and explicit DM
// recipient sets; read state is an interval set per user; other flags are sparse rows.
// Edit the pg/ copy; sqlite/ is generated from it by `npm run db:generate`.
import { table, id, int, str, bool, ts, index, uniqueIndex, primaryKey } from "./columns.ts";
import { realms, users } from "./core.ts";

export const streams = table(
  "streams",
  {
    id: id(),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    name: str("name").notNull(),
    /** lower(name): names are unique per realm case-insensitively */
    nameKey: str("name_key").notNull(),
    description: str("description").notNull().default(""),
    renderedDescription: str("rendered_description").notNull().default(""),
    inviteOnly: bool("invite_only").notNull().default(false),
    isWebPublic: bool("is_web_public").notNull().default(false),
    historyPublicToSubscribers: bool("history_public_to_subscribers").notNull().default(true),
    /** Zulip's stream_post_policy: 1 any, 2 admins, 3 full members, 4 moderators */
    postPolicy: int("post_policy").notNull().default(1),
    messageRetentionDays: int("message_retention_days"),
    isArchived: bool("is_archived").notNull().default(false),
    isDefault: bool("is_default").notNull().default(false),
    creatorId: int("creator_id"),
    /** id of the first message sent to the stream (null until one is) */
    firstMessageId: int("first_message_id"),
    dateCreated: ts("date_created").notNull().$defaultFn(() => new Date()),
  },
  (t) => [uniqueIndex("streams_realm_name_key").on(t.realmId, t.nameKey)],
);

/** One row per (user, stream) ever subscribed: the per-user settings and whether it is active now. */
export const subscriptions = table(
  "subscriptions",
  {
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    streamId: int("stream_id").notNull().references(() => streams.id, { onDelete: "cascade" }),
    active: bool("active").notNull().default(true),
    color: str("color").notNull().default("#c2c2c2"),
    isMuted: bool("is_muted").notNull().default(false),
    pinToTop: bool("pin_to_top").notNull().default(false),
    desktopNotifications: bool("desktop_notifications"),
    audibleNotifications: bool("audible_notifications"),
    pushNotifications: bool("push_notifications"),
    emailNotifications: bool("email_notifications"),
    wildcardMentionsNotify: bool("wildcard_mentions_notify"),
  },
  (t) => [primaryKey({ columns: [t.userId, t.streamId] }), index("subscriptions_stream_idx").on(t.streamId, t.active)],
);

/**
 * The messages of a stream a user received: ids in [start_id, end_id] (end null = still
 * subscribed). Subscribing opens an interval at max(message id)+1, unsubscribing closes it
 * at max(message id); both happen under the stream's row lock, as sends do.
 */
export const subscriptionIntervals = table(
  "subscription_intervals",
  {
    id: id(),
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    streamId: int("stream_id").notNull().references(() => streams.id, { onDelete: "cascade" }),
    startId: int("start_id").notNull(),
    endId: int("end_id"),
  },
  (t) => [index("sub_intervals_user_stream_idx").on(t.userId, t.streamId, t.startId)],
);

/** A direct-message conversation: its participants, explicitly (Zulip's "huddle"). */
export const dmGroups = table(
  "dm_groups",
  {
    id: id(),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    /** the sorted participant ids, comma-separated (the conversation's identity) */
    userIdsKey: str("user_ids_key").notNull(),
    size: int("size").notNull(),
  },
  (t) => [uniqueIndex("dm_groups_realm_key").on(t.realmId, t.userIdsKey)],
);

export const dmGroupMembers = table(
  "dm_group_members",
  {
    groupId: int("group_id").notNull().references(() => dmGroups.id, { onDelete: "cascade" }),
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index("dm_group_members_user_idx").on(t.userId)],
);

export const messages = table(
  "messages",
  {
    id: id(),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    senderId: int("sender_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    /** a stream message has stream_id; a direct message has dm_group_id */
    streamId: int("stream_id").references(() => streams.id, { onDelete: "cascade" }),
    dmGroupId: int("dm_group_id").references(() => dmGroups.id, { onDelete: "cascade" }),
    topic: str("topic").notNull().default(""),
    /** lower(topic): topic narrows are case-insensitive */
    topicKey: str("topic_key").notNull().default(""),
    content: str("content").notNull(),
    renderedContent: str("rendered_content").notNull(),
    /** the rendered text without markup: what full-text search indexes */
    searchText: str("search_text").notNull().default(""),
    client: str("client").notNull().default("API"),
    dateSent: ts("date_sent").notNull(),
    lastEditTime: ts("last_edit_time"),
    lastMovedTime: ts("last_moved_time"),
    isMeMessage: bool("is_me_message").notNull().default(false),
    hasLink: bool("has_link").notNull().default(false),
    hasImage: bool("has_image").notNull().default(false),
    hasAttachment: bool("has_attachment").notNull().default(false),
    /** message-level wildcard mention: 0 none, 1 stream (@all/@everyone/@channel), 2 topic */
    wildcard: int("wildcard").notNull().default(0),
  },
  (t) => [
    index("messages_stream_topic_idx").on(t.streamId, t.topicKey, t.id),
    index("messages_stream_idx").on(t.streamId, t.id),
    index("messages_dm_group_idx").on(t.dmGroupId, t.id),
    index("messages_sender_idx").on(t.senderId, t.id),
    index("messages_realm_idx").on(t.realmId, t.id),
  ],
);

/**
 * Sparse per-user flags: a row only where a bit is set (starred, collapsed, mentioned,
 * topic-wildcard-mentioned, has_alert_word, historical). `read` is not here: it is the
 * interval set in read_intervals.
 */
export const messageFlags = table(
  "message_flags",
  {
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    messageId: int("message_id").notNull().references(() => messages.id, { onDelete: "cascade" }),
    bits: int("bits").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.messageId] }), index("message_flags_message_idx").on(t.messageId)],
);

/** Read message ids of a user as disjoint, non-adjacent closed intervals. */
export const readIntervals = table(
  "read_intervals",
  {
    id: id(),
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    startId: int("start_id").notNull(),
    endId: int("end_id").notNull(),
  },
  (t) => [index("read_intervals_user_idx").on(t.userId, t.startId)],
);

export const reactions = table(
  "reactions",
  {
    id: id(),
    messageId: int("message_id").notNull().references(() => messages.id, { onDelete: "cascade" }),
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    emojiName: str("emoji_name").notNull(),
    emojiCode: str("emoji_code").notNull(),
    reactionType: str("reaction_type").notNull(),
  },
  (t) => [uniqueIndex("reactions_unique").on(t.messageId, t.userId, t.emojiCode, t.reactionType)],
);

/** Every prior version of a message's content, topic and stream (the security model promises it). */
export const messageEdits = table(
  "message_edits",
  {
    id: id(),
    messageId: int("message_id").notNull().references(() => messages.id, { onDelete: "cascade" }),
    userId: int("user_id"),
    editTime: ts("edit_time").notNull(),
    prevContent: str("prev_content"),
    prevRenderedContent: str("prev_rendered_content"),
    prevTopic: str("prev_topic"),
    topic: str("topic"),
    prevStreamId: int("prev_stream_id"),
    streamId: int("stream_id"),
  },
  (t) => [index("message_edits_message_idx").on(t.messageId, t.id)],
);

/** Per-user topic visibility: 1 muted, 2 unmuted, 3 followed (0 = row deleted). */
export const userTopics = table(
  "user_topics",
  {
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    streamId: int("stream_id").notNull().references(() => streams.id, { onDelete: "cascade" }),
    topicKey: str("topic_key").notNull(),
    topicName: str("topic_name").notNull(),
    visibilityPolicy: int("visibility_policy").notNull(),
    lastUpdated: ts("last_updated").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.streamId, t.topicKey] })],
);
