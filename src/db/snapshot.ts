// Register/snapshot atomicity (ZULIP-API.md §4.3): POST /register must return a snapshot and
// a queue such that every change committed after the snapshot arrives as an event, and no
// change already in the snapshot arrives again. Events are published after COMMIT, so an
// event can reach a new queue after its change was already read into the snapshot. Each
// event-emitting transaction therefore carries a "commit mark", and a snapshot knows which
// marks it can see; the queue skips events whose mark the snapshot saw.
//
// PostgreSQL: the mark is the transaction id (pg_current_xact_id) and the snapshot is a
// REPEATABLE READ transaction whose pg_current_snapshot() decides visibility exactly as
// Postgres does — across nodes too, since all nodes share the database.
// SQLite: one process, one writer. The mark is a per-store counter taken inside the
// writer lock, and the snapshot is read while holding the writer lock, so every mark up
// to the counter's value at that moment is visible and no later one is.
import { sql } from "drizzle-orm";
import type { Q, Store, Tx } from "./types.ts";

export type Visibility = (mark: number) => boolean;

const sqliteSeq = new WeakMap<object, { n: number }>();
function seqFor(store: object) {
  let s = sqliteSeq.get(store);
  if (!s) sqliteSeq.set(store, (s = { n: 0 }));
  return s;
}

/** The commit mark of the running write transaction. Call inside the transaction. */
export async function commitMark(store: Store, tx: Tx): Promise<number> {
  if (store.kind === "pg") {
    const rows = await tx.dialect.all<{ x: string }>(tx.db, sql`select pg_current_xact_id()::text as x`);
    return Number(rows[0]!.x);
  }
  return ++seqFor(store).n;
}

/** Parses pg_snapshot text "xmin:xmax:xip1,xip2" into a visibility test. */
export function pgVisibility(text: string): Visibility {
  const [xmin, xmax, list] = text.split(":");
  const lo = Number(xmin), hi = Number(xmax);
  const inProgress = new Set((list ?? "").split(",").filter(Boolean).map(Number));
  return (xid) => xid < lo || (xid < hi && !inProgress.has(xid));
}

/**
 * Runs fn against one consistent view of the database and says which commit marks that
 * view includes. fn must read through the Q it is given.
 */
export async function readSnapshot<T>(store: Store, fn: (q: Q) => Promise<T>): Promise<{ result: T; visible: Visibility }> {
  if (store.kind === "pg") {
    let visible!: Visibility;
    const result = await store.db.transaction(
      async (txDb) => {
        const q: Q = { db: txDb as unknown as Q["db"], t: store.t, dialect: store.dialect, kind: store.kind };
        const rows = await store.dialect.all<{ s: string }>(q.db, sql`select pg_current_snapshot()::text as s`);
        visible = pgVisibility(rows[0]!.s);
        return fn(q);
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
    return { result, visible };
  }
  let upTo = 0;
  const result = await store.withTx(async (tx) => {
    upTo = seqFor(store).n;
    return fn(tx);
  });
  return { result, visible: (mark) => mark <= upTo };
}
