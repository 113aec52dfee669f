// Prepared statements for the hottest read paths (every authenticated request looks up its
// realm and its user). With postgres.js, drizzle's `.prepare()` roughly doubles throughput
// (PERFORMANCE.md §2e); on SQLite it skips re-parsing. Cached per store handle, so each
// dialect and each test database has its own.
import type { Q } from "./types.ts";

interface PreparedLike<R> {
  execute(values?: Record<string, unknown>): Promise<R> | R;
}

const caches = new WeakMap<object, Map<string, PreparedLike<unknown>>>();

/**
 * Returns the statement `name`, building it once per store with `build` (a drizzle query
 * using `sql.placeholder(...)`). Only for reads outside transactions (`q` is a store).
 */
export function prepared<R>(q: Q, name: string, build: (q: Q) => { prepare(name: string): unknown }): PreparedLike<R> {
  let cache = caches.get(q.db);
  if (!cache) {
    cache = new Map();
    caches.set(q.db, cache);
  }
  let stmt = cache.get(name) as PreparedLike<R> | undefined;
  if (!stmt) {
    stmt = build(q).prepare(`hearth_${name}`) as PreparedLike<R>;
    cache.set(name, stmt as PreparedLike<unknown>);
  }
  return stmt;
}
