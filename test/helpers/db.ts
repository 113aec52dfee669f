// Fresh databases for tests, on both dialects. Every test file gets its own: a temp
// SQLite file, or a new PostgreSQL database created on the test server. Postgres comes
// from TEST_DATABASE_URL, else a local server on 127.0.0.1:5432 if one answers. Locally a
// missing Postgres skips the Postgres half with a loud message; under CI (CI=true) it is
// a failure, never a skip.
import postgres from "postgres";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

export type TestDialect = "sqlite" | "pg";

export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

async function probePg(): Promise<string | null> {
  const sql = postgres(PG_ADMIN_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

function wanted(): TestDialect[] {
  const env = (process.env.HEARTH_TEST_DIALECTS ?? "sqlite,pg").split(",").map((s) => s.trim());
  return (["sqlite", "pg"] as const).filter((d) => env.includes(d));
}

let cached: TestDialect[] | null = null;
export async function availableDialects(): Promise<TestDialect[]> {
  if (cached) return cached;
  const want = wanted();
  const out: TestDialect[] = [];
  for (const d of want) {
    if (d === "sqlite") out.push(d);
    else {
      const problem = await probePg();
      if (problem === null) out.push("pg");
      else if (process.env.CI === "true" || process.env.CI === "1") {
        throw new Error(`PostgreSQL is required under CI but ${PG_ADMIN_URL} does not answer: ${problem}`);
      } else {
        console.warn(`\n*** SKIPPING the PostgreSQL half of the suite: ${PG_ADMIN_URL} does not answer (${problem}). ***\n`);
      }
    }
  }
  cached = out;
  return out;
}

export const DIALECTS: TestDialect[] = await availableDialects();

export interface FreshDb {
  dialect: TestDialect;
  /** DATABASE_URL for the app ("" + dataDir for SQLite) */
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

let counter = 0;
export async function freshDatabase(dialect: TestDialect): Promise<FreshDb> {
  const dataDir = mkdtempSync(join(tmpdir(), "hearth-test-"));
  if (dialect === "sqlite") {
    return {
      dialect, url: "", dataDir,
      async drop() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const name = `hearth_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    dialect, url: u.toString(), dataDir,
    async drop() {
      const a = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
