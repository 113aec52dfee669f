// The two schemas must describe the same tables: same JS types (checked by the compiler)
// and the same columns, keys, constraints and indexes (checked here at run time).
import { test, expect } from "bun:test";
import { getTableConfig as pgConfig, PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as sqliteConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { InferSelectModel, InferInsertModel } from "drizzle-orm";
import * as pg from "../../src/db/schema/pg/index.ts";
import * as sqlite from "../../src/db/schema/sqlite/index.ts";

// ---- compile-time parity: every table's row and insert types are identical ----------
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Tables<S> = { [K in keyof S as S[K] extends { $inferSelect: unknown } ? K : never]: S[K] };
type SelectOf<S> = { [K in keyof Tables<S>]: Tables<S>[K] extends infer T ? (T extends { _: any } ? InferSelectModel<T & any> : never) : never };
type InsertOf<S> = { [K in keyof Tables<S>]: Tables<S>[K] extends infer T ? (T extends { _: any } ? InferInsertModel<T & any> : never) : never };
const selectParity: Equal<SelectOf<typeof pg>, SelectOf<typeof sqlite>> = true;
const insertParity: Equal<InsertOf<typeof pg>, InsertOf<typeof sqlite>> = true;
const namesParity: Equal<keyof Tables<typeof pg>, keyof Tables<typeof sqlite>> = true;

function pgTables() {
  return Object.entries(pg).filter(([, v]) => v instanceof PgTable) as [string, PgTable][];
}
function sqliteTables() {
  return Object.entries(sqlite).filter(([, v]) => v instanceof SQLiteTable) as [string, SQLiteTable][];
}

// getTableConfig of either dialect has the same shape for what we compare.
type AnyConfig = ReturnType<typeof pgConfig> | ReturnType<typeof sqliteConfig>;
function describeTable(c: AnyConfig, nameOf: (table: any) => string) {
  return {
    name: c.name,
    columns: c.columns.map((col) => ({ name: col.name, notNull: col.notNull, primary: col.primary, hasDefault: col.hasDefault })).sort((a, b) => a.name.localeCompare(b.name)),
    primaryKeys: c.primaryKeys.map((pk) => pk.columns.map((x) => x.name).join(",")).sort(),
    uniques: c.uniqueConstraints.map((u) => u.columns.map((x) => x.name).join(",")).sort(),
    foreignKeys: (c.foreignKeys as any[])
      .map((fk) => {
        const r = fk.reference();
        return `${r.columns.map((x: any) => x.name).join(",")}->${nameOf(r.foreignTable)}(${r.foreignColumns.map((x: any) => x.name).join(",")}) ${fk.onDelete ?? "no action"}`;
      })
      .sort(),
    indexes: (c.indexes as any[]).map((i) => `${i.config.name}${i.config.unique ? " unique" : ""} (${i.config.columns.map((x: any) => x.name).join(",")})`).sort(),
  };
}
const describePg = (t: PgTable) => describeTable(pgConfig(t), (ft) => pgConfig(ft).name);
const describeSqlite = (t: SQLiteTable) => describeTable(sqliteConfig(t), (ft) => sqliteConfig(ft).name);

test("both schemas export the same tables (compile-time and run-time)", () => {
  expect(selectParity && insertParity && namesParity).toBe(true);
  expect(pgTables().map(([k]) => k).sort()).toEqual(sqliteTables().map(([k]) => k).sort());
  expect(pgTables().length).toBeGreaterThan(2);
});

test("every table has the same columns, keys, constraints and indexes in both dialects", () => {
  const sqliteByKey = new Map(sqliteTables());
  for (const [key, table] of pgTables()) {
    const other = sqliteByKey.get(key);
    expect(other, `table ${key} missing from the SQLite schema`).toBeDefined();
    expect({ key, ...describeSqlite(other!) }).toEqual({ key, ...describePg(table) });
  }
});

test("the parity check notices drift", () => {
  // A deliberately different description must not compare equal (guards the comparator itself).
  const [key, table] = pgTables()[0]!;
  const d = describePg(table);
  const drifted = { ...d, columns: d.columns.slice(1) };
  expect(drifted).not.toEqual(describeSqlite(new Map(sqliteTables()).get(key)!));
});
