// Storage the event system needs: spilled NOTIFY payloads (events too large for one
// notification) and the server facts kept in server_settings (last version seen).
import { eq, inArray, lt } from "drizzle-orm";
import type { Q } from "../types.ts";

export async function insertSpill(q: Q, payload: unknown): Promise<number> {
  const rows = await q.db.insert(q.t.eventSpill).values({ payload }).returning({ id: q.t.eventSpill.id });
  return rows[0]!.id;
}

export async function spillsById(q: Q, ids: number[]): Promise<Map<number, unknown>> {
  if (ids.length === 0) return new Map();
  const rows = await q.db.select().from(q.t.eventSpill).where(inArray(q.t.eventSpill.id, ids));
  return new Map(rows.map((r) => [r.id, r.payload]));
}

export async function deleteSpillsBefore(q: Q, before: Date): Promise<void> {
  await q.db.delete(q.t.eventSpill).where(lt(q.t.eventSpill.createdAt, before));
}

export async function getServerSetting<T>(q: Q, key: string): Promise<T | undefined> {
  const rows = await q.db.select().from(q.t.serverSettings).where(eq(q.t.serverSettings.key, key)).limit(1);
  return rows[0]?.value as T | undefined;
}

export async function setServerSetting(q: Q, key: string, value: unknown, now: Date): Promise<void> {
  await q.db
    .insert(q.t.serverSettings)
    .values({ key, value, updatedAt: now })
    .onConflictDoUpdate({ target: q.t.serverSettings.key, set: { value, updatedAt: now } });
}
