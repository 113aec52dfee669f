// Per-user satellite rows: user status, muted users, alert words, drafts.
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Q, Tables } from "../types.ts";

export type UserStatusRow = Tables["userStatus"]["$inferSelect"];
export type DraftRow = Tables["drafts"]["$inferSelect"];
export type NewDraft = Tables["drafts"]["$inferInsert"];

// ---- user status
export async function userStatusRows(q: Q, realmId: number): Promise<UserStatusRow[]> {
  return q.db.select().from(q.t.userStatus).where(eq(q.t.userStatus.realmId, realmId));
}
export async function userStatusRow(q: Q, userId: number): Promise<UserStatusRow | undefined> {
  const rows = await q.db.select().from(q.t.userStatus).where(eq(q.t.userStatus.userId, userId)).limit(1);
  return rows[0];
}
export async function saveUserStatus(q: Q, row: UserStatusRow): Promise<void> {
  const s = q.t.userStatus;
  const { userId: _u, realmId: _r, ...rest } = row;
  await q.db.insert(s).values(row).onConflictDoUpdate({ target: s.userId, set: rest });
}

// ---- muted users
export async function mutedUserRows(q: Q, userId: number) {
  const m = q.t.mutedUsers;
  return q.db.select().from(m).where(eq(m.userId, userId)).orderBy(asc(m.dateMuted), asc(m.mutedUserId));
}
export async function insertMute(q: Q, userId: number, mutedUserId: number, at: Date) {
  await q.db.insert(q.t.mutedUsers).values({ userId, mutedUserId, dateMuted: at });
}
export async function deleteMute(q: Q, userId: number, mutedUserId: number) {
  const m = q.t.mutedUsers;
  await q.db.delete(m).where(and(eq(m.userId, userId), eq(m.mutedUserId, mutedUserId)));
}

// ---- alert words
export async function alertWordRows(q: Q, userId: number) {
  const a = q.t.alertWords;
  return q.db.select().from(a).where(eq(a.userId, userId)).orderBy(asc(a.id));
}
export async function realmAlertWordRows(q: Q, realmId: number) {
  const a = q.t.alertWords;
  return q.db.select({ userId: a.userId, word: a.word }).from(a).where(eq(a.realmId, realmId)).orderBy(asc(a.id));
}
export async function insertAlertWords(q: Q, realmId: number, userId: number, words: string[]) {
  if (!words.length) return;
  await q.db.insert(q.t.alertWords).values(words.map((word) => ({ realmId, userId, word }))).onConflictDoNothing();
}
export async function deleteAlertWordIds(q: Q, ids: number[]) {
  if (!ids.length) return;
  await q.db.delete(q.t.alertWords).where(inArray(q.t.alertWords.id, ids));
}

// ---- drafts
export async function draftRows(q: Q, userId: number): Promise<DraftRow[]> {
  const d = q.t.drafts;
  return q.db.select().from(d).where(eq(d.userId, userId)).orderBy(asc(d.lastEditTime), asc(d.id));
}
export async function draftById(q: Q, id: number): Promise<DraftRow | undefined> {
  const rows = await q.db.select().from(q.t.drafts).where(eq(q.t.drafts.id, id)).limit(1);
  return rows[0];
}
export async function insertDraft(q: Q, values: NewDraft): Promise<DraftRow> {
  const rows = await q.db.insert(q.t.drafts).values(values).returning();
  return rows[0]!;
}
export async function updateDraftRow(q: Q, id: number, values: Partial<NewDraft>) {
  await q.db.update(q.t.drafts).set(values).where(eq(q.t.drafts.id, id));
}
export async function deleteDraftRow(q: Q, id: number) {
  await q.db.delete(q.t.drafts).where(eq(q.t.drafts.id, id));
}
