import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync, existsSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Database } from "bun:sqlite";
import { drizzle as drizzleSqlite } from "drizzle-orm/bun-sqlite";
import { drizzle as drizzlePg } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import * as pgSchema from "./schema/pg/index.ts";
import * as sqliteSchema from "./schema/sqlite/index.ts";
import { pgDialect } from "./dialect/pg.ts";
import { sqliteDialect } from "./dialect/sqlite.ts";
import type { Db, Store, Tables, Tx } from "./types.ts";
import { redactUrl } from "../config/load.ts";

export interface OpenOptions {
  /** postgres://… or sqlite:///path or a plain file path; "" → <dataDir>/hearth.db */
  url: string;
  dataDir: string;
  sslmode?: string;
  poolSize?: number;
  sqliteSynchronous?: "NORMAL" | "FULL";
  /** called with errors thrown by afterCommit callbacks */
  onCallbackError?: (err: unknown) => void;
  /** take the single-process lock on a SQLite file (servers and workers do; CLI commands don't) */
  exclusive?: boolean;
}

export function isPostgresUrl(url: string) {
  return /^postgres(ql)?:\/\//.test(url);
}

export function sqlitePathFor(url: string, dataDir: string): string {
  if (!url) return resolve(dataDir, "hearth.db");
  if (url.startsWith("sqlite://")) return resolve(url.slice("sqlite://".length));
  if (url.startsWith("file:")) return resolve(url.slice("file:".length).replace(/^\/\//, ""));
  return resolve(url);
}

export async function openStore(opts: OpenOptions): Promise<Store> {
  return isPostgresUrl(opts.url) ? openPg(opts) : openSqlite(opts);
}

type TxState = { tx: Tx; callbacks: (() => void | Promise<void>)[] };

async function runCallbacks(state: TxState, onError?: (e: unknown) => void) {
  for (const cb of state.callbacks) {
    try {
      await cb();
    } catch (e) {
      (onError ?? ((err) => console.error("afterCommit callback failed", err)))(e);
    }
  }
}

// ---------------------------------------------------------------- PostgreSQL

function sslOption(mode: string | undefined): postgres.Options<{}>["ssl"] {
  switch (mode) {
    case "require":
      return "require";
    case "prefer":
      return "prefer";
    case "verify-ca":
    case "verify-full":
      return "verify-full";
    default:
      return false;
  }
}

async function openPg(opts: OpenOptions): Promise<Store> {
  const client = postgres(opts.url, {
    max: opts.poolSize ?? 10,
    ssl: sslOption(opts.sslmode),
    onnotice: () => {},
    // Bigint ids fit in JS numbers for our lifetime (2^53); return numbers, not strings.
    types: { bigint: postgres.BigInt },
    connection: { application_name: "hearth" },
  });
  const db = drizzlePg(client, { schema: pgSchema }) as unknown as Db;
  const als = new AsyncLocalStorage<TxState>();
  const t = pgSchema as Tables;
  const store: Store & { sql: postgres.Sql } = {
    kind: "pg",
    db,
    t,
    dialect: pgDialect,
    sql: client,
    description: `postgres ${redactUrl(opts.url)}`,
    async withTx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const outer = als.getStore();
      if (outer) return fn(outer.tx);
      let state!: TxState;
      const result = await db.transaction(async (txDb) => {
        state = {
          callbacks: [],
          tx: undefined as unknown as Tx,
        };
        state.tx = {
          kind: "pg", db: txDb as unknown as Db, t, dialect: pgDialect, inTransaction: true,
          afterCommit: (cb) => void state.callbacks.push(cb),
        };
        return als.run(state, () => fn(state.tx));
      });
      await runCallbacks(state, opts.onCallbackError);
      return result;
    },
    async ping() {
      await client`select 1`;
    },
    async readSnapshot(_scratchDir, fn) {
      return db.transaction(
        async (tx) => {
          // A repeatable-read snapshot is taken at the first statement, not at BEGIN: pin it now.
          await tx.execute(sql`SELECT 1`);
          return fn(tx as unknown as Db, t);
        },
        { isolationLevel: "repeatable read", accessMode: "read only" },
      );
    },
    async close() {
      await client.end({ timeout: 5 });
    },
    pubsub: {
      async listen(channel, onMessage, onListen) {
        const sub = await client.listen(channel, onMessage, onListen);
        return () => sub.unlisten();
      },
      async notify(channel, payload) {
        await client.notify(channel, payload);
      },
    },
  };
  return store;
}

// ---------------------------------------------------------------- SQLite

/**
 * SQLite: one writer connection, serialized by an async mutex, with transactions we
 * open ourselves (BEGIN IMMEDIATE … COMMIT/ROLLBACK). bun:sqlite's own transaction()
 * would commit at the first await inside an async callback. Reads outside a transaction
 * go to a separate connection, which in WAL mode never waits for the writer.
 */
async function openSqlite(opts: OpenOptions): Promise<Store> {
  const path = sqlitePathFor(opts.url, opts.dataDir);
  mkdirSync(dirname(path), { recursive: true });
  const release = opts.exclusive ? acquireProcessLock(path) : () => {};
  const pragmas = (conn: Database) => {
    conn.exec("PRAGMA busy_timeout = 5000");
    conn.exec("PRAGMA journal_mode = WAL");
    conn.exec(`PRAGMA synchronous = ${opts.sqliteSynchronous ?? "NORMAL"}`);
    conn.exec("PRAGMA foreign_keys = ON");
  };
  let writer: Database, reader: Database;
  try {
    writer = new Database(path, { create: true, strict: true });
    pragmas(writer);
    reader = new Database(path, { create: true, strict: true });
    pragmas(reader);
    reader.exec("PRAGMA query_only = 1");
  } catch (e) {
    release();
    throw e;
  }
  const writeDb = drizzleSqlite(writer, { schema: sqliteSchema }) as unknown as Db;
  const readDb = drizzleSqlite(reader, { schema: sqliteSchema }) as unknown as Db;
  const t = sqliteSchema as unknown as Tables;
  const als = new AsyncLocalStorage<TxState>();
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const store: Store & { writer: Database; path: string } = {
    kind: "sqlite",
    db: readDb,
    t,
    dialect: sqliteDialect,
    writer,
    path,
    description: `sqlite ${path}`,
    withTx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const outer = als.getStore();
      if (outer) return fn(outer.tx);
      const run = async (): Promise<{ result: T; state: TxState }> => {
        if (closed) throw new Error("store is closed");
        const state: TxState = { callbacks: [], tx: undefined as unknown as Tx };
        state.tx = {
          kind: "sqlite", db: writeDb, t, dialect: sqliteDialect, inTransaction: true,
          afterCommit: (cb) => void state.callbacks.push(cb),
        };
        writer.exec("BEGIN IMMEDIATE");
        try {
          const result = await als.run(state, () => fn(state.tx));
          writer.exec("COMMIT");
          return { result, state };
        } catch (e) {
          if (writer.inTransaction) writer.exec("ROLLBACK");
          throw e;
        }
      };
      const p = queue.then(run, run);
      queue = p.catch(() => {});
      // Callbacks run after the writer is released, so they may open transactions of their own.
      return p.then(async ({ result, state }) => {
        await runCallbacks(state, opts.onCallbackError);
        return result;
      });
    },
    async ping() {
      reader.query("select 1").get();
    },
    async readSnapshot(scratchDir, fn) {
      // VACUUM INTO writes a consistent copy without blocking the writer for long; the copy
      // is then read at leisure and removed.
      const snap = resolve(scratchDir, `snapshot-${process.pid}-${Date.now()}.db`);
      // A connection of its own: the reader is query_only, which VACUUM INTO counts as writing.
      const src = new Database(path, { readonly: true });
      try {
        src.exec("PRAGMA busy_timeout = 5000");
        src.query("VACUUM INTO ?").run(snap);
      } finally {
        src.close();
      }
      const conn = new Database(snap, { readonly: true });
      try {
        return await fn(drizzleSqlite(conn, { schema: sqliteSchema }) as unknown as Db, t);
      } finally {
        conn.close();
        rmSync(snap, { force: true });
      }
    },
    async close() {
      if (closed) return;
      await queue.catch(() => {});
      closed = true;
      try {
        writer.exec("PRAGMA optimize");
      } catch {}
      reader.close();
      writer.close();
      release();
    },
  };
  return store;
}

/**
 * Two server processes on one SQLite file would each keep their own event queues and
 * caches and silently miss each other's changes. The lock file holds the owner's pid; a
 * lock whose process is gone is taken over.
 */
function acquireProcessLock(dbPath: string): () => void {
  const lockPath = `${dbPath}.lock`;
  if (existsSync(lockPath)) {
    const pid = Number(readFileSync(lockPath, "utf8").trim());
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new SqliteLockedError(dbPath, pid);
    }
  }
  writeFileSync(lockPath, String(process.pid));
  return () => {
    try {
      if (readFileSync(lockPath, "utf8").trim() === String(process.pid)) rmSync(lockPath);
    } catch {}
  };
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class SqliteLockedError extends Error {
  constructor(path: string, pid: number) {
    super(
      `${path} is in use by another Hearth server (pid ${pid}). SQLite serves one process; use PostgreSQL (DATABASE_URL) to run several nodes.`,
    );
    this.name = "SqliteLockedError";
  }
}
