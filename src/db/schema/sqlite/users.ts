// GENERATED from ../pg/ by scripts/db-generate.ts. Edit the pg/ copy, then run `npm run db:generate`.
// Sign-in and organization membership: web sessions, invitations, the audit log.
// Edit the pg/ copy; sqlite/ is generated from it by `npm run db:generate`.
import { table, id, int, str, bool, ts, json, index, uniqueIndex } from "./columns.ts";
import { realms, users } from "./core.ts";

/** Server-side web sessions: the signed cookie names a row, so logout and deactivation revoke at once. */
export const sessions = table(
  "sessions",
  {
    /** random id carried (signed) in the cookie */
    id: str("id").primaryKey(),
    userId: int("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    csrfToken: str("csrf_token").notNull(),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    ip: str("ip").notNull().default(""),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/** Email invitations (one use) and reusable invite links (multiuse). */
export const invitations = table(
  "invitations",
  {
    id: id(),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    invitedById: int("invited_by_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    /** null for a reusable link */
    email: str("email"),
    isMultiuse: bool("is_multiuse").notNull().default(false),
    role: int("role").notNull().default(400),
    /** the secret part of the join link */
    token: str("token").notNull(),
    /** stream ids to subscribe to on joining (in addition to the realm defaults) */
    streamIds: json<number[]>("stream_ids").notNull().$defaultFn(() => []),
    includeRealmDefaultSubscriptions: bool("include_realm_default_subscriptions").notNull().default(true),
    createdAt: ts("created_at").notNull(),
    /** null = never */
    expiresAt: ts("expires_at"),
    /** a one-use invitation is spent once accepted */
    acceptedAt: ts("accepted_at"),
    revoked: bool("revoked").notNull().default(false),
  },
  (t) => [uniqueIndex("invitations_token_key").on(t.token), index("invitations_realm_idx").on(t.realmId)],
);

/** Security-relevant changes (Zulip's RealmAuditLog): actor, target, time, old/new values. */
export const auditLog = table(
  "audit_log",
  {
    id: id(),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    /** null when the operator acted from the CLI, or for anonymous events (login failures) */
    actorId: int("actor_id"),
    targetUserId: int("target_user_id"),
    eventType: str("event_type").notNull(),
    eventTime: ts("event_time").notNull(),
    /** {property?, old_value?, new_value?, …}; never secrets */
    extra: json<Record<string, unknown>>("extra").notNull().$defaultFn(() => ({})),
  },
  (t) => [index("audit_log_realm_idx").on(t.realmId, t.id)],
);
