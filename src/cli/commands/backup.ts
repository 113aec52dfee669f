import { resolve } from "node:path";
import type { Command } from "../commands.ts";
import { configFromArgs, openCliStore } from "../shared.ts";
import { ensureSecrets } from "../../config/load.ts";
import type { Config } from "../../config/definition.ts";
import { createBackup, defaultBackupName } from "../../ops/backup/backup.ts";
import { restoreBackup, verifyBackup } from "../../ops/backup/restore.ts";
import { ArchiveError } from "../../ops/backup/format.ts";
import { UsageError } from "../args.ts";
import { localUploadsDir } from "../../uploads/storage.ts";

const open = openCliStore;

async function archiveErrors<T>(io: Parameters<Command["run"]>[1], name: string, fn: () => Promise<T>): Promise<T | number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ArchiveError) {
      io.err(`hearth ${name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

export const backupCommand: Command = {
  name: "backup",
  usage: "backup [--output FILE]",
  summary: "Write a consistent backup (database, uploads, configuration and secrets) to one archive, while the server runs.",
  help: [
    "The archive is dialect-neutral: `hearth restore` loads it into an empty SQLite or PostgreSQL database.",
    "It contains the secret key: keep it as safe as the server itself (it is written with mode 0600).",
    "Default output: ./hearth-backup-<UTC timestamp>.tar.gz. Progress goes to stderr, the archive's path to stdout.",
  ].join("\n"),
  valueFlags: ["output"],
  maxPositional: 0,
  async run(args, io) {
    const config = ensureSecrets(configFromArgs(args));
    const output = resolve(typeof args.flags.output === "string" ? args.flags.output : defaultBackupName());
    const store = await open(config);
    try {
      return await archiveErrors(io, "backup", async () => {
        const r = await createBackup(store, config, output, { progress: (l) => io.err(l) });
        io.out(r.path);
        return 0;
      });
    } finally {
      await store.close();
    }
  },
};

export const backupVerifyCommand: Command = {
  name: "backup verify",
  usage: "backup verify FILE",
  summary: "Check an archive's checksums and restore it into a scratch database to prove it is usable.",
  maxPositional: 1,
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new UsageError("the archive to verify is required");
    return archiveErrors(io, "backup verify", async () => {
      const r = await verifyBackup(resolve(file), (l) => io.err(l));
      const rows = Object.values(r.counts).reduce((a, b) => a + b, 0);
      io.out(`OK: ${file} restores (${r.manifest.tables.length} tables, ${rows} rows, ${r.manifest.files.length} files; taken ${r.manifest.created_at} by Hearth ${r.manifest.hearth_version})`);
      return 0;
    });
  },
};

export const restoreCommand: Command = {
  name: "restore",
  usage: "restore FILE",
  summary: "Restore an archive into an empty database (SQLite or PostgreSQL, whichever the configuration selects).",
  help: [
    "The target database is migrated first and must hold no rows; the restore is one transaction.",
    "Uploads and secrets go to the data directory; the source's hearth.toml is written beside them as hearth.toml.restored.",
    "Moving from SQLite to PostgreSQL: `hearth backup`, then `DATABASE_URL=postgres://… hearth restore FILE` (docs/operations.md).",
  ].join("\n"),
  maxPositional: 1,
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new UsageError("the archive to restore is required");
    // Secrets come from the archive, so none are generated here.
    const config = configFromArgs(args);
    const store = await open(config);
    try {
      return await archiveErrors(io, "restore", async () => {
        const r = await restoreBackup(store, resolve(file), { progress: (l) => io.err(l), dataDir: config.dataDir, uploadsDir: localUploadsDir(config) });
        const rows = Object.values(r.counts).reduce((a, b) => a + b, 0);
        io.out(`restored ${rows} rows into ${store.description}`);
        return 0;
      });
    } finally {
      await store.close();
    }
  },
};
