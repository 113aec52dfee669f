// GENERATED from ../pg/ by scripts/db-generate.ts. Edit the pg/ copy, then run `npm run db:generate`.
// The "satellite" features around messaging: presence, user status, user groups, muted
// users, realm emoji, linkifiers, drafts and alert words.
// Edit the pg/ copy; sqlite/ is generated from it by `npm run db:generate`.
import { table, id, int, str, bool, ts, json, index, uniqueIndex, primaryKey } from "./columns.ts";
import { realms, users } from "./core.ts";

/**
 * One row per user who ever reported presence. The live copy is in memory
 * (actions/presence.ts); this table is written lazily in batches and read at start-up.
 */
export const userPresence = table(
  "user_presence",
  {
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    /** last time any client of the user was connected (idle or active) */
    lastConnectedTime: ts("last_connected_time").notNull(),
    /** last time the user was active; null when only idle pings were ever seen */
    lastActiveTime: ts("last_active_time"),
    /** the realm's presence sequence number at this row's last change */
    lastUpdateId: int("last_update_id").notNull(),
  },
  // a table-level key: an INTEGER column-level primary key would be a rowid alias on SQLite
  (t) => [primaryKey({ columns: [t.userId] }), index("user_presence_realm_update_idx").on(t.realmId, t.lastUpdateId)],
);

export const userStatus = table(
  "user_status",
  {
  userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
  away: bool("away").notNull().default(false),
  statusText: str("status_text").notNull().default(""),
  emojiName: str("emoji_name").notNull().default(""),
  emojiCode: str("emoji_code").notNull().default(""),
  reactionType: str("reaction_type").notNull().default("unicode_emoji"),
  updatedAt: ts("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId] })],
);

export const userGroups = table(
  "user_groups",
  {
    id: id(),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    name: str("name").notNull(),
    description: str("description").notNull().default(""),
    isSystemGroup: bool("is_system_group").notNull().default(false),
    deactivated: bool("deactivated").notNull().default(false),
    creatorId: int("creator_id"),
    dateCreated: ts("date_created"),
    /** can_*_group settings by Zulip name: a group id or {direct_members, direct_subgroups} */
    settings: json<Record<string, unknown>>("settings").notNull().$defaultFn(() => ({})),
  },
  (t) => [uniqueIndex("user_groups_realm_name_key").on(t.realmId, t.name)],
);

export const userGroupMembers = table(
  "user_group_members",
  {
    groupId: int("group_id").notNull().references(() => userGroups.id, { onDelete: "cascade" }),
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index("user_group_members_user_idx").on(t.userId)],
);

export const userGroupSubgroups = table(
  "user_group_subgroups",
  {
    groupId: int("group_id").notNull().references(() => userGroups.id, { onDelete: "cascade" }),
    subgroupId: int("subgroup_id").notNull().references(() => userGroups.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.subgroupId] })],
);

export const mutedUsers = table(
  "muted_users",
  {
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    mutedUserId: int("muted_user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    dateMuted: ts("date_muted").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.mutedUserId] })],
);

export const realmEmoji = table(
  "realm_emoji",
  {
    id: id(),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    name: str("name").notNull(),
    authorId: int("author_id"),
    /** file name under <data_dir>/uploads/emoji/<realm_id>/ */
    fileName: str("file_name").notNull(),
    isAnimated: bool("is_animated").notNull().default(false),
    deactivated: bool("deactivated").notNull().default(false),
  },
  (t) => [index("realm_emoji_realm_name_idx").on(t.realmId, t.name)],
);

export const realmLinkifiers = table(
  "realm_linkifiers",
  {
    id: id(),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    pattern: str("pattern").notNull(),
    urlTemplate: str("url_template").notNull(),
    /** processing order (Zulip applies linkifiers in this order) */
    order: int("order").notNull().default(0),
  },
  (t) => [index("realm_linkifiers_realm_idx").on(t.realmId, t.order)],
);

export const drafts = table(
  "drafts",
  {
    id: id(),
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    /** "" (not yet addressed), "stream" or "private" */
    type: str("type").notNull(),
    /** stream: [stream_id]; private: user ids */
    to: json<number[]>("to").notNull(),
    topic: str("topic").notNull().default(""),
    content: str("content").notNull(),
    lastEditTime: ts("last_edit_time").notNull(),
  },
  (t) => [index("drafts_user_idx").on(t.userId)],
);

export const alertWords = table(
  "alert_words",
  {
    id: id(),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    word: str("word").notNull(),
  },
  (t) => [uniqueIndex("alert_words_user_word_key").on(t.userId, t.word), index("alert_words_realm_idx").on(t.realmId)],
);
