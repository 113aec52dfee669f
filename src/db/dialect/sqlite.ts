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
  forNoKeyUpdate: () => sql``,
  async deferForeignKeys(db) {
    asSqlite(db).run(sql`PRAGMA defer_foreign_keys = ON`);
  },
  resetIdentity: async () => {},
  ilikeExact: (column, value) => sql`lower(${column}) = lower(${value})`,
  now: () => sql`(unixepoch('subsec') * 1000)`,
  lockRows: (select) => select,
  tryHoldLock: async () => ({ alive: async () => true, release: async () => {} }),
  messageSearch: (query) => sql`"messages"."id" IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ${fts5Query(query)})`,
};

/**
 * Zulip's search syntax → an FTS5 query: every word and every "quoted phrase" becomes an
 * FTS5 string (so user text can never be FTS5 syntax), ANDed. The porter tokenizer stems
 * both sides, as Postgres' english configuration does.
 */
export function fts5Query(text: string): string {
  const parts: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (const m of text.matchAll(re)) {
    const raw = (m[1] ?? m[2] ?? "").replace(/[^\p{L}\p{N}_\s]/gu, " ").trim();
    if (raw) parts.push(`"${raw}"`);
  }
  return parts.length ? parts.join(" AND ") : '""';
}
