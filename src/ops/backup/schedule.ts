// The scheduled backup: one archive into a directory, then the oldest beyond the retention
// count deleted. The scheduler (croner, built in the jobs area) calls runScheduledBackup on
// HEARTH_BACKUP_SCHEDULE; see docs/operations.md for how it is registered.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Store } from "../../db/types.ts";
import type { Config } from "../../config/definition.ts";
import { createBackup, defaultBackupName, type BackupResult } from "./backup.ts";
import { listBackups } from "./restore.ts";

export function backupDirOf(config: Config): string {
  return config.backupDir || join(config.dataDir, "backups");
}

export interface ScheduledBackupResult extends BackupResult {
  deleted: string[];
}

/**
 * Writes a new archive into `dir` and keeps the newest `retention` archives. Old ones are
 * deleted only after the new one is complete (renamed into place), so a failing backup
 * never costs the last good one.
 */
export async function backupToDirectory(
  store: Store, config: Config, dir: string, retention: number,
  opts: { now?: Date; progress?: (s: string) => void } = {},
): Promise<ScheduledBackupResult> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const result = await createBackup(store, config, join(dir, defaultBackupName(opts.now)), { progress: opts.progress });
  const deleted = listBackups(dir).slice(Math.max(1, retention));
  for (const p of deleted) rmSync(p, { force: true });
  return { ...result, deleted };
}

/** What the scheduler runs: the configured directory and retention. */
export function runScheduledBackup(store: Store, config: Config, log: { info(m: string, f?: Record<string, unknown>): void }) {
  return backupToDirectory(store, config, backupDirOf(config), config.backupRetention).then((r) => {
    log.info("scheduled backup written", { path: r.path, bytes: r.bytes, deleted: r.deleted.length });
    return r;
  });
}
