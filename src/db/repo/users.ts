import { and, eq, sql } from "drizzle-orm";
import { prepared } from "../prepared.ts";
import type { Q, Tables } from "../types.ts";

export type UserRow = Tables["users"]["$inferSelect"];
export type NewUser = Tables["users"]["$inferInsert"];

export async function userById(q: Q, id: number): Promise<UserRow | undefined> {
  const rows = await q.db.select().from(q.t.users).where(eq(q.t.users.id, id)).limit(1);
  return rows[0];
}

/**
 * The per-request API-key lookup: a prepared statement on the store's read connection.
 * Inside a transaction, use userByEmail.
 */
export async function userByEmailFast(q: Q, realmId: number, email: string): Promise<UserRow | undefined> {
  const stmt = prepared<UserRow[]>(q, "user_by_email", (q) =>
    q.db
      .select()
      .from(q.t.users)
      .where(and(eq(q.t.users.realmId, sql.placeholder("realmId")), eq(q.t.users.email, sql.placeholder("email"))))
      .limit(1),
  );
  const rows = await stmt.execute({ realmId, email: email.toLowerCase() });
  return rows[0];
}

/** Emails are stored lower-cased, so lookups are case-insensitive. */
export async function userByEmail(q: Q, realmId: number, email: string): Promise<UserRow | undefined> {
  const rows = await q.db
    .select()
    .from(q.t.users)
    .where(and(eq(q.t.users.realmId, realmId), eq(q.t.users.email, email.toLowerCase())))
    .limit(1);
  return rows[0];
}

export async function userByDeliveryEmail(q: Q, realmId: number, email: string): Promise<UserRow | undefined> {
  const rows = await q.db
    .select()
    .from(q.t.users)
    .where(and(eq(q.t.users.realmId, realmId), eq(q.t.users.deliveryEmail, email.toLowerCase())))
    .limit(1);
  return rows[0];
}

export async function usersInRealm(q: Q, realmId: number): Promise<UserRow[]> {
  return q.db.select().from(q.t.users).where(eq(q.t.users.realmId, realmId)).orderBy(q.t.users.id);
}

export async function activeUserIdsInRealm(q: Q, realmId: number): Promise<number[]> {
  const rows = await q.db
    .select({ id: q.t.users.id })
    .from(q.t.users)
    .where(and(eq(q.t.users.realmId, realmId), eq(q.t.users.isActive, true)));
  return rows.map((r) => r.id);
}

export async function countUsers(q: Q, realmId?: number): Promise<number> {
  const rows = await q.db
    .select({ n: sql<number>`count(*)` })
    .from(q.t.users)
    .where(realmId === undefined ? undefined : eq(q.t.users.realmId, realmId));
  return Number(rows[0]?.n ?? 0);
}

export async function insertUser(q: Q, values: NewUser): Promise<UserRow> {
  const rows = await q.db
    .insert(q.t.users)
    .values({ ...values, email: values.email.toLowerCase(), deliveryEmail: values.deliveryEmail.toLowerCase() })
    .returning();
  return rows[0]!;
}

export async function updateUser(q: Q, id: number, values: Partial<NewUser>): Promise<void> {
  await q.db.update(q.t.users).set(values).where(eq(q.t.users.id, id));
}

export async function botsOwnedBy(q: Q, ownerId: number): Promise<UserRow[]> {
  return q.db.select().from(q.t.users).where(and(eq(q.t.users.botOwnerId, ownerId), eq(q.t.users.isBot, true))).orderBy(q.t.users.id);
}

export async function countActiveOwners(q: Q, realmId: number): Promise<number> {
  const rows = await q.db
    .select({ n: sql<number>`count(*)` })
    .from(q.t.users)
    .where(and(eq(q.t.users.realmId, realmId), eq(q.t.users.isActive, true), eq(q.t.users.isBot, false), eq(q.t.users.role, 100)));
  return Number(rows[0]?.n ?? 0);
}
