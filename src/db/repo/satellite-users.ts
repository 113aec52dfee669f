// User reads the satellite areas need beyond db/repo/users.ts (kept here to stay out of
// the users area's file while both are built in parallel).
import { and, eq, inArray } from "drizzle-orm";
import type { Q } from "../types.ts";
import type { UserRow } from "./users.ts";

export async function usersByIds(q: Q, realmId: number, ids: number[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return q.db
    .select()
    .from(q.t.users)
    .where(and(eq(q.t.users.realmId, realmId), inArray(q.t.users.id, [...new Set(ids)])))
    .orderBy(q.t.users.id);
}
