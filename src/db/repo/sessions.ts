import { eq, inArray, lt } from "drizzle-orm";
import type { Q, Tables } from "../types.ts";

export type SessionRow = Tables["sessions"]["$inferSelect"];

export async function insertSession(q: Q, values: Tables["sessions"]["$inferInsert"]): Promise<SessionRow> {
  const rows = await q.db.insert(q.t.sessions).values(values).returning();
  return rows[0]!;
}

export async function sessionById(q: Q, id: string): Promise<SessionRow | undefined> {
  const rows = await q.db.select().from(q.t.sessions).where(eq(q.t.sessions.id, id)).limit(1);
  return rows[0];
}

export async function deleteSession(q: Q, id: string): Promise<void> {
  await q.db.delete(q.t.sessions).where(eq(q.t.sessions.id, id));
}

export async function deleteSessionsOfUsers(q: Q, userIds: number[]): Promise<void> {
  if (userIds.length) await q.db.delete(q.t.sessions).where(inArray(q.t.sessions.userId, userIds));
}

export async function deleteExpiredSessions(q: Q, now: Date): Promise<void> {
  await q.db.delete(q.t.sessions).where(lt(q.t.sessions.expiresAt, now));
}
