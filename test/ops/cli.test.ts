// `hearth backup`, `hearth backup verify`, `hearth restore` as an operator runs them: a
// backup taken from a live `hearth serve`, restored into the other dialect, compared field
// by field (the SQLite → PostgreSQL move of the README, and back).
import { test, expect } from "bun:test";
import { mkdirSync, writeFileSync, readFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { DIALECTS, freshDatabase, type FreshDb } from "../helpers/db.ts";
import { openStore } from "../../src/db/client.ts";
import { dumpAll } from "./helpers.ts";

const root = join(import.meta.dir, "../..");

function envFor(db: FreshDb, extra: Record<string, string> = {}) {
  return { PATH: process.env.PATH ?? "", HOME: db.dataDir, DATABASE_URL: db.url, HEARTH_DATA_DIR: join(db.dataDir, "data"), ...extra };
}
function hearth(args: string[], env: Record<string, string>) {
  const r = Bun.spawnSync([process.execPath, join(root, "src/main.ts"), ...args], { cwd: root, env });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}
async function freePort() {
  const s = Bun.serve({ port: 0, fetch: () => new Response("") });
  const p = s.port!;
  await s.stop(true);
  return p;
}

for (const source of DIALECTS) {
  const target = DIALECTS.find((d) => d !== source) ?? source;
  test(`backup a live ${source} server from the CLI, verify, restore into ${target}`, async () => {
    const src = await freshDatabase(source);
    const dst = await freshDatabase(target);
    try {
      const senv = envFor(src);
      const created = hearth(["user", "create", "--email", "owner@example.com", "--full-name", "Owner", "--role", "owner", "--json"], senv);
      expect(created.code).toBe(0);
      mkdirSync(join(src.dataDir, "data/uploads/2/xy"), { recursive: true });
      writeFileSync(join(src.dataDir, "data/uploads/2/xy/notes.txt"), "uploaded file");

      // The server keeps running (and holds the SQLite lock) while the backup is taken.
      const port = await freePort();
      const server = Bun.spawn([process.execPath, join(root, "src/main.ts"), "serve"], { cwd: root, env: { ...senv, PORT: String(port) }, stdout: "ignore", stderr: "ignore" });
      try {
        for (let i = 0; i < 100; i++) {
          if (await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.ok, () => false)) break;
          await Bun.sleep(100);
        }
        const archive = join(src.dataDir, "backup.tar.gz");
        const b = hearth(["backup", "--output", archive], senv);
        expect({ code: b.code, err: b.err }).toEqual({ code: 0, err: expect.stringContaining("users: 1 rows") });
        expect(b.out.trim()).toBe(archive);
        expect(statSync(archive).mode & 0o777).toBe(0o600);

        const v = hearth(["backup", "verify", archive], senv);
        expect(v.code).toBe(0);
        expect(v.out).toMatch(/^OK: .* restores \(\d+ tables, \d+ rows, 2 files/);

        const denv = envFor(dst);
        const r = hearth(["restore", archive], denv);
        expect({ code: r.code, err: r.code ? r.err : "" }).toEqual({ code: 0, err: "" });
        expect(r.out).toContain(`restored`);
        expect(readFileSync(join(dst.dataDir, "data/uploads/2/xy/notes.txt"), "utf8")).toBe("uploaded file");
        expect(JSON.parse(readFileSync(join(dst.dataDir, "data/secrets.json"), "utf8"))).toEqual(JSON.parse(readFileSync(join(src.dataDir, "data/secrets.json"), "utf8")));

        const again = hearth(["restore", archive], denv);
        expect(again.code).toBe(1);
        expect(again.err).toContain("not empty");
        expect(hearth(["check", "--backups", "--dir", src.dataDir], senv).code).toBe(1 + 1); // no hearth-backup-* name there: CRITICAL
        const sched = join(src.dataDir, "data/backups");
        mkdirSync(sched);
        writeFileSync(join(sched, "hearth-backup-20260101T000000Z.tar.gz"), readFileSync(archive));
        const ok = hearth(["check", "--backups"], senv);
        expect({ code: ok.code, out: ok.out }).toEqual({ code: 0, out: expect.stringMatching(/^OK: newest backup/) });
      } finally {
        server.kill("SIGTERM");
        await server.exited;
      }
      const a = await openStore({ url: src.url, dataDir: join(src.dataDir, "data") });
      const bStore = await openStore({ url: dst.url, dataDir: join(dst.dataDir, "data") });
      try {
        expect(await dumpAll(bStore)).toEqual(await dumpAll(a));
      } finally {
        await a.close();
        await bStore.close();
      }
      // The restored install serves: the user's API key works against it.
      const key = JSON.parse(created.out).api_key as string;
      const port2 = await freePort();
      const s2 = Bun.spawn([process.execPath, join(root, "src/main.ts"), "serve"], { cwd: root, env: { ...envFor(dst), PORT: String(port2) }, stdout: "ignore", stderr: "ignore" });
      try {
        let res: Response | null = null;
        for (let i = 0; i < 100 && !res; i++) {
          res = await fetch(`http://127.0.0.1:${port2}/api/v1/users/me`, { headers: { authorization: "Basic " + btoa(`owner@example.com:${key}`) } }).catch(() => null);
          if (!res) await Bun.sleep(100);
        }
        expect(res!.status).toBe(200);
        expect((await res!.json()).email).toBe("owner@example.com");
      } finally {
        s2.kill("SIGTERM");
        await s2.exited;
      }
    } finally {
      await src.drop();
      await dst.drop();
    }
  }, 90_000);
}

test("restore and verify give one clear line for a missing or foreign file", () => {
  const env = { PATH: process.env.PATH ?? "", HOME: "/tmp", HEARTH_DATA_DIR: "/tmp/hearth-cli-none" };
  const missing = hearth(["backup", "verify", "/nonexistent/file.tar.gz"], env);
  expect(missing.code).toBe(1);
  expect(missing.err.trim()).toBe("hearth backup verify: /nonexistent/file.tar.gz: no such file");
  const foreign = join("/tmp", `not-a-backup-${process.pid}.tar.gz`);
  writeFileSync(foreign, "hello");
  const f = hearth(["backup", "verify", foreign], env);
  expect(f.code).toBe(1);
  expect(f.err).toContain("not a readable archive");
  expect(existsSync(foreign)).toBe(true);
});
