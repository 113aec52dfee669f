import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import type postgres from "postgres";
import type { Database } from "bun:sqlite";
import { pgMigrations, sqliteMigrations, type EmbeddedMigration } from "./migrations.gen.ts";
import type { Store } from "./types.ts";

/** The migrations this binary carries, in order. */
export function knownMigrations(kind: Store["kind"]): EmbeddedMigration[] {
  return kind === "pg" ? pgMigrations : sqliteMigrations;
}

const TABLE = "hearth_migrations";
// Any constant works; it only has to be the same in every Hearth process.
const PG_LOCK_KEY = 7_243_178_101;

export interface MigrationStatus {
  applied: { id: string; appliedAt: Date }[];
  pending: string[];
  /** applied in the database but unknown to this binary: the database is newer */
  unknown: string[];
}

export class SchemaTooNewError extends Error {
  constructor(unknown: string[]) {
    super(
      `the database schema is newer than this Hearth binary (unknown migrations: ${unknown.join(", ")}). ` +
        "Run the newer version, or restore a backup taken with this one; refusing to start rather than corrupt data.",
    );
    this.name = "SchemaTooNewError";
  }
}

function checksum(m: EmbeddedMigration) {
  return createHash("sha256").update(m.sql).digest("hex").slice(0, 16);
}

function statements(text: string): string[] {
  return text
    .split("--> statement-breakpoint")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

async function appliedRows(store: Store): Promise<{ id: string; applied_at: number }[]> {
  const rows = await store.dialect.all<{ id: string; applied_at: number | string }>(
    store.db,
    sql.raw(`SELECT id, applied_at FROM ${TABLE} ORDER BY applied_at, id`),
  );
  return rows.map((r) => ({ id: r.id, applied_at: Number(r.applied_at) }));
}

export async function migrationStatus(store: Store): Promise<MigrationStatus> {
  const known = knownMigrations(store.kind);
  let rows: { id: string; applied_at: number }[] = [];
  try {
    rows = await appliedRows(store);
  } catch {
    rows = []; // no table yet: nothing applied
  }
  const appliedIds = new Set(rows.map((r) => r.id));
  const knownIds = new Set(known.map((m) => m.id));
  return {
    applied: rows.map((r) => ({ id: r.id, appliedAt: new Date(r.applied_at) })),
    pending: known.filter((m) => !appliedIds.has(m.id)).map((m) => m.id),
    unknown: rows.filter((r) => !knownIds.has(r.id)).map((r) => r.id),
  };
}

/**
 * Applies pending migrations, each in its own transaction, under a lock so that several
 * nodes starting together migrate once: a Postgres advisory lock, or SQLite's writer lock
 * (BEGIN IMMEDIATE). Refuses to run against a database migrated by a newer binary.
 */
export async function migrate(store: Store, log: (msg: string) => void = () => {}): Promise<string[]> {
  const known = knownMigrations(store.kind);
  const done: string[] = [];
  if (store.kind === "pg") {
    const client = (store as Store & { sql: postgres.Sql }).sql;
    const conn = await client.reserve();
    try {
      await conn`SELECT pg_advisory_lock(${PG_LOCK_KEY})`;
      await conn.unsafe(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (id text PRIMARY KEY, checksum text NOT NULL, applied_at bigint NOT NULL)`,
      );
      const rows = await conn.unsafe<{ id: string }[]>(`SELECT id FROM ${TABLE}`);
      const applied = new Set(rows.map((r) => r.id));
      const unknown = [...applied].filter((id) => !known.some((m) => m.id === id));
      if (unknown.length) throw new SchemaTooNewError(unknown);
      for (const m of known) {
        if (applied.has(m.id)) continue;
        await conn.unsafe("BEGIN");
        try {
          for (const stmt of statements(m.sql)) await conn.unsafe(stmt);
          await conn.unsafe(`INSERT INTO ${TABLE} (id, checksum, applied_at) VALUES ($1, $2, $3)`, [
            m.id, checksum(m), Date.now(),
          ]);
          await conn.unsafe("COMMIT");
        } catch (e) {
          await conn.unsafe("ROLLBACK");
          throw new Error(`migration ${m.id} failed: ${(e as Error).message}`);
        }
        log(`applied migration ${m.id}`);
        done.push(m.id);
      }
    } finally {
      await conn`SELECT pg_advisory_unlock(${PG_LOCK_KEY})`.catch(() => {});
      conn.release();
    }
    return done;
  }
  const writer = (store as Store & { writer: Database }).writer;
  writer.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (id text PRIMARY KEY, checksum text NOT NULL, applied_at integer NOT NULL)`);
  for (;;) {
    // One migration per writer transaction; re-read the applied set inside the lock.
    const next = await store.withTx(async () => {
      const rows = writer.query<{ id: string }, []>(`SELECT id FROM ${TABLE}`).all();
      const applied = new Set(rows.map((r) => r.id));
      const unknown = [...applied].filter((id) => !known.some((m) => m.id === id));
      if (unknown.length) throw new SchemaTooNewError(unknown);
      const m = known.find((k) => !applied.has(k.id));
      if (!m) return null;
      try {
        for (const stmt of statements(m.sql)) writer.exec(stmt);
      } catch (e) {
        throw new Error(`migration ${m.id} failed: ${(e as Error).message}`);
      }
      writer.query(`INSERT INTO ${TABLE} (id, checksum, applied_at) VALUES (?, ?, ?)`).run(m.id, checksum(m), Date.now());
      return m.id;
    });
    if (!next) break;
    log(`applied migration ${next}`);
    done.push(next);
  }
  return done;
}
