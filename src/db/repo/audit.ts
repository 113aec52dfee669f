import { and, desc, eq, lt } from "drizzle-orm";
import type { Q, Tables } from "../types.ts";

export type AuditRow = Tables["auditLog"]["$inferSelect"];

export async function insertAudit(q: Q, values: Tables["auditLog"]["$inferInsert"]): Promise<void> {
  await q.db.insert(q.t.auditLog).values(values);
}

/** Newest first; `before` pages backwards by id. */
export async function auditEntries(q: Q, realmId: number, opts: { limit: number; before?: number; eventType?: string }): Promise<AuditRow[]> {
  const t = q.t.auditLog;
  const conds = [eq(t.realmId, realmId)];
  if (opts.before !== undefined) conds.push(lt(t.id, opts.before));
  if (opts.eventType) conds.push(eq(t.eventType, opts.eventType));
  return q.db.select().from(t).where(and(...conds)).orderBy(desc(t.id)).limit(opts.limit);
}
