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
  /**
   * `FOR NO KEY UPDATE` on Postgres (nothing on SQLite): a lock that serializes its takers
   * but, unlike FOR UPDATE, does not conflict with the KEY SHARE locks foreign keys take on
   * the parent row — so a transaction that inserted a child row first cannot deadlock with it.
   */
  forNoKeyUpdate(): SQL;
  /** Within a transaction: check foreign keys at COMMIT, not per row (bulk restore in any table order). */
  deferForeignKeys(db: Db): Promise<void>;
  /**
   * After rows were written with explicit ids: move the identity sequence of table.column
   * past its largest value (Postgres); SQLite's AUTOINCREMENT follows max(id) by itself.
   */
  resetIdentity(db: Db, table: string, column: string): Promise<void>;
  /** case-insensitive equality on a text expression */
  ilikeExact(column: SQL | unknown, value: string): SQL;
  /** the current instant as the dialect stores timestamps */
  now(): SQL;
  /**
   * Lock the rows a SELECT builder returns for the rest of the transaction, skipping rows
   * another transaction holds (Postgres `FOR UPDATE [SKIP LOCKED]`). On SQLite it returns
   * the builder unchanged: the transaction already holds the single writer lock.
   */
  lockRows<B>(select: B, opts?: { skipLocked?: boolean }): B;
  /**
   * Try to hold a session-level advisory lock on a dedicated connection (Postgres); the
   * lock is released when the holder releases it or its connection dies (a crashed node).
   * SQLite serves one process, which is always the holder.
   */
  tryHoldLock(store: unknown, key: number): Promise<HeldLock | null>;
  /**
   * Full-text condition on the messages table: topic + rendered text match `query`
   * (words ANDed, "quoted phrases", stemmed). Postgres tsvector/GIN; SQLite FTS5.
   */
  messageSearch(query: string): SQL;
}

export interface HeldLock {
  /** false once the dedicated connection is gone (the lock may already be someone else's) */
  alive(): Promise<boolean>;
  release(): Promise<void>;
}
