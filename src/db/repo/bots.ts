// Outgoing-webhook bots' services (bot_services).
import { inArray } from "drizzle-orm";
import type { Q, Tables } from "../types.ts";

export type BotServiceRow = Tables["botServices"]["$inferSelect"];

export async function insertBotService(q: Q, row: BotServiceRow): Promise<void> {
  await q.db.insert(q.t.botServices).values(row);
}

export async function botServicesOf(q: Q, botUserIds: number[]): Promise<Map<number, BotServiceRow>> {
  if (!botUserIds.length) return new Map();
  const t = q.t.botServices;
  const rows: BotServiceRow[] = await q.db.select().from(t).where(inArray(t.botUserId, botUserIds));
  return new Map(rows.map((r) => [r.botUserId, r]));
}
