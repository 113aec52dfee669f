// Core tables: realms (organizations), users, server-wide settings.
// Edit the pg/ copy; sqlite/ is generated from it by `npm run db:generate`.
import { table, id, int, str, bool, ts, json, index, uniqueIndex } from "./columns.ts";

export const serverSettings = table("server_settings", {
  key: str("key").primaryKey(),
  value: json<unknown>("value").notNull(),
  updatedAt: ts("updated_at").notNull().$defaultFn(() => new Date()),
});

export const realms = table(
  "realms",
  {
    id: id(),
    /** subdomain; "" is the realm at the root host */
    stringId: str("string_id").notNull(),
    name: str("name").notNull(),
    description: str("description").notNull().default(""),
    iconUrl: str("icon_url"),
    deactivated: bool("deactivated").notNull().default(false),
    inviteRequired: bool("invite_required").notNull().default(true),
    emailsRestrictedToDomains: bool("emails_restricted_to_domains").notNull().default(false),
    /** the long tail of realm_* settings, by Zulip name without the realm_ prefix */
    settings: json<Record<string, unknown>>("settings").notNull().$defaultFn(() => ({})),
    dateCreated: ts("date_created").notNull().$defaultFn(() => new Date()),
  },
  (t) => [uniqueIndex("realms_string_id_key").on(t.stringId)],
);

export const users = table(
  "users",
  {
    id: id(),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    /** the API email (lower-cased); may be a dummy address when email visibility is restricted */
    email: str("email").notNull(),
    /** where mail is actually delivered (lower-cased) */
    deliveryEmail: str("delivery_email").notNull(),
    fullName: str("full_name").notNull(),
    /** Zulip role codes: 100 owner, 200 admin, 300 moderator, 400 member, 600 guest */
    role: int("role").notNull().default(400),
    isActive: bool("is_active").notNull().default(true),
    isBot: bool("is_bot").notNull().default(false),
    /** 1 generic, 2 incoming webhook, 3 outgoing webhook, 4 embedded */
    botType: int("bot_type"),
    botOwnerId: int("bot_owner_id"),
    /** Zulip's "API super user": may send as another user. Only settable from the CLI. */
    canForgeSender: bool("can_forge_sender").notNull().default(false),
    apiKey: str("api_key").notNull(),
    /** argon2id (Bun.password) or an imported Django pbkdf2_sha256 hash; null = no password login */
    passwordHash: str("password_hash"),
    timezone: str("timezone").notNull().default(""),
    avatarSource: str("avatar_source").notNull().default("G"),
    avatarVersion: int("avatar_version").notNull().default(1),
    /** user_settings by Zulip name */
    settings: json<Record<string, unknown>>("settings").notNull().$defaultFn(() => ({})),
    dateJoined: ts("date_joined").notNull().$defaultFn(() => new Date()),
  },
  (t) => [
    uniqueIndex("users_realm_email_key").on(t.realmId, t.email),
    uniqueIndex("users_api_key_key").on(t.apiKey),
    index("users_realm_delivery_email_idx").on(t.realmId, t.deliveryEmail),
  ],
);
