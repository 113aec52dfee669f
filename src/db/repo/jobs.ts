// The job table (src/jobs/ is the only caller). Every write that ends a claim is fenced
// by the claim's lock token: a worker whose lease expired and was taken over can no
// longer complete, fail or release the job.
import { and, asc, count, desc, eq, inArray, isNull, lt, lte, min, or, sql } from "drizzle-orm";
import type { Q, Tx } from "../types.ts";

export type JobState = "pending" | "running" | "dead";

export interface JobRow {
  id: number;
  queue: string;
  payload: unknown;
  state: string;
  runAfter: Date;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  idempotencyKey: string | null;
  lockToken: string | null;
  lockedBy: string | null;
  lockedUntil: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface NewJob {
  queue: string;
  payload: unknown;
  runAfter: Date;
  maxAttempts: number;
  idempotencyKey?: string | null;
  now: Date;
}

/** Inserts a job; null when a pending job with the same idempotency key exists. */
export async function insertJob(tx: Tx, j: NewJob): Promise<number | null> {
  const rows = await tx.db
    .insert(tx.t.jobs)
    .values({
      queue: j.queue,
      payload: j.payload,
      runAfter: j.runAfter,
      maxAttempts: j.maxAttempts,
      idempotencyKey: j.idempotencyKey ?? null,
      createdAt: j.now,
      state: "pending",
    })
    .onConflictDoNothing()
    .returning({ id: tx.t.jobs.id });
  return rows[0]?.id ?? null;
}

/** The pending job holding this key, locked for the rest of the transaction. */
export async function lockPendingByKey(tx: Tx, key: string): Promise<JobRow | null> {
  const j = tx.t.jobs;
  const q = tx.db.select().from(j).where(and(eq(j.idempotencyKey, key), eq(j.state, "pending"))).limit(1);
  const rows = await tx.dialect.lockRows(q);
  return (rows[0] as JobRow | undefined) ?? null;
}

export async function setPayload(tx: Tx, id: number, payload: unknown) {
  await tx.db.update(tx.t.jobs).set({ payload }).where(eq(tx.t.jobs.id, id));
}

/**
 * Claims up to `limit` due jobs of these queues for one worker. On Postgres the inner
 * SELECT skips rows other claimers hold (FOR UPDATE SKIP LOCKED), so concurrent workers
 * on several nodes never claim the same job; on SQLite the writer lock serializes claims.
 */
export async function claimJobs(
  tx: Tx,
  c: { queues: string[]; limit: number; now: Date; leaseUntil: Date; token: string; workerId: string },
): Promise<JobRow[]> {
  if (c.queues.length === 0 || c.limit <= 0) return [];
  const j = tx.t.jobs;
  const due = tx.dialect.lockRows(
    tx.db
      .select({ id: j.id })
      .from(j)
      .where(and(eq(j.state, "pending"), inArray(j.queue, c.queues), lte(j.runAfter, c.now)))
      .orderBy(asc(j.runAfter), asc(j.id))
      .limit(c.limit),
    { skipLocked: true },
  );
  // Two statements on purpose: in `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP
  // LOCKED)` Postgres may rescan the subquery and update more than n rows (a concurrency
  // cap test caught it). Ids first, locked for this transaction; then update exactly those.
  const ids = (await due).map((r) => r.id);
  if (ids.length === 0) return [];
  const rows = await tx.db
    .update(j)
    .set({
      state: "running",
      attempts: sql`${j.attempts} + 1`,
      lockToken: c.token,
      lockedBy: c.workerId,
      lockedUntil: c.leaseUntil,
      startedAt: c.now,
    })
    .where(and(inArray(j.id, ids), eq(j.state, "pending")))
    .returning();
  return rows as JobRow[];
}

/**
 * Jobs whose lease expired (their worker crashed or hung) go back to pending, or die when
 * they have used their attempts. Returns how many were put back and how many died.
 */
export async function reapExpired(tx: Tx, now: Date): Promise<{ retried: number; dead: number }> {
  const j = tx.t.jobs;
  const expired = and(eq(j.state, "running"), lt(j.lockedUntil, now));
  const dead = await tx.db
    .update(j)
    .set({ state: "dead", lockToken: null, lockedBy: null, lockedUntil: null, finishedAt: now, lastError: "lease expired (worker stopped or hung) on the last attempt" })
    .where(and(expired, sql`${j.attempts} >= ${j.maxAttempts}`))
    .returning({ id: j.id });
  const retried = await tx.db
    .update(j)
    .set({ state: "pending", lockToken: null, lockedBy: null, lockedUntil: null, runAfter: now, lastError: "lease expired (worker stopped or hung)" })
    .where(expired)
    .returning({ id: j.id });
  return { retried: retried.length, dead: dead.length };
}

/** Success: the row goes away. False when the claim was lost (lease taken over). */
export async function completeJob(tx: Tx, id: number, token: string): Promise<boolean> {
  const j = tx.t.jobs;
  const rows = await tx.db
    .delete(j)
    .where(and(eq(j.id, id), eq(j.lockToken, token), eq(j.state, "running")))
    .returning({ id: j.id });
  return rows.length === 1;
}

/** Failure: retry at `retryAt`, or die (retryAt null). False when the claim was lost. */
export async function failJob(tx: Tx, id: number, token: string, f: { error: string; retryAt: Date | null; now: Date }): Promise<boolean> {
  const j = tx.t.jobs;
  const rows = await tx.db
    .update(j)
    .set(
      f.retryAt
        ? { state: "pending", runAfter: f.retryAt, lastError: f.error, lockToken: null, lockedBy: null, lockedUntil: null }
        : { state: "dead", lastError: f.error, finishedAt: f.now, lockToken: null, lockedBy: null, lockedUntil: null },
    )
    .where(and(eq(j.id, id), eq(j.lockToken, token), eq(j.state, "running")))
    .returning({ id: j.id });
  return rows.length === 1;
}

/** Shutdown: hand a claimed job back without spending an attempt. */
export async function releaseJob(tx: Tx, id: number, token: string, now: Date): Promise<boolean> {
  const j = tx.t.jobs;
  const rows = await tx.db
    .update(j)
    .set({ state: "pending", attempts: sql`${j.attempts} - 1`, runAfter: now, lockToken: null, lockedBy: null, lockedUntil: null })
    .where(and(eq(j.id, id), eq(j.lockToken, token), eq(j.state, "running")))
    .returning({ id: j.id });
  return rows.length === 1;
}

export async function extendLease(tx: Tx, ids: number[], token: string, until: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const j = tx.t.jobs;
  const rows = await tx.db
    .update(j)
    .set({ lockedUntil: until })
    .where(and(inArray(j.id, ids), eq(j.lockToken, token), eq(j.state, "running")))
    .returning({ id: j.id });
  return rows.length;
}

/** When the earliest pending job of these queues becomes due (to sleep until then). */
export async function nextDue(q: Q, queues: string[]): Promise<Date | null> {
  if (queues.length === 0) return null;
  const j = q.t.jobs;
  const [row] = await q.db
    .select({ at: min(j.runAfter) })
    .from(j)
    .where(and(eq(j.state, "pending"), inArray(j.queue, queues)));
  return (row?.at as Date | null | undefined) ?? null;
}

export interface QueueCounts {
  queue: string;
  state: string;
  n: number;
}

export async function countByQueue(q: Q): Promise<QueueCounts[]> {
  const j = q.t.jobs;
  const rows = await q.db
    .select({ queue: j.queue, state: j.state, n: count() })
    .from(j)
    .groupBy(j.queue, j.state);
  return rows.map((r) => ({ queue: r.queue, state: r.state, n: Number(r.n) }));
}

/** Per queue: the run_after of the oldest pending job that is already due. */
export async function oldestDue(q: Q, now: Date): Promise<{ queue: string; at: Date }[]> {
  const j = q.t.jobs;
  const rows = await q.db
    .select({ queue: j.queue, at: min(j.runAfter) })
    .from(j)
    .where(and(eq(j.state, "pending"), lte(j.runAfter, now)))
    .groupBy(j.queue);
  return rows.filter((r) => r.at).map((r) => ({ queue: r.queue, at: r.at as Date }));
}

export async function listJobs(q: Q, f: { state?: string; queue?: string; limit?: number } = {}): Promise<JobRow[]> {
  const j = q.t.jobs;
  const conds = [f.state ? eq(j.state, f.state) : undefined, f.queue ? eq(j.queue, f.queue) : undefined].filter(Boolean);
  const rows = await q.db
    .select()
    .from(j)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(j.id))
    .limit(f.limit ?? 100);
  return rows as JobRow[];
}

