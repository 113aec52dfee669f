// Periodic housekeeping of the users and messages areas (docs/jobs.md "Periodic tasks"):
// each schedule enqueues one job per tick on the leader; the work is in src/actions/retention.ts.
import { applyMessageRetention, purgeExpiredInvitations, purgeExpiredSessions } from "../../actions/retention.ts";
import { registerJobHandler, registerSchedule } from "../registry.ts";

export const SESSIONS_CLEANUP_QUEUE = "sessions_cleanup";
export const INVITATIONS_CLEANUP_QUEUE = "invitations_cleanup";
export const MESSAGE_RETENTION_QUEUE = "message_retention";

registerJobHandler(SESSIONS_CLEANUP_QUEUE, (ctx) => purgeExpiredSessions(ctx.deps), { maxAttempts: 3 });
registerJobHandler(INVITATIONS_CLEANUP_QUEUE, (ctx) => purgeExpiredInvitations(ctx.deps), { maxAttempts: 3 });
registerJobHandler(
  MESSAGE_RETENTION_QUEUE,
  async (ctx) => {
    // Idempotent batches (a message deleted twice is deleted once), so a retried or
    // interrupted run simply continues where the last one stopped.
    const n = await applyMessageRetention(ctx.deps, { shouldStop: () => ctx.signal.aborted });
    if (n) ctx.log.info("message retention: deleted expired messages", { deleted: n });
  },
  { maxAttempts: 3, timeoutMs: 30 * 60_000, concurrency: 1 },
);

registerSchedule({ name: "expired-sessions", cron: "*/15 * * * *", queue: SESSIONS_CLEANUP_QUEUE, payload: {} });
registerSchedule({ name: "expired-invitations", cron: "41 * * * *", queue: INVITATIONS_CLEANUP_QUEUE, payload: {} });
registerSchedule({ name: "message-retention", cron: "23 2 * * *", queue: MESSAGE_RETENTION_QUEUE, payload: {} });
