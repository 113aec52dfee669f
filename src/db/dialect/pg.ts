import { sql, type SQL } from "drizzle-orm";
import type postgres from "postgres";
import type { Dialect, HeldLock } from "./types.ts";
import type { Db } from "../types.ts";

export const pgDialect: Dialect = {
  name: "pg",
  async all<T>(db: Db, query: SQL): Promise<T[]> {
    const r = await db.execute(query);
    return r as unknown as T[];
  },
  async run(db: Db, query: SQL) {
    await db.execute(query);
  },
  forUpdate: () => sql` FOR UPDATE`,
  forNoKeyUpdate: () => sql` FOR NO KEY UPDATE`,
  // Our foreign keys are not DEFERRABLE; restore inserts parents before children instead.
  deferForeignKeys: async () => {},
  async resetIdentity(db, table, column) {
    const t = sql.identifier(table);
    const c = sql.identifier(column);
    const qualified = `"${table.replace(/"/g, '""')}"`;
    await db.execute(
      sql`SELECT setval(pg_get_serial_sequence(${qualified}, ${column}), coalesce(max(${c}), 1), max(${c}) IS NOT NULL) FROM ${t} WHERE pg_get_serial_sequence(${qualified}, ${column}) IS NOT NULL`,
    );
  },
  ilikeExact: (column, value) => sql`lower(${column}) = lower(${value})`,
  now: () => sql`now()`,
  lockRows: (select, opts) =>
    (select as unknown as { for(s: "update", o?: { skipLocked?: boolean }): unknown }).for(
      "update",
      opts?.skipLocked ? { skipLocked: true } : undefined,
    ) as typeof select,
  async tryHoldLock(store, key): Promise<HeldLock | null> {
    const client = pgClient(store);
    const conn = await client.reserve();
    let pid = 0;
    try {
      const [row] = await conn`select pg_try_advisory_lock(${key}) as ok, pg_backend_pid() as pid`;
      if (row?.ok === true) pid = Number(row.pid);
    } finally {
      if (!pid) conn.release();
    }
    if (!pid) return null;
    let released = false;
    // Liveness is asked of the pool, not of the held connection: a query on a reserved
    // connection whose backend was killed can fail inside postgres.js instead of rejecting.
    const holds = async () => {
      const r = await client`select 1 from pg_locks where locktype = 'advisory' and objid = ${key} and pid = ${pid} and granted`;
      return r.length === 1;
    };
    return {
      async alive() {
        if (released) return false;
        try {
          return await holds();
        } catch {
          return false;
        }
      },
      async release() {
        if (released) return;
        released = true;
        try {
          if (await holds().catch(() => false)) await conn`select pg_advisory_unlock(${key})`;
        } catch {
          // the connection may already be gone; releasing it below is all that is left
        } finally {
          // Return the reserved connection whether or not the lock was still ours, or a
          // leader that lost its lock would keep a pool slot forever.
          conn.release();
        }
      },
    };
  },
  // websearch_to_tsquery: words are ANDed, "quoted text" is a phrase, never a syntax error.
  messageSearch: (query) => sql`"messages"."search_tsv" @@ websearch_to_tsquery('english', ${query})`,
};

/** The postgres.js client behind a Postgres store (db/client.ts exposes it as `sql`). */
function pgClient(store: unknown): postgres.Sql {
  const client = (store as { sql?: postgres.Sql }).sql;
  if (!client) throw new Error("not a PostgreSQL store");
  return client;
}
