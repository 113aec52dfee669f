// `hearth restore FILE` and `hearth backup verify FILE`: load an archive (format.ts) into
// an empty, migrated database of either dialect, in one transaction, in foreign-key order,
// then reset the Postgres identity sequences so new rows continue after the restored ids.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, createReadStream } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { count, sql } from "drizzle-orm";
import type { Store } from "../../db/types.ts";
import { knownMigrations, migrate } from "../../db/migrate.ts";
import { openStore } from "../../db/client.ts";
import { backupTables, decodeValue, type TableInfo } from "./tables.ts";
import { extractTar } from "./tar.ts";
import { ArchiveError, readManifest, upgradeManifest, type Manifest } from "./format.ts";

export interface RestoreOptions {
  progress?: (line: string) => void;
  /** where uploads and secrets go; null restores the database only (verify does) */
  dataDir?: string | null;
  /** where the archive's uploads/ go (HEARTH_LOCAL_UPLOADS_DIR); default <dataDir>/uploads */
  uploadsDir?: string;
  tables?: TableInfo[];
}

export interface Extracted {
  dir: string;
  manifest: Manifest;
  cleanup(): void;
}

async function sha256Of(path: string): Promise<string> {
  const h = new Bun.CryptoHasher("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Unpacks an archive to a scratch directory, checks every checksum, upgrades an older format. */
export async function openArchive(path: string, progress: (s: string) => void = () => {}): Promise<Extracted> {
  if (!existsSync(path)) throw new ArchiveError(`${path}: no such file`);
  const dir = mkdtempSync(join(tmpdir(), "hearth-restore-"));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    try {
      await extractTar(path, dir);
    } catch (e) {
      throw new ArchiveError(`${path}: not a readable archive (${(e as Error).message})`);
    }
    let manifest = readManifest(dir);
    const problems: string[] = [];
    for (const t of manifest.tables) {
      const p = join(dir, t.file);
      if (!existsSync(p)) problems.push(`${t.file}: missing`);
      else if ((await sha256Of(p)) !== t.sha256) problems.push(`${t.file}: checksum mismatch`);
    }
    for (const f of manifest.files) {
      const p = join(dir, f.path);
      if (!existsSync(p)) problems.push(`${f.path}: missing`);
      else if ((await sha256Of(p)) !== f.sha256) problems.push(`${f.path}: checksum mismatch`);
    }
    if (problems.length) throw new ArchiveError(`archive is damaged: ${problems.slice(0, 10).join("; ")}${problems.length > 10 ? ` (+${problems.length - 10} more)` : ""}`);
    progress(`checksums ok: ${manifest.tables.length} tables, ${manifest.files.length} files`);
    manifest = upgradeManifest(dir, manifest, progress);
    return { dir, manifest, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

async function* rowsOf(path: string): AsyncGenerator<unknown[]> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) if (line.length) yield JSON.parse(line) as unknown[];
}

/** Loads an opened archive's rows into `store`, which must be migrated and empty. */
export async function loadArchive(store: Store, ex: Extracted, opts: RestoreOptions = {}): Promise<Record<string, number>> {
  const progress = opts.progress ?? (() => {});
  const { manifest, dir } = ex;
  const known = new Set([...knownMigrations("pg"), ...knownMigrations("sqlite")].map((m) => m.id));
  const newer = manifest.migrations.filter((id) => !known.has(id));
  if (newer.length) {
    throw new ArchiveError(`the archive comes from a newer database schema (migrations ${newer.join(", ")} are unknown to this binary); restore it with Hearth ${manifest.hearth_version} or newer`);
  }
  const tables = opts.tables ?? backupTables();
  const byName = new Map(tables.map((t) => [t.name, t]));
  const unknownTables = manifest.tables.filter((t) => !byName.has(t.name)).map((t) => t.name);
  if (unknownTables.length) throw new ArchiveError(`the archive has tables this binary does not know: ${unknownTables.join(", ")}`);

  for (const t of tables) {
    const [{ n }] = (await store.db.select({ n: count() }).from((store.t as any)[t.exportName])) as { n: number }[];
    if (Number(n) > 0) throw new ArchiveError(`the target database is not empty (${t.name} has ${n} rows); restore into a new, empty database`);
  }

  const counts: Record<string, number> = {};
  await store.withTx(async (tx) => {
    await tx.dialect.deferForeignKeys(tx.db);
    for (const t of tables) {
      const entry = manifest.tables.find((e) => e.name === t.name);
      if (!entry) {
        // An older archive, taken before this table existed: it stays empty.
        progress(`${t.name}: not in the archive (older schema), left empty`);
        counts[t.name] = 0;
        continue;
      }
      const cols = entry.columns.map((name) => {
        const c = t.columns.find((x) => x.name === name);
        if (!c) throw new ArchiveError(`the archive's ${t.name}.${name} column is unknown to this binary (a newer schema)`);
        return c;
      });
      const table = (tx.t as any)[t.exportName];
      // Both drivers cap bound parameters per statement (SQLite 32766, Postgres 65535).
      const batchSize = Math.max(1, Math.floor(30000 / Math.max(1, cols.length)));
      let batch: Record<string, unknown>[] = [];
      let n = 0;
      const flush = async () => {
        if (!batch.length) return;
        await tx.db.insert(table).values(batch as never);
        n += batch.length;
        batch = [];
      };
      for await (const row of rowsOf(join(dir, entry.file))) {
        const obj: Record<string, unknown> = {};
        cols.forEach((c, i) => (obj[c.key] = decodeValue(c.codec, row[i])));
        batch.push(obj);
        if (batch.length >= batchSize) {
          await flush();
          if (n % (batchSize * 10) === 0) progress(`  ${t.name}: ${n} rows…`);
        }
      }
      await flush();
      if (n !== entry.rows) throw new ArchiveError(`${t.name}: the archive holds ${n} rows, its manifest says ${entry.rows}`);
      counts[t.name] = n;
      progress(`${t.name}: ${n} rows`);
    }
    // Identity columns keep their own sequence; explicit ids do not advance it.
    for (const t of tables) for (const c of t.columns.filter((c) => c.identity)) await tx.dialect.resetIdentity(tx.db, t.name, c.name);
  });
  return counts;
}

function restoreFiles(ex: Extracted, dataDir: string, uploadsDir: string, progress: (s: string) => void) {
  const uploads = ex.manifest.files.filter((f) => f.path.startsWith("uploads/"));
  for (const f of uploads) {
    const target = join(uploadsDir, f.path.slice("uploads/".length));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(ex.dir, f.path), target);
  }
  if (uploads.length) progress(`uploads: ${uploads.length} files restored to ${uploadsDir}`);
  const secrets = ex.manifest.files.find((f) => f.path === "config/secrets.json");
  if (secrets) {
    // The archive's secret key keeps sessions and signed URLs valid; a different key
    // already here is kept aside rather than lost.
    const target = join(dataDir, "secrets.json");
    const text = readFileSync(join(ex.dir, secrets.path), "utf8");
    mkdirSync(dataDir, { recursive: true });
    if (existsSync(target) && readFileSync(target, "utf8") !== text) {
      const aside = `${target}.before-restore-${Date.now()}`;
      renameSync(target, aside);
      progress(`kept the previous secrets as ${aside}`);
    }
    writeFileSync(target, text, { mode: 0o600 });
    progress(`secrets restored to ${target} (if HEARTH_SECRET_KEY is set in the environment it still wins)`);
  }
  const toml = ex.manifest.files.find((f) => f.path === "config/hearth.toml");
  if (toml) {
    const target = join(dataDir, "hearth.toml.restored");
    copyFileSync(join(ex.dir, toml.path), target);
    progress(`the source's hearth.toml is in ${target}; review it and move it into place`);
  }
}

/** Restores an archive into `store` (migrated here) and, when given, the uploads and secrets into dataDir. */
export async function restoreBackup(store: Store, archive: string, opts: RestoreOptions = {}): Promise<{ manifest: Manifest; counts: Record<string, number> }> {
  const progress = opts.progress ?? (() => {});
  const ex = await openArchive(archive, progress);
  try {
    progress(`archive from Hearth ${ex.manifest.hearth_version} (${ex.manifest.source.dialect}), taken ${ex.manifest.created_at}`);
    await migrate(store, progress);
    const counts = await loadArchive(store, ex, opts);
    if (opts.dataDir) restoreFiles(ex, opts.dataDir, opts.uploadsDir ?? join(opts.dataDir, "uploads"), progress);
    return { manifest: ex.manifest, counts };
  } finally {
    ex.cleanup();
  }
}

/**
 * The disaster-recovery drill: checksums, then a full restore into a scratch SQLite
 * database (whatever the source dialect), then the row counts compared with the manifest.
 */
export async function verifyBackup(archive: string, progress: (s: string) => void = () => {}): Promise<{ manifest: Manifest; counts: Record<string, number> }> {
  const scratch = mkdtempSync(join(tmpdir(), "hearth-verify-"));
  try {
    const store = await openStore({ url: "", dataDir: scratch });
    try {
      const r = await restoreBackup(store, archive, { progress, dataDir: null });
      for (const t of r.manifest.tables) {
        if (r.counts[t.name] !== t.rows) throw new ArchiveError(`${t.name}: restored ${r.counts[t.name]} rows, manifest says ${t.rows}`);
      }
      return r;
    } finally {
      await store.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Lists the backups in a directory, newest first (by the timestamp in the name, then mtime). */
export function listBackups(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => /^hearth-backup-.*\.tar\.gz$/.test(n))
    .sort()
    .reverse()
    .map((n) => join(dir, n));
}
