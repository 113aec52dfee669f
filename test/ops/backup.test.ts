// Backup → restore across dialects, compared field by field; archive integrity and format
// versions; a backup taken during a write load restores to a consistent state.
import { test, expect, describe, beforeAll, afterAll } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { eq } from "drizzle-orm";
import { DIALECTS, freshDatabase, type FreshDb } from "../helpers/db.ts";
import { TestEnv } from "../helpers/app.ts";
import { openStore } from "../../src/db/client.ts";
import type { Store } from "../../src/db/types.ts";
import { createBackup } from "../../src/ops/backup/backup.ts";
import { restoreBackup, verifyBackup, openArchive } from "../../src/ops/backup/restore.ts";
import { backupToDirectory } from "../../src/ops/backup/schedule.ts";
import { backupTables } from "../../src/ops/backup/tables.ts";
import { extractTar, TarWriter } from "../../src/ops/backup/tar.ts";
import { FORMAT_VERSION, type Manifest } from "../../src/ops/backup/format.ts";
import { createRealm } from "../../src/actions/realms.ts";
import { updateRealm } from "../../src/db/repo/realms.ts";
import { updateUser, countUsers } from "../../src/db/repo/users.ts";
import { dumpAll, writeGroup } from "./helpers.ts";

const scratch = mkdtempSync(join(tmpdir(), "hearth-backup-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function populate(t: TestEnv) {
  const owner = await t.user({ role: 100, fullName: "Ōwner “quoted” 🚀", password: "correct horse battery" });
  const bot = await t.user({ isBot: true, botType: 1, botOwnerId: owner.id });
  await t.user({ role: 600 });
  const other = await createRealm(t.deps, { name: "Other", subdomain: "other" });
  await t.user({ realmId: other.id, email: "x@other.example" });
  await t.store.withTx(async (tx) => {
    await updateRealm(tx, t.realm.id, { settings: { nested: { a: [1, 2, { b: null }] }, s: "x\ny", f: 1.5 }, description: "line1\nline2\ttab" });
    await updateUser(tx, bot.id, { isActive: false, timezone: "Europe/Paris", settings: { twenty_four_hour_time: true } });
    await tx.db.insert(tx.t.serverSettings).values([
      { key: "string", value: "s" }, { key: "number", value: 42 }, { key: "object", value: { k: [true, false] } },
      { key: "array", value: [1, "two"] }, { key: "ms", value: 0, updatedAt: new Date(1_700_000_000_123) },
    ]);
  });
  // Local uploads ride along with the database.
  mkdirSync(join(t.db.dataDir, "uploads/1/ab"), { recursive: true });
  writeFileSync(join(t.db.dataDir, "uploads/1/ab/photo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]));
}

async function openFresh(dialect: "sqlite" | "pg"): Promise<{ db: FreshDb; store: Store }> {
  const db = await freshDatabase(dialect);
  const store = await openStore({ url: db.url, dataDir: db.dataDir });
  return { db, store };
}

for (const source of DIALECTS) {
  describe(`backup from ${source}`, () => {
    const t = new TestEnv(source);
    let archive = "";
    let before: Awaited<ReturnType<typeof dumpAll>>;
    const lines: string[] = [];
    beforeAll(async () => {
      await t.setup();
      await populate(t);
      before = await dumpAll(t.store);
      archive = join(scratch, `from-${source}.tar.gz`);
      await createBackup(t.store, t.app.config, archive, { progress: (l) => lines.push(l) });
    }, 60_000);
    afterAll(() => t.teardown());

    test("the archive holds a manifest with versions, counts and checksums, and shows progress", async () => {
      const ex = await openArchive(archive);
      try {
        const m = ex.manifest;
        expect(m.format_version).toBe(FORMAT_VERSION);
        expect(m.source.dialect).toBe(source);
        expect(m.migrations.length).toBeGreaterThan(0);
        expect(m.tables.map((x) => x.name)).toEqual(backupTables().map((x) => x.name));
        for (const tb of m.tables) expect(tb.rows).toBe(before[tb.name]!.length);
        expect(m.tables.find((x) => x.name === "users")!.rows).toBe(4);
        for (const tb of m.tables) expect(tb.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(m.files.map((f) => f.path).sort()).toEqual(["config/secrets.json", "uploads/1/ab/photo.png"]);
        expect(JSON.parse(readFileSync(join(ex.dir, "config/secrets.json"), "utf8")).secret_key).toBe(t.app.config.secretKey);
      } finally {
        ex.cleanup();
      }
      expect(lines).toContain("users: 4 rows");
      expect(lines.at(-1)).toContain("wrote");
      // Parents come before children, whatever the alphabet says.
      const order = backupTables().map((x) => x.name);
      expect(order.indexOf("realms")).toBeLessThan(order.indexOf("users"));
    });

    for (const target of DIALECTS) {
      test(`restores into an empty ${target} database, every field equal`, async () => {
        const { db, store } = await openFresh(target);
        try {
          const r = await restoreBackup(store, archive, { dataDir: db.dataDir });
          expect(r.counts.users).toBe(4);
          const after = await dumpAll(store);
          expect(after).toEqual(before);
          expect(readFileSync(join(db.dataDir, "uploads/1/ab/photo.png"))).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]));
          expect(JSON.parse(readFileSync(join(db.dataDir, "secrets.json"), "utf8")).secret_key).toBe(t.app.config.secretKey);
          // Sequences continue after the restored ids (Postgres identity reset; SQLite AUTOINCREMENT).
          const maxRealm = Math.max(...before.realms!.map((x) => x.id as number));
          const realm = await createRealm({ config: t.app.config, store, bus: t.app.bus, log: t.app.log, now: () => new Date() }, { name: "After", subdomain: "after" });
          expect(realm.id).toBe(maxRealm + 1);
          // A second restore into the now non-empty database is refused, and changes nothing.
          await expect(restoreBackup(store, archive)).rejects.toThrow(/not empty/);
          expect(await countUsers(store)).toBe(4);
        } finally {
          await store.close();
          await db.drop();
        }
      }, 60_000);
    }

    test("verify restores into a scratch database; a damaged archive is detected", async () => {
      const r = await verifyBackup(archive);
      expect(r.counts.users).toBe(4);
      const dir = mkdtempSync(join(scratch, "damage-"));
      await extractTar(archive, dir);
      const usersFile = join(dir, "data/users.jsonl");
      writeFileSync(usersFile, readFileSync(usersFile, "utf8").replace("User", "Usex"));
      const damaged = join(scratch, `damaged-${source}.tar.gz`);
      await retar(dir, damaged);
      await expect(verifyBackup(damaged)).rejects.toThrow(/users.jsonl: checksum mismatch/);
      const truncated = join(scratch, `truncated-${source}.tar.gz`);
      const bytes = readFileSync(archive);
      writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
      await expect(verifyBackup(truncated)).rejects.toThrow(/not a readable archive/);
    }, 60_000);

    test("a newer archive format is refused; an older one is migrated forward", async () => {
      const dir = mkdtempSync(join(scratch, "fmt-"));
      await extractTar(archive, dir);
      const m: Manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
      writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...m, format_version: FORMAT_VERSION + 1 }));
      const newer = join(scratch, `newer-${source}.tar.gz`);
      await retar(dir, newer);
      await expect(verifyBackup(newer)).rejects.toThrow(/format version 3, newer than this Hearth binary reads \(2\)/);

      // Version 1 wrote each row as an object keyed by column name, without a column list.
      const v1 = { ...m, format_version: 1, tables: m.tables.map(({ columns, ...rest }) => rest) } as Record<string, unknown>;
      for (const tb of m.tables) {
        const p = join(dir, tb.file);
        const rows = readFileSync(p, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as unknown[]);
        const text = rows.map((r) => JSON.stringify(Object.fromEntries(tb.columns.map((c, i) => [c, r[i]])))).join("\n") + (rows.length ? "\n" : "");
        writeFileSync(p, text);
        const e = (v1.tables as Record<string, unknown>[]).find((x) => x.name === tb.name)!;
        e.sha256 = new Bun.CryptoHasher("sha256").update(text).digest("hex");
      }
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(v1));
      const older = join(scratch, `older-${source}.tar.gz`);
      await retar(dir, older);
      const lines: string[] = [];
      const { db, store } = await openFresh(source);
      try {
        await restoreBackup(store, older, { progress: (l) => lines.push(l) });
        expect(lines).toContain("upgrading archive format 1 → 2");
        expect(await dumpAll(store)).toEqual(before);
      } finally {
        await store.close();
        await db.drop();
      }
    }, 60_000);

    test("an archive from an older schema (a column missing) restores with the column's default; a newer one is refused", async () => {
      const dir = mkdtempSync(join(scratch, "schema-"));
      await extractTar(archive, dir);
      const m: Manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
      const users = m.tables.find((x) => x.name === "users")!;
      const drop = users.columns.indexOf("avatar_version");
      const p = join(dir, users.file);
      const text = readFileSync(p, "utf8").split("\n").filter(Boolean)
        .map((l) => JSON.stringify((JSON.parse(l) as unknown[]).filter((_, i) => i !== drop))).join("\n") + "\n";
      writeFileSync(p, text);
      users.columns = users.columns.filter((c) => c !== "avatar_version");
      users.sha256 = new Bun.CryptoHasher("sha256").update(text).digest("hex");
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
      const older = join(scratch, `oldschema-${source}.tar.gz`);
      await retar(dir, older);
      const { db, store } = await openFresh(source);
      try {
        await restoreBackup(store, older);
        const rows = await store.db.select().from(store.t.users);
        expect(rows.length).toBe(4);
        expect(rows.every((r) => r.avatarVersion === 1)).toBe(true);
      } finally {
        await store.close();
        await db.drop();
      }
      writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...m, migrations: [...m.migrations, "9999_from_the_future"] }));
      const newer = join(scratch, `newschema-${source}.tar.gz`);
      await retar(dir, newer);
      await expect(verifyBackup(newer)).rejects.toThrow(/newer database schema.*9999_from_the_future/);
    }, 60_000);

    test("scheduled backups keep the newest N archives", async () => {
      const dir = join(scratch, `scheduled-${source}`);
      const made: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await backupToDirectory(t.store, t.app.config, dir, 2, { now: new Date(Date.UTC(2026, 0, 1 + i, 3, 30)) });
        made.push(r.path);
        if (i >= 2) expect(r.deleted).toEqual([made[i - 2]!]);
      }
      const { listBackups } = await import("../../src/ops/backup/restore.ts");
      expect(listBackups(dir)).toEqual([made[3]!, made[2]!]);
      expect(existsSync(made[0]!)).toBe(false);
      expect(made[3]).toEndWith("hearth-backup-20260104T033000Z.tar.gz");
    }, 60_000);
  });

  describe(`backup during a write load [${source}]`, () => {
    const t = new TestEnv(source);
    beforeAll(() => t.setup(), 60_000);
    afterAll(() => t.teardown());

    test("the archive is one instant: complete groups only, and nothing written after the snapshot", async () => {
      for (let i = 0; i < 20; i++) await writeGroup(t.store);
      let stop = false;
      let written = 0;
      const load = (async () => {
        while (!stop) {
          await writeGroup(t.store);
          written++;
          await Bun.sleep(0);
        }
      })();
      const archive = join(scratch, `load-${source}.tar.gz`);
      let injected = 0;
      await createBackup(t.store, t.app.config, archive, {
        // Writes committed after the snapshot must not appear, even between table reads.
        afterSnapshot: async () => {
          for (let i = 0; i < 5; i++) await writeGroup(t.store);
          injected = 5;
        },
      });
      stop = true;
      await load;
      expect(injected).toBe(5);
      expect(written).toBeGreaterThan(0);
      const { db, store } = await openFresh(source === "pg" ? "sqlite" : (DIALECTS.includes("pg") ? "pg" : "sqlite"));
      try {
        await restoreBackup(store, archive);
        const realms = await store.db.select().from(store.t.realms);
        const users = await store.db.select().from(store.t.users);
        const live = await t.store.db.select().from(t.store.t.realms);
        expect(realms.length).toBeLessThanOrEqual(live.length - 5);
        for (const r of realms.filter((x) => x.name.startsWith("Load "))) {
          expect(users.filter((u) => u.realmId === r.id).length).toBe(3);
        }
        expect(users.length).toBe(realms.filter((x) => x.name.startsWith("Load ")).length * 3);
      } finally {
        await store.close();
        await db.drop();
      }
    }, 90_000);
  });
}

/** Re-packs an extracted archive directory (manifest first), for tampering tests. */
async function retar(dir: string, out: string) {
  const { readdirSync, statSync } = await import("node:fs");
  const walk = (d: string, pre = ""): string[] =>
    readdirSync(join(dir, d), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name), `${pre}${e.name}/`) : [`${pre}${e.name}`]);
  const files = walk("").filter((f) => f !== "manifest.json");
  const w = new TarWriter(out);
  await w.addFile("manifest.json", join(dir, "manifest.json"), statSync(join(dir, "manifest.json")).size);
  for (const f of files) await w.addFile(f, join(dir, f), statSync(join(dir, f)).size);
  await w.finish();
}
