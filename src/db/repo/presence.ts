import { eq, sql } from "drizzle-orm";
import type { Q, Tables } from "../types.ts";

export type PresenceRow = Tables["userPresence"]["$inferSelect"];

/** Every presence row of a realm with what the in-memory copy needs of its user. */
export async function realmPresenceRows(q: Q, realmId: number) {
  const p = q.t.userPresence;
  const u = q.t.users;
  return q.db
    .select({
      userId: p.userId,
      lastConnectedTime: p.lastConnectedTime,
      lastActiveTime: p.lastActiveTime,
      lastUpdateId: p.lastUpdateId,
      isActive: u.isActive,
      settings: u.settings,
    })
    .from(p)
    .innerJoin(u, eq(u.id, p.userId))
    .where(eq(p.realmId, realmId));
}

/** Writes a batch of presence rows (insert or overwrite). */
export async function upsertPresenceRows(q: Q, rows: PresenceRow[]): Promise<void> {
  if (rows.length === 0) return;
  const p = q.t.userPresence;
  await q.db
    .insert(p)
    .values(rows)
    .onConflictDoUpdate({
      target: p.userId,
      set: {
        lastConnectedTime: sql.raw(`excluded.last_connected_time`),
        lastActiveTime: sql.raw(`excluded.last_active_time`),
        lastUpdateId: sql.raw(`excluded.last_update_id`),
      },
    });
}

export async function presenceRowCount(q: Q): Promise<number> {
  const rows = await q.db.select({ n: sql<number>`count(*)` }).from(q.t.userPresence);
  return Number(rows[0]?.n ?? 0);
}
