import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type * as pgSchema from "./schema/pg/index.ts";
import type { Dialect } from "./dialect/types.ts";

/** The tables, typed once as the PostgreSQL schema (the canonical type; see STYLE.md §2.2). */
export type Tables = typeof pgSchema;
/**
 * The query handle repositories use. On SQLite it is a bun:sqlite drizzle database whose
 * builders have the same shape; repositories use only the portable subset (select, insert,
 * update, delete, returning, onConflict*, joins, portable sql``), and anything else goes
 * through `dialect`.
 */
export type Db = PostgresJsDatabase<Tables>;

export type DialectName = "pg" | "sqlite";

/** What a repository function receives: a store (reads) or a transaction (reads + writes). */
export interface Q {
  readonly db: Db;
  readonly t: Tables;
  readonly dialect: Dialect;
  readonly kind: DialectName;
}

export interface Tx extends Q {
  /** Runs after COMMIT succeeds; never after ROLLBACK. Errors in callbacks are logged, not thrown. */
  afterCommit(cb: () => void | Promise<void>): void;
  readonly inTransaction: true;
}

export interface Store extends Q {
  /**
   * Runs fn in one transaction, identical on both dialects: commit when fn resolves,
   * roll back when it throws (also after an await), then run afterCommit callbacks.
   * Nested calls in the same async context join the outer transaction.
   */
  withTx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** a human description without credentials, e.g. "sqlite ./data/hearth.db" */
  readonly description: string;
  ping(): Promise<void>;
  /**
   * Runs fn over one consistent, read-only snapshot of the whole database while writers go
   * on: a REPEATABLE READ transaction on Postgres, a VACUUM INTO copy in `scratchDir` on
   * SQLite (never a copy of the live file). For backups.
   */
  readSnapshot<T>(scratchDir: string, fn: (db: Db, t: Tables) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** cross-process notifications (Postgres LISTEN/NOTIFY); absent on SQLite, which serves one process */
  readonly pubsub?: PubSub;
}

export interface PubSub {
  /** Subscribes on a dedicated connection; onListen runs on every (re)connect (a gap may have lost messages). */
  listen(channel: string, onMessage: (payload: string) => void, onListen?: () => void): Promise<() => Promise<void>>;
  /** Sends outside any transaction (never inside a hot write transaction: NOTIFY serializes commits). */
  notify(channel: string, payload: string): Promise<void>;
}
