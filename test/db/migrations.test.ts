// The real migration folders apply to empty databases of both dialects; status reports
// them; a database migrated by a newer binary is refused; the schema and migrations are in
// step (the same check CI runs).
import { test, expect, describe, beforeAll, afterAll } from "bun:test";
import { sql } from "drizzle-orm";
import { openStore } from "../../src/db/client.ts";
import { migrate, migrationStatus, knownMigrations, SchemaTooNewError } from "../../src/db/migrate.ts";
import type { Store } from "../../src/db/types.ts";
import { DIALECTS, freshDatabase, type FreshDb } from "../helpers/db.ts";
import * as pgSchema from "../../src/db/schema/pg/index.ts";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";

for (const dialect of DIALECTS) {
  describe(`migrations [${dialect}]`, () => {
    let db: FreshDb;
    let store: Store;
    beforeAll(async () => {
      db = await freshDatabase(dialect);
      store = await openStore({ url: db.url, dataDir: db.dataDir });
    });
    afterAll(async () => {
      await store.close();
      await db.drop();
    });

    test("an empty database has every migration pending", async () => {
      const st = await migrationStatus(store);
      expect(st.applied).toEqual([]);
      expect(st.pending).toEqual(knownMigrations(dialect).map((m) => m.id));
      expect(st.pending.length).toBeGreaterThan(0);
    });

    test("migrate applies them all once; a second run applies nothing", async () => {
      const first = await migrate(store);
      expect(first).toEqual(knownMigrations(dialect).map((m) => m.id));
      expect(await migrate(store)).toEqual([]);
      const st = await migrationStatus(store);
      expect(st.pending).toEqual([]);
      expect(st.applied.length).toBe(first.length);
    });

    test("every table of the schema exists after migrating", async () => {
      const tables = Object.values(pgSchema).filter((v) => v instanceof PgTable).map((t) => getTableConfig(t as PgTable).name);
      const q =
        dialect === "pg"
          ? sql`select table_name as name from information_schema.tables where table_schema = 'public'`
          : sql`select name from sqlite_master where type = 'table'`;
      const rows = await store.dialect.all<{ name: string }>(store.db, q);
      const present = new Set(rows.map((r) => r.name));
      for (const t of tables) expect(present.has(t)).toBe(true);
    });

    test("concurrent migrate calls do not double-apply", async () => {
      const results = await Promise.all([migrate(store), migrate(store)]);
      expect(results.flat()).toEqual([]);
    });

    test("a database migrated by a newer binary is refused", async () => {
      await store.withTx(async (tx) => {
        await tx.dialect.run(tx.db, sql`insert into hearth_migrations (id, checksum, applied_at) values ('9999_from_the_future', 'x', 1)`);
      });
      await expect(migrate(store)).rejects.toBeInstanceOf(SchemaTooNewError);
      expect((await migrationStatus(store)).unknown).toEqual(["9999_from_the_future"]);
    });
  });
}

test("the schema, the generated migrations and the embedded copies are in step (db:check)", () => {
  const r = Bun.spawnSync([process.execPath, "scripts/db-generate.ts", "--check"], { cwd: `${import.meta.dir}/../..` });
  const out = r.stdout.toString() + r.stderr.toString();
  expect(out).toContain("in step");
  expect(r.exitCode).toBe(0);
});
