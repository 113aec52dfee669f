// The backup is generic over the schema: every drizzle table exported by
// src/db/schema/pg/index.ts is dumped and restored, in foreign-key dependency order, so a
// table added on any branch is backed up without touching this code. Column metadata is
// read from the Postgres definition (the canonical one); the SQLite twin has the same
// export names and JS keys, so rows read from either dialect look the same.
import { is } from "drizzle-orm";
import { getTableConfig, PgTable, type PgColumn } from "drizzle-orm/pg-core";
import * as pgSchema from "../../db/schema/pg/index.ts";

/** How a column's JS value is written to the archive (JSON) and read back. */
export type ColumnCodec = "plain" | "timestamp" | "json";

export interface ColumnInfo {
  /** SQL column name (what the archive records) */
  name: string;
  /** drizzle JS key (what inserts and selects use) */
  key: string;
  codec: ColumnCodec;
  primary: boolean;
  /** an integer primary key whose sequence/identity must be reset after a restore */
  identity: boolean;
}

export interface TableInfo {
  /** the export name in schema/pg/index.ts (and in store.t) */
  exportName: string;
  /** SQL table name */
  name: string;
  columns: ColumnInfo[];
  /** keys of the primary-key columns, in order */
  primaryKey: string[];
  /** SQL names of the tables this one references (self-references excluded) */
  dependsOn: string[];
}

function codecOf(col: PgColumn): ColumnCodec {
  const t = col.columnType;
  if (t === "PgTimestamp" || t === "PgTimestampString" || t === "PgDate") return "timestamp";
  if (t === "PgJsonb" || t === "PgJson") return "json";
  return "plain";
}

export function describeTable(exportName: string, table: PgTable): TableInfo {
  const cfg = getTableConfig(table);
  const keyOf = new Map<string, string>();
  for (const [key, col] of Object.entries(table as unknown as Record<string, unknown>)) {
    if (col && typeof col === "object" && "columnType" in (col as object) && "name" in (col as object)) {
      keyOf.set((col as PgColumn).name, key);
    }
  }
  const composite = cfg.primaryKeys[0]?.columns.map((c) => c.name) ?? [];
  const columns: ColumnInfo[] = cfg.columns.map((c) => ({
    name: c.name,
    key: keyOf.get(c.name) ?? c.name,
    codec: codecOf(c),
    primary: c.primary || composite.includes(c.name),
    identity: c.primary && (c.columnType === "PgInteger" || c.columnType === "PgBigInt53" || c.columnType === "PgSerial"),
  }));
  const deps = new Set<string>();
  for (const fk of cfg.foreignKeys) {
    const target = getTableConfig(fk.reference().foreignTable).name;
    if (target !== cfg.name) deps.add(target);
  }
  return {
    exportName,
    name: cfg.name,
    columns,
    primaryKey: columns.filter((c) => c.primary).map((c) => c.key),
    dependsOn: [...deps],
  };
}

/**
 * Every table, parents before children (a topological sort on foreign keys; ties broken by
 * name so the order is stable). A cycle between different tables is a schema error we
 * refuse rather than restore half of.
 */
export function backupTables(schema: Record<string, unknown> = pgSchema): TableInfo[] {
  const all = Object.entries(schema)
    .filter(([, v]) => is(v, PgTable))
    .map(([k, v]) => describeTable(k, v as PgTable))
    .sort((a, b) => a.name.localeCompare(b.name));
  const byName = new Map(all.map((t) => [t.name, t]));
  const out: TableInfo[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (t: TableInfo, path: string[]) => {
    const s = state.get(t.name);
    if (s === "done") return;
    if (s === "visiting") throw new Error(`foreign-key cycle between tables: ${[...path, t.name].join(" → ")}`);
    state.set(t.name, "visiting");
    for (const d of t.dependsOn) {
      const dep = byName.get(d);
      if (dep) visit(dep, [...path, t.name]);
    }
    state.set(t.name, "done");
    out.push(t);
  };
  for (const t of all) visit(t, []);
  return out;
}

export function encodeValue(codec: ColumnCodec, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (codec === "timestamp") return v instanceof Date ? v.toISOString() : v;
  if (typeof v === "bigint") return Number(v);
  return v;
}

export function decodeValue(codec: ColumnCodec, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (codec === "timestamp") return new Date(v as string);
  return v;
}
