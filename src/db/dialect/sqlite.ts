import { sql, type SQL } from "drizzle-orm";
import type { Dialect } from "./types.ts";
import type { Db } from "../types.ts";
import type { BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";

const asSqlite = (db: Db) => db as unknown as BunSQLiteDatabase;

export const sqliteDialect: Dialect = {
  name: "sqlite",
  async all<T>(db: Db, query: SQL): Promise<T[]> {
    return asSqlite(db).all(query) as T[];
  },
  async run(db: Db, query: SQL) {
    asSqlite(db).run(query);
  },
  // SQLite has no row locks; every write transaction holds the single writer lock (BEGIN IMMEDIATE).
  forUpdate: () => sql``,
  ilikeExact: (column, value) => sql`lower(${column}) = lower(${value})`,
  now: () => sql`(unixepoch('subsec') * 1000)`,
  lockRows: (select) => select,
  tryHoldLock: async () => ({ alive: async () => true, release: async () => {} }),
};
