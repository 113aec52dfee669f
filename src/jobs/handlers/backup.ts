// Scheduled backups (ops area's runScheduledBackup) on HEARTH_BACKUP_SCHEDULE. The cron
// comes from the configuration, so this schedule is produced per config by
// configSchedules() rather than registered at import.
import { Cron } from "croner";
import type { Config } from "../../config/definition.ts";
import { ConfigError } from "../../config/load.ts";
import { runScheduledBackup } from "../../ops/backup/schedule.ts";
import { registerJobHandler, type ScheduleDef } from "../registry.ts";

export const BACKUP_QUEUE = "backup";

registerJobHandler(BACKUP_QUEUE, async (ctx) => {
  await runScheduledBackup(ctx.deps.store, ctx.deps.config, ctx.log);
}, { maxAttempts: 2, timeoutMs: 6 * 3_600_000, backoffBaseMs: 10 * 60_000, concurrency: 1 });

/** Schedules whose timing is a setting. Throws one clear line for a malformed cron. */
export function configSchedules(config: Pick<Config, "backupSchedule">): ScheduleDef[] {
  if (!config.backupSchedule) return [];
  try {
    new Cron(config.backupSchedule, { paused: true });
  } catch (e) {
    throw new ConfigError(`HEARTH_BACKUP_SCHEDULE: "${config.backupSchedule}" is not a cron expression (${(e as Error).message})`);
  }
  return [{ name: "backup", cron: config.backupSchedule, queue: BACKUP_QUEUE, payload: {}, maxAttempts: 2 }];
}