export async function getJob(q: Q, id: number): Promise<JobRow | null> {
  const rows = await q.db.select().from(q.t.jobs).where(eq(q.t.jobs.id, id));
  return (rows[0] as JobRow | undefined) ?? null;
}

/** Dead jobs back to pending with fresh attempts (by id, or every dead job of a queue / all). */
export async function retryDead(tx: Tx, f: { ids?: number[]; queue?: string }, now: Date): Promise<number> {
  const j = tx.t.jobs;
  const conds = [eq(j.state, "dead"), f.ids ? inArray(j.id, f.ids) : undefined, f.queue ? eq(j.queue, f.queue) : undefined].filter(Boolean);
  const rows = await tx.db
    .update(j)
    .set({ state: "pending", attempts: 0, runAfter: now, finishedAt: null })
    .where(and(...conds))
    .returning({ id: j.id });
  return rows.length;
}

/** Deletes dead jobs (optionally of one queue, or finished before a time). */
export async function purgeDead(tx: Tx, f: { queue?: string; finishedBefore?: Date; ids?: number[] }): Promise<number> {
  const j = tx.t.jobs;
  const conds = [
    eq(j.state, "dead"),
    f.queue ? eq(j.queue, f.queue) : undefined,
    f.finishedBefore ? or(isNull(j.finishedAt), lt(j.finishedAt, f.finishedBefore)) : undefined,
    f.ids ? inArray(j.id, f.ids) : undefined,
  ].filter(Boolean);
  const rows = await tx.db.delete(j).where(and(...conds)).returning({ id: j.id });
  return rows.length;
}

// ------------------------------------------------------------------ schedules

/**
 * Compare-and-set of a schedule's last tick: true for exactly one caller per (name, tick),
 * whichever node gets there first, so a tick is enqueued at most once.
 */
export async function advanceScheduleTick(tx: Tx, name: string, tick: Date, now: Date): Promise<boolean> {
  const s = tx.t.jobSchedules;
  await tx.db.insert(s).values({ name, lastTick: null, updatedAt: now }).onConflictDoNothing();
  const rows = await tx.db
    .update(s)
    .set({ lastTick: tick, updatedAt: now })
    .where(and(eq(s.name, name), or(isNull(s.lastTick), lt(s.lastTick, tick))))
    .returning({ name: s.name });
  return rows.length === 1;
}

export async function setScheduleJob(tx: Tx, name: string, jobId: number | null) {
  const s = tx.t.jobSchedules;
  await tx.db.update(s).set({ lastJobId: jobId }).where(eq(s.name, name));
}

export async function listScheduleLedger(q: Q): Promise<{ name: string; lastTick: Date | null; lastJobId: number | null }[]> {
  const s = q.t.jobSchedules;
  return q.db.select({ name: s.name, lastTick: s.lastTick, lastJobId: s.lastJobId }).from(s);
}
