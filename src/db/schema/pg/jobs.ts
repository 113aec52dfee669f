// The durable job queue (src/jobs/) and the scheduler's tick ledger (src/schedule/).
// Edit the pg/ copy; sqlite/ is generated from it by `npm run db:generate`.
import { sql } from "drizzle-orm";
import { table, id, int, str, ts, json, index, uniqueIndex } from "./columns.ts";

/**
 * One row per job that has not succeeded yet. A job that succeeds is deleted; a job that
 * exhausts its attempts stays with state "dead" and its last error until retried or purged.
 * state: "pending" (waiting for run_after), "running" (claimed; lock_token and
 * locked_until say by whom and until when), "dead".
 */
export const jobs = table(
  "jobs",
  {
    id: id(),
    queue: str("queue").notNull(),
    payload: json<unknown>("payload").notNull(),
    state: str("state").notNull().default("pending"),
    runAfter: ts("run_after").notNull(),
    attempts: int("attempts").notNull().default(0),
    maxAttempts: int("max_attempts").notNull().default(5),
    lastError: str("last_error"),
    /** at most one pending job per key (partial unique index below) */
    idempotencyKey: str("idempotency_key"),
    /** fencing token of the current claim: completion only counts while it still matches */
    lockToken: str("lock_token"),
    lockedBy: str("locked_by"),
    lockedUntil: ts("locked_until"),
    createdAt: ts("created_at").notNull(),
    /** when the current/last attempt started, and when the job died */
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
  },
  (t) => [
    index("jobs_claim_idx").on(t.state, t.queue, t.runAfter),
    uniqueIndex("jobs_pending_key_uniq").on(t.idempotencyKey).where(sql`state = 'pending'`),
  ],
);

/** One row per registered schedule: the last tick enqueued, so no tick runs twice across nodes. */
export const jobSchedules = table("job_schedules", {
  name: str("name").primaryKey(),
  lastTick: ts("last_tick"),
  lastJobId: int("last_job_id"),
  updatedAt: ts("updated_at"),
});
