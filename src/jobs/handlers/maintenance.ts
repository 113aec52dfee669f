// The queue's own housekeeping: dead jobs are kept for inspection and retry, then purged
// after HEARTH_JOB_DEAD_RETENTION_DAYS so the table does not grow without bound.
import { purgeDead } from "../../db/repo/jobs.ts";
import { registerJobHandler, registerSchedule } from "../registry.ts";

export const JOBS_MAINTENANCE_QUEUE = "jobs_maintenance";

registerJobHandler(JOBS_MAINTENANCE_QUEUE, async (ctx) => {
  const days = ctx.deps.config.jobDeadRetentionDays;
  const before = new Date(ctx.deps.now().getTime() - days * 86_400_000);
  const n = await ctx.complete((tx) => purgeDead(tx, { finishedBefore: before }));
  if (n) ctx.log.info("purged old dead jobs", { purged: n, older_than_days: days });
});

registerSchedule({ name: "purge-old-dead-jobs", cron: "17 3 * * *", queue: JOBS_MAINTENANCE_QUEUE, payload: {} });
