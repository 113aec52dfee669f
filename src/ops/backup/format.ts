// The archive format: a gzip'd tar whose first entry is manifest.json, then one JSONL file
// per table (data/<table>.jsonl: one JSON array per row, values in the manifest's column
// order; timestamps as ISO-8601 UTC, JSON columns as JSON), the uploads (uploads/…) and the
// configuration with its secrets (config/…). Nothing in it depends on the SQL dialect.
//
// FORMAT_VERSION changes when this layout changes. Restore refuses a newer version and
// upgrades an older one through UPGRADES, one step at a time. (Schema changes are a
// different axis: the manifest lists the source's migrations, and restore fills columns an
// older archive lacks with their defaults; see restore.ts.)
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const FORMAT_NAME = "hearth-backup";
/** 1: rows as JSON objects keyed by column name; 2: rows as arrays + column list (smaller, order-stable) */
export const FORMAT_VERSION = 2;

export interface TableEntry {
  name: string;
  columns: string[];
  rows: number;
  file: string;
  sha256: string;
  bytes: number;
}

export interface FileEntry {
  path: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT_NAME;
  format_version: number;
  created_at: string;
  hearth_version: string;
  source: { dialect: "pg" | "sqlite"; database: string };
  /** migration ids applied to the source database */
  migrations: string[];
  tables: TableEntry[];
  /** uploads/… and config/… entries */
  files: FileEntry[];
  /** seconds the database snapshot took */
  snapshot_seconds?: number;
}

export class ArchiveError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = "ArchiveError";
  }
}

/** Upgrades an extracted archive from version N to N+1 in place. */
type Upgrade = (dir: string, m: Manifest) => Manifest;

const UPGRADES: Record<number, Upgrade> = {
  // v1 wrote {"column": value} objects; v2 writes arrays in the manifest's column order.
  1(dir, m) {
    const tables = (m.tables as (Omit<TableEntry, "columns"> & { columns?: string[] })[]).map((t) => {
      const path = join(dir, t.file);
      const lines = readFileSync(path, "utf8").split("\n").filter((l) => l.length > 0);
      const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const columns = t.columns ?? [...new Set(objs.flatMap((o) => Object.keys(o)))];
      const text = objs.map((o) => JSON.stringify(columns.map((c) => (c in o ? o[c] : null)))).join("\n") + (objs.length ? "\n" : "");
      writeFileSync(path, text);
      const sha256 = new Bun.CryptoHasher("sha256").update(text).digest("hex");
      return { ...t, columns, sha256, bytes: Buffer.byteLength(text) };
    });
    return { ...m, tables, format_version: 2 };
  },
};

/** Checks the header and upgrades an older layout; throws ArchiveError on what it cannot read. */
export function readManifest(dir: string, log: (s: string) => void = () => {}): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  } catch {
    throw new ArchiveError("not a Hearth backup: manifest.json is missing or unreadable");
  }
  if (m.format !== FORMAT_NAME || typeof m.format_version !== "number") {
    throw new ArchiveError("not a Hearth backup: unknown manifest format");
  }
  if (m.format_version > FORMAT_VERSION) {
    throw new ArchiveError(
      `this archive has format version ${m.format_version}, newer than this Hearth binary reads (${FORMAT_VERSION}); restore it with the Hearth version that wrote it (${m.hearth_version}) or newer`,
    );
  }
  return m;
}

/** Applies UPGRADES after the checksums of the original files were verified. */
export function upgradeManifest(dir: string, m: Manifest, log: (s: string) => void = () => {}): Manifest {
  while (m.format_version < FORMAT_VERSION) {
    const up = UPGRADES[m.format_version];
    if (!up) throw new ArchiveError(`no upgrade from archive format version ${m.format_version}`);
    log(`upgrading archive format ${m.format_version} → ${m.format_version + 1}`);
    m = up(dir, m);
  }
  return m;
}
