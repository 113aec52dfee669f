import { eq, sql } from "drizzle-orm";
import { prepared } from "../prepared.ts";
import type { Q } from "../types.ts";
import type { Tables } from "../types.ts";

export type RealmRow = Tables["realms"]["$inferSelect"];
export type NewRealm = Tables["realms"]["$inferInsert"];

export async function realmBySubdomain(q: Q, subdomain: string): Promise<RealmRow | undefined> {
  const rows = await q.db.select().from(q.t.realms).where(eq(q.t.realms.stringId, subdomain)).limit(1);
  return rows[0];
}

/** The per-request realm lookup (prepared; store reads only). */
export async function realmBySubdomainFast(q: Q, subdomain: string): Promise<RealmRow | undefined> {
  const stmt = prepared<RealmRow[]>(q, "realm_by_subdomain", (q) =>
    q.db.select().from(q.t.realms).where(eq(q.t.realms.stringId, sql.placeholder("sub"))).limit(1),
  );
  return (await stmt.execute({ sub: subdomain }))[0];
}

export async function realmById(q: Q, id: number): Promise<RealmRow | undefined> {
  const rows = await q.db.select().from(q.t.realms).where(eq(q.t.realms.id, id)).limit(1);
  return rows[0];
}

export async function countRealms(q: Q): Promise<number> {
  const rows = await q.db.select({ n: sql<number>`count(*)` }).from(q.t.realms);
  return Number(rows[0]?.n ?? 0);
}

export async function insertRealm(q: Q, values: NewRealm): Promise<RealmRow> {
  const rows = await q.db.insert(q.t.realms).values(values).returning();
  return rows[0]!;
}

export async function updateRealm(q: Q, id: number, values: Partial<NewRealm>): Promise<void> {
  await q.db.update(q.t.realms).set(values).where(eq(q.t.realms.id, id));
}
