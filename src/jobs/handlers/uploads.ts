// Daily removal of uploads no message references, once their grace period
// (HEARTH_UNCLAIMED_UPLOAD_GRACE_DAYS) has passed. Each deletion is its own transaction
// that re-checks the links, so a second run (or another node) does no harm; the runner
// completes the job when the handler returns.
import { cleanupUnclaimedUploads } from "../../actions/attachments.ts";
import { registerJobHandler, registerSchedule } from "../registry.ts";

export const UPLOADS_CLEANUP_QUEUE = "uploads_cleanup";

registerJobHandler(UPLOADS_CLEANUP_QUEUE, async (ctx) => {
  const r = await cleanupUnclaimedUploads(ctx.deps);
  if (r.deleted || r.staleTempFiles) ctx.log.info("removed unreferenced uploads", { deleted: r.deleted, bytes: r.bytes, stale_temp_files: r.staleTempFiles });
});

registerSchedule({ name: "cleanup-unclaimed-uploads", cron: "41 4 * * *", queue: UPLOADS_CLEANUP_QUEUE, payload: {} });
