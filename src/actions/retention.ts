// Housekeeping the scheduler runs (src/jobs/handlers/cleanup.ts): expired web sessions,
// expired invitations, and message retention (Zulip's archive_messages). Retention deletes
// through the messages area's delete path (deleteMessagesInTx), so clients get the same
// delete_message events as for a manual delete and rows hanging off a message (flags,
// reactions, edits, search entries) go with it; in bounded batches, one transaction each,
// so the writer is never held long and a crash mid-run loses nothing (the next run resumes).
import { and, asc, eq, isNotNull, isNull, lt, type SQL } from "drizzle-orm";
import type { ActionDeps } from "./deps.ts";
import { inTx } from "./tx.ts";
import { deleteExpiredSessions } from "../db/repo/sessions.ts";
import { deleteExpiredInvitations } from "../db/repo/invitations.ts";
import type { MessageRow } from "../db/repo/messages.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import { deleteMessagesInTx } from "./message-edit.ts";

export async function purgeExpiredSessions(deps: ActionDeps): Promise<void> {
  await inTx(deps, (tx) => deleteExpiredSessions(tx, deps.now()));
}

export async function purgeExpiredInvitations(deps: ActionDeps): Promise<void> {
  await inTx(deps, (tx) => deleteExpiredInvitations(tx, deps.now()));
}

/**
 * The realm's retention in days, or null for "keep forever". Zulip's realm setting
 * `message_retention_days` (-1 or absent = unlimited), read from the realm's settings JSON.
 * The users area does not expose it in PATCH /realm yet; the key is Zulip's.
 */
export function realmRetentionDays(realm: RealmRow): number | null {
  const v = (realm.settings as Record<string, unknown> | null)?.message_retention_days;
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : null;
}

/** A stream's effective retention: its own column (null = realm default, -1 = forever), else the realm's. */
export function streamRetentionDays(streamDays: number | null, realmDays: number | null): number | null {
  if (streamDays === null) return realmDays;
  return streamDays > 0 ? streamDays : null;
}

export const RETENTION_BATCH = 500;

/**
 * Deletes every message past its retention, in batches of `batch`. Returns how many were
 * deleted. `shouldStop` lets a job stop between batches (shutdown, timeout); `onBatch`
 * reports each non-empty batch.
 */
export async function applyMessageRetention(
  deps: ActionDeps,
  opts: { batch?: number; shouldStop?: () => boolean; onBatch?: (deleted: number) => void } = {},
): Promise<number> {
  const batch = opts.batch ?? RETENTION_BATCH;
  const q = deps.store;
  const now = deps.now().getTime();
  const cutoff = (days: number) => new Date(now - days * 86_400_000);
  let deleted = 0;
  const realms: RealmRow[] = await q.db.select().from(q.t.realms);
  for (const realm of realms) {
    const realmDays = realmRetentionDays(realm);
    const s = q.t.streams;
    const streams = await q.db.select({ id: s.id, days: s.messageRetentionDays }).from(s).where(eq(s.realmId, realm.id));
    // One batch query per retention group: each stream with its own cutoff, and DMs at the realm's.
    const groups: { cond: SQL | undefined; before: Date }[] = [];
    const m = q.t.messages;
    for (const st of streams) {
      const days = streamRetentionDays(st.days, realmDays);
      if (days !== null) groups.push({ cond: eq(m.streamId, st.id), before: cutoff(days) });
    }
    if (realmDays !== null) groups.push({ cond: and(eq(m.realmId, realm.id), isNull(m.streamId), isNotNull(m.dmGroupId)), before: cutoff(realmDays) });
    for (const g of groups) {
      for (;;) {
        if (opts.shouldStop?.()) return deleted;
        const n = await inTx(deps, async (tx) => {
          const rows: MessageRow[] = await tx.db.select().from(m).where(and(g.cond, lt(m.dateSent, g.before))).orderBy(asc(m.id)).limit(batch);
          if (rows.length) await deleteMessagesInTx(tx, realm.id, rows);
          return rows.length;
        });
        deleted += n;
        if (n) opts.onBatch?.(n);
        if (n < batch) break;
      }
    }
  }
  return deleted;
}
