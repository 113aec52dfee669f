import { and, asc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Q, Tables } from "../types.ts";

export type AttachmentRow = Tables["attachments"]["$inferSelect"];
export type NewAttachment = Tables["attachments"]["$inferInsert"];
export type StoredImageRow = Tables["storedImages"]["$inferSelect"];

export async function insertAttachment(q: Q, values: NewAttachment): Promise<AttachmentRow> {
  const rows = await q.db.insert(q.t.attachments).values(values).returning();
  return rows[0]!;
}

export async function attachmentById(q: Q, id: number): Promise<AttachmentRow | undefined> {
  const rows = await q.db.select().from(q.t.attachments).where(eq(q.t.attachments.id, id)).limit(1);
  return rows[0];
}

export async function attachmentByPathId(q: Q, pathId: string): Promise<AttachmentRow | undefined> {
  const rows = await q.db.select().from(q.t.attachments).where(eq(q.t.attachments.pathId, pathId)).limit(1);
  return rows[0];
}

export async function attachmentsByPathIds(q: Q, realmId: number, pathIds: string[]): Promise<AttachmentRow[]> {
  if (!pathIds.length) return [];
  const a = q.t.attachments;
  return q.db.select().from(a).where(and(eq(a.realmId, realmId), inArray(a.pathId, pathIds)));
}

export async function attachmentsOfOwner(q: Q, ownerId: number): Promise<AttachmentRow[]> {
  return q.db.select().from(q.t.attachments).where(eq(q.t.attachments.ownerId, ownerId)).orderBy(asc(q.t.attachments.id));
}

export async function deleteAttachmentRow(q: Q, id: number): Promise<void> {
  await q.db.delete(q.t.attachments).where(eq(q.t.attachments.id, id));
}

/** Bytes of all uploads in a realm (Zulip's currently_used_upload_space_bytes). */
export async function realmUploadSpaceUsed(q: Q, realmId: number): Promise<number> {
  const rows = await q.db
    .select({ n: sql<number>`coalesce(sum(${q.t.attachments.size}), 0)`.mapWith(Number) })
    .from(q.t.attachments)
    .where(eq(q.t.attachments.realmId, realmId));
  return rows[0]?.n ?? 0;
}

export async function linkAttachmentsToMessage(q: Q, messageId: number, attachmentIds: number[], at: Date): Promise<void> {
  if (!attachmentIds.length) return;
  await q.db
    .insert(q.t.attachmentMessages)
    .values(attachmentIds.map((attachmentId) => ({ attachmentId, messageId, linkedAt: at })))
    .onConflictDoNothing();
}

export async function unlinkAttachmentsFromMessage(q: Q, messageId: number, attachmentIds?: number[]): Promise<void> {
  const l = q.t.attachmentMessages;
  if (attachmentIds && !attachmentIds.length) return;
  await q.db.delete(l).where(attachmentIds ? and(eq(l.messageId, messageId), inArray(l.attachmentId, attachmentIds)) : eq(l.messageId, messageId));
}

/** attachment id → linked message ids (ascending). */
export async function linksOf(q: Q, attachmentIds: number[]): Promise<Map<number, { messageId: number; linkedAt: Date }[]>> {
  const out = new Map<number, { messageId: number; linkedAt: Date }[]>();
  if (!attachmentIds.length) return out;
  const l = q.t.attachmentMessages;
  const rows = await q.db.select().from(l).where(inArray(l.attachmentId, attachmentIds)).orderBy(asc(l.messageId));
  for (const r of rows) {
    const list = out.get(r.attachmentId) ?? [];
    list.push({ messageId: r.messageId, linkedAt: r.linkedAt });
    out.set(r.attachmentId, list);
  }
  return out;
}

/** Attachments linked to a message. */
export async function attachmentsOfMessage(q: Q, messageId: number): Promise<AttachmentRow[]> {
  const a = q.t.attachments;
  const l = q.t.attachmentMessages;
  const rows = await q.db.select({ a }).from(l).innerJoin(a, eq(a.id, l.attachmentId)).where(eq(l.messageId, messageId));
  return rows.map((r) => r.a);
}

/** Uploads no message links to, created before `cutoff` (the cleanup job's work list). */
export async function unclaimedAttachments(q: Q, cutoff: Date, limit: number, afterId = 0): Promise<AttachmentRow[]> {
  const a = q.t.attachments;
  const l = q.t.attachmentMessages;
  const rows = await q.db
    .select({ a })
    .from(a)
    .leftJoin(l, eq(l.attachmentId, a.id))
    .where(and(isNull(l.attachmentId), lt(a.createdAt, cutoff), sql`${a.id} > ${afterId}`))
    .orderBy(asc(a.id))
    .limit(limit);
  return rows.map((r) => r.a);
}

export async function allAttachmentsAfter(q: Q, afterId: number, limit: number): Promise<AttachmentRow[]> {
  const a = q.t.attachments;
  return q.db.select().from(a).where(sql`${a.id} > ${afterId}`).orderBy(asc(a.id)).limit(limit);
}

// ---- avatars, realm icons and logos ------------------------------------------------------

export async function storedImage(q: Q, realmId: number, kind: string, ownerId: number): Promise<StoredImageRow | undefined> {
  const s = q.t.storedImages;
  const rows = await q.db.select().from(s).where(and(eq(s.realmId, realmId), eq(s.kind, kind), eq(s.ownerId, ownerId))).limit(1);
  return rows[0];
}

export async function allStoredImages(q: Q): Promise<StoredImageRow[]> {
  return q.db.select().from(q.t.storedImages).orderBy(asc(q.t.storedImages.id));
}

export async function storedImageByKey(q: Q, key: string): Promise<StoredImageRow | undefined> {
  const rows = await q.db.select().from(q.t.storedImages).where(eq(q.t.storedImages.key, key)).limit(1);
  return rows[0];
}

/** Replaces the image of (realm, kind, owner); returns the previous row so its object can be deleted after commit. */
export async function replaceStoredImage(q: Q, values: Tables["storedImages"]["$inferInsert"]): Promise<StoredImageRow | undefined> {
  const prev = await storedImage(q, values.realmId, values.kind, values.ownerId);
  if (prev) await q.db.delete(q.t.storedImages).where(eq(q.t.storedImages.id, prev.id));
  await q.db.insert(q.t.storedImages).values(values);
  return prev;
}

export async function deleteStoredImage(q: Q, realmId: number, kind: string, ownerId: number): Promise<StoredImageRow | undefined> {
  const prev = await storedImage(q, realmId, kind, ownerId);
  if (prev) await q.db.delete(q.t.storedImages).where(eq(q.t.storedImages.id, prev.id));
  return prev;
}
