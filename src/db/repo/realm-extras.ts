// Realm-level satellites: custom emoji and linkifiers.
import { and, asc, eq } from "drizzle-orm";
import type { Q, Tables } from "../types.ts";

export type RealmEmojiRow = Tables["realmEmoji"]["$inferSelect"];
export type LinkifierRow = Tables["realmLinkifiers"]["$inferSelect"];

export async function realmEmojiRows(q: Q, realmId: number): Promise<RealmEmojiRow[]> {
  const e = q.t.realmEmoji;
  return q.db.select().from(e).where(eq(e.realmId, realmId)).orderBy(asc(e.id));
}
export async function activeRealmEmojiByName(q: Q, realmId: number, name: string): Promise<RealmEmojiRow | undefined> {
  const e = q.t.realmEmoji;
  const rows = await q.db.select().from(e).where(and(eq(e.realmId, realmId), eq(e.name, name), eq(e.deactivated, false))).limit(1);
  return rows[0];
}
export async function insertRealmEmoji(q: Q, values: Tables["realmEmoji"]["$inferInsert"]): Promise<RealmEmojiRow> {
  const rows = await q.db.insert(q.t.realmEmoji).values(values).returning();
  return rows[0]!;
}
export async function deactivateRealmEmojiRow(q: Q, id: number) {
  await q.db.update(q.t.realmEmoji).set({ deactivated: true }).where(eq(q.t.realmEmoji.id, id));
}

export async function linkifierRows(q: Q, realmId: number): Promise<LinkifierRow[]> {
  const l = q.t.realmLinkifiers;
  return q.db.select().from(l).where(eq(l.realmId, realmId)).orderBy(asc(l.order), asc(l.id));
}
export async function insertLinkifier(q: Q, values: Tables["realmLinkifiers"]["$inferInsert"]): Promise<LinkifierRow> {
  const rows = await q.db.insert(q.t.realmLinkifiers).values(values).returning();
  return rows[0]!;
}
export async function updateLinkifierRow(q: Q, id: number, values: Partial<Tables["realmLinkifiers"]["$inferInsert"]>) {
  await q.db.update(q.t.realmLinkifiers).set(values).where(eq(q.t.realmLinkifiers.id, id));
}
export async function deleteLinkifierRow(q: Q, id: number) {
  await q.db.delete(q.t.realmLinkifiers).where(eq(q.t.realmLinkifiers.id, id));
}
