// GENERATED from ../pg/ by scripts/db-generate.ts. Edit the pg/ copy, then run `npm run db:generate`.
// Uploaded files (docs/uploads.md). `attachments` is one row per message upload; the
// object lives in the storage backend under `path_id` (the secret URL path). Which
// messages link to it is `attachment_messages`; a row with no link is "unclaimed" and is
// removed after a grace period. `stored_images` tracks avatars, realm icons and logos in
// the avatar bucket, so they can be replaced, removed and transferred to S3.
import { table, id, int, big, str, ts, index, uniqueIndex, primaryKey } from "./columns.ts";
import { realms, users } from "./core.ts";

export const attachments = table(
  "attachments",
  {
    id: id(),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    ownerId: int("owner_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    /** "{realm_id}/{xx}/{random}/{filename}": the object key and the secret part of the URL */
    pathId: str("path_id").notNull(),
    /** the sanitized filename, as shown to users */
    fileName: str("file_name").notNull(),
    size: big("size").notNull(),
    /** the sniffed type when it is one we serve inline, else application/octet-stream */
    contentType: str("content_type").notNull(),
    /** hex SHA-256 of the content: the ETag, and what transfer-to-s3 verifies */
    sha256: str("sha256").notNull(),
    createdAt: ts("created_at").notNull().$defaultFn(() => new Date()),
  },
  (t) => [
    uniqueIndex("attachments_path_id_key").on(t.pathId),
    index("attachments_owner_idx").on(t.ownerId),
    index("attachments_realm_created_idx").on(t.realmId, t.createdAt),
  ],
);

export const attachmentMessages = table(
  "attachment_messages",
  {
    attachmentId: int("attachment_id").notNull().references(() => attachments.id, { onDelete: "cascade" }),
    messageId: big("message_id").notNull(),
    linkedAt: ts("linked_at").notNull().$defaultFn(() => new Date()),
  },
  (t) => [primaryKey({ columns: [t.attachmentId, t.messageId] }), index("attachment_messages_message_idx").on(t.messageId)],
);

export const storedImages = table(
  "stored_images",
  {
    id: id(),
    realmId: int("realm_id").notNull().references(() => realms.id, { onDelete: "cascade" }),
    /** "avatar" | "realm_icon" | "realm_logo" | "realm_night_logo" */
    kind: str("kind").notNull(),
    /** the user for avatars; 0 for realm images */
    ownerId: int("owner_id").notNull(),
    /** key in the avatar bucket (random, so the public URL is not guessable) */
    key: str("key").notNull(),
    contentType: str("content_type").notNull(),
    size: big("size").notNull(),
    sha256: str("sha256").notNull(),
    createdAt: ts("created_at").notNull().$defaultFn(() => new Date()),
  },
  (t) => [uniqueIndex("stored_images_owner_key").on(t.realmId, t.kind, t.ownerId), uniqueIndex("stored_images_key_key").on(t.key)],
);
