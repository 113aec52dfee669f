// `hearth backup`: a consistent, dialect-neutral snapshot of the database plus the local
// uploads and the configuration with its secrets, in one archive (format.ts).
//
// Consistency without blocking writers: on SQLite the live file is never copied; VACUUM
// INTO writes a snapshot from one read transaction (WAL readers never block the writer),
// and the dump reads that snapshot. On PostgreSQL the whole dump runs in one REPEATABLE
// READ, READ ONLY transaction, so every table is read as of the same instant.
import { localUploadsDir } from "../../uploads/storage.ts";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join, relative } from "node:path";
import { tmpdir } from "node:os";
import { asc, gt, sql, type SQL } from "drizzle-orm";
import type { Db, Store } from "../../db/types.ts";
import { migrationStatus } from "../../db/migrate.ts";
import type { Config } from "../../config/definition.ts";
import { HEARTH_VERSION } from "../../lib/version.ts";
import { backupTables, encodeValue, type TableInfo } from "./tables.ts";
import { TarWriter } from "./tar.ts";
import { ArchiveError, FORMAT_NAME, FORMAT_VERSION, type FileEntry, type Manifest, type TableEntry } from "./format.ts";

const PAGE = 2000;

export interface BackupOptions {
  /** progress lines for a human ("users: 1200 rows") */
  progress?: (line: string) => void;
  /** include <data_dir>/uploads (default true) */
  uploads?: boolean;
  /** schema to back up; tests pass a reduced one. Default: every table of schema/pg */
  tables?: TableInfo[];
  /** called after the snapshot is taken and before it is read (tests inject writes here) */
  afterSnapshot?: () => Promise<void>;
}

export interface BackupResult {
  path: string;
  manifest: Manifest;
  bytes: number;
}

type TableReader = (t: TableInfo, onRows: (rows: Record<string, unknown>[]) => void) => Promise<void>;

async function readPaged(db: Db, table: any, t: TableInfo, onRows: (rows: Record<string, unknown>[]) => void) {
  const pk = t.primaryKey;
  if (pk.length === 1) {
    // Keyset pagination: constant cost per page, whatever the table size.
    let last: unknown = undefined;
    for (;;) {
      const col = table[pk[0]!];
      const q = db.select().from(table);
      const rows = (await (last === undefined ? q : q.where(gt(col, last as never))).orderBy(asc(col)).limit(PAGE)) as Record<string, unknown>[];
      if (rows.length === 0) return;
      onRows(rows);
      last = rows[rows.length - 1]![pk[0]!];
      if (rows.length < PAGE) return;
    }
  }
  const order: SQL[] = (pk.length ? pk : t.columns.map((c) => c.key)).map((k) => asc(table[k]));
  for (let offset = 0; ; offset += PAGE) {
    const rows = (await db.select().from(table).orderBy(...order).limit(PAGE).offset(offset)) as Record<string, unknown>[];
    if (rows.length) onRows(rows);
    if (rows.length < PAGE) return;
  }
}

/** Runs `fn` with a reader over one consistent snapshot of the store (see Store.readSnapshot). */
function withSnapshot<T>(store: Store, scratch: string, fn: (read: TableReader) => Promise<T>): Promise<T> {
  return store.readSnapshot(scratch, (db, t) => fn((info, onRows) => readPaged(db, (t as any)[info.exportName], info, onRows)));
}

