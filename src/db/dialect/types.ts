import type { SQL } from "drizzle-orm";
import type { Db } from "../types.ts";

/**
 * Everything that is not portable drizzle lives here, next to the SQL it changes.
 * Repositories call these instead of branching on the dialect themselves.
 */
export interface Dialect {
  readonly name: "pg" | "sqlite";
  /** run a statement, return its rows (objects keyed by column name) */
  all<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]>;
  /** run a statement for its effect */
  run(db: Db, query: SQL): Promise<void>;
  /** `FOR UPDATE` on Postgres; nothing on SQLite, where the writer lock already serializes */
  forUpdate(): SQL;
  /** case-insensitive equality on a text expression */
  ilikeExact(column: SQL | unknown, value: string): SQL;
  /** the current instant as the dialect stores timestamps */
  now(): SQL;
  /**
   * Full-text condition on the messages table: topic + rendered text match `query`
   * (words ANDed, "quoted phrases", stemmed). Postgres tsvector/GIN; SQLite FTS5.
   */
  messageSearch(query: string): SQL;
}