function sha256File(path: string): string {
  const h = new Bun.CryptoHasher("sha256");
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest("hex");
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/** The secrets a restored server needs: the effective secret key plus whatever secrets.json holds. */
function secretsOf(config: Config): Record<string, unknown> {
  const path = join(config.dataDir, "secrets.json");
  let stored: Record<string, unknown> = {};
  if (existsSync(path)) {
    try {
      stored = JSON.parse(readFileSync(path, "utf8"));
    } catch {}
  }
  return { ...stored, ...(config.secretKey ? { secret_key: config.secretKey } : {}) };
}

export function defaultBackupName(now = new Date()): string {
  return `hearth-backup-${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}.tar.gz`;
}

export async function createBackup(store: Store, config: Config, output: string, opts: BackupOptions = {}): Promise<BackupResult> {
  const progress = opts.progress ?? (() => {});
  const status = await migrationStatus(store);
  if (status.unknown.length) throw new ArchiveError(`the database has migrations this binary does not know (${status.unknown.join(", ")}); back it up with the newer Hearth`);
  if (status.pending.length) throw new ArchiveError(`the database has ${status.pending.length} pending migration(s); run \`hearth migrate\` (or start the server) first`);
  const tables = opts.tables ?? backupTables();
  const scratch = mkdtempSync(join(tmpdir(), "hearth-backup-"));
  const partial = `${output}.partial`;
  try {
    const entries: TableEntry[] = [];
    const started = performance.now();
    await withSnapshot(store, scratch, async (read) => {
      await opts.afterSnapshot?.();
      for (const t of tables) {
        const file = `data/${t.name}.jsonl`;
        mkdirSync(join(scratch, "data"), { recursive: true });
        const path = join(scratch, file);
        const fd = openSync(path, "w", 0o600);
        const hash = new Bun.CryptoHasher("sha256");
        let rows = 0;
        let bytes = 0;
        try {
          await read(t, (page) => {
            let chunk = "";
            for (const r of page) chunk += JSON.stringify(t.columns.map((c) => encodeValue(c.codec, r[c.key]))) + "\n";
            const buf = Buffer.from(chunk);
            writeSync(fd, buf);
            hash.update(buf);
            rows += page.length;
            bytes += buf.length;
            if (rows % (PAGE * 10) === 0) progress(`  ${t.name}: ${rows} rows…`);
          });
        } finally {
          closeSync(fd);
        }
        entries.push({ name: t.name, columns: t.columns.map((c) => c.name), rows, file, sha256: hash.digest("hex"), bytes });
        progress(`${t.name}: ${rows} rows`);
      }
    });
    const snapshotSeconds = (performance.now() - started) / 1000;

    const files: (FileEntry & { src: string })[] = [];
    // The configured uploads directory (HEARTH_LOCAL_UPLOADS_DIR), without bodies still
    // being received (.incoming): they belong to no upload yet.
    const uploads = localUploadsDir(config);
    if (opts.uploads !== false && existsSync(uploads)) {
      const list = walk(uploads).filter((p) => !relative(uploads, p).split(/[\\/]/).includes(".incoming"));
      for (const p of list) {
        const rel = relative(uploads, p).split("\\").join("/");
        files.push({ path: `uploads/${rel}`, bytes: statSync(p).size, sha256: sha256File(p), src: p });
      }
      progress(`uploads: ${list.length} files`);
    }
    const secretsPath = join(scratch, "secrets.json");
    writeFileSync(secretsPath, JSON.stringify(secretsOf(config), null, 2) + "\n", { mode: 0o600 });
    files.push({ path: "config/secrets.json", bytes: statSync(secretsPath).size, sha256: sha256File(secretsPath), src: secretsPath });
    if (config.configFile && existsSync(config.configFile)) {
      files.push({ path: "config/hearth.toml", bytes: statSync(config.configFile).size, sha256: sha256File(config.configFile), src: config.configFile });
    }

    const manifest: Manifest = {
      format: FORMAT_NAME,
      format_version: FORMAT_VERSION,
      created_at: new Date().toISOString(),
      hearth_version: HEARTH_VERSION,
      source: { dialect: store.kind, database: store.description },
      migrations: status.applied.map((a) => a.id),
      tables: entries,
      files: files.map(({ src: _s, ...f }) => f),
      snapshot_seconds: Math.round(snapshotSeconds * 1000) / 1000,
    };
    const tar = new TarWriter(partial);
    await tar.addBuffer("manifest.json", Buffer.from(JSON.stringify(manifest, null, 2) + "\n"));
    for (const e of entries) await tar.addFile(e.file, join(scratch, e.file), e.bytes);
    for (const f of files) await tar.addFile(f.path, f.src, f.bytes);
    await tar.finish();
    // Written under a temporary name and renamed, so a crash never leaves a truncated
    // archive that looks complete (the scheduled backup's retention relies on this).
    renameSync(partial, output);
    const bytes = statSync(output).size;
    progress(`wrote ${output} (${bytes} bytes, ${entries.reduce((n, e) => n + e.rows, 0)} rows, ${files.length} files)`);
    return { path: output, manifest, bytes };
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
