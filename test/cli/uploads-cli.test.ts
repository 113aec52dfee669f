// `hearth uploads transfer-to-s3` and `hearth uploads cleanup`, run as separate processes
// against a server's database and data directory, with a real s3rver on loopback; then a
// server switched to the S3 backend serves the migrated uploads, avatars and realm images.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { forEachDialect, testConfig } from "../helpers/app.ts";
import { PNG_1x1, basic, getFile, s3Config, startS3, type S3Server } from "../helpers/uploads.ts";
import { createApp, type App } from "../../src/app/app.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { storageFor } from "../../src/uploads/storage.ts";

const root = join(import.meta.dir, "../..");
// Asynchronous: s3rver runs in this process, so a blocking spawn would deadlock.
async function hearth(args: string[], env: Record<string, string>, cwd: string) {
  const p = Bun.spawn([process.execPath, join(root, "src/main.ts"), ...args], { cwd, env: { PATH: process.env.PATH ?? "", HOME: cwd, ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

const s3: S3Server = await startS3(["t-sqlite-uploads", "t-sqlite-avatars", "t-pg-uploads", "t-pg-avatars"]);
afterAll(() => s3.close());

forEachDialect("uploads CLI", (t) => {
  const prefix = () => `t-${t.dialect}`;
  let env: Record<string, string>;
  let alice: any;
  const urls: string[] = [];

  beforeAll(async () => {
    const c = s3Config(s3, prefix());
    env = {
      DATABASE_URL: t.db.url,
      HEARTH_DATA_DIR: t.db.dataDir,
      HEARTH_SECRET_KEY: "test-secret-key-for-hearth-tests-only",
      HEARTH_S3_ENDPOINT_URL: c.s3EndpointUrl,
      HEARTH_S3_REGION: c.s3Region,
      HEARTH_S3_KEY: c.s3AccessKey,
      HEARTH_S3_SECRET_KEY: c.s3SecretKey,
      HEARTH_S3_AUTH_UPLOADS_BUCKET: c.s3AuthUploadsBucket,
      HEARTH_S3_AVATAR_BUCKET: c.s3AvatarBucket,
    };
    alice = await t.user();
    const admin = await t.user({ role: 200 });
    for (let i = 0; i < 5; i++) {
      const r = await t.api("POST", "/user_uploads", { as: alice, multipart: true, params: { file: new File([`file number ${i}`], `f${i}.txt`) } });
      urls.push(r.body.url);
    }
    await t.api("POST", "/users/me/avatar", { as: alice, multipart: true, params: { file: new File([PNG_1x1], "a.png") } });
    await t.api("POST", "/realm/icon", { as: admin, multipart: true, validate: false, params: { file: new File([PNG_1x1], "i.png") } });
    await t.api("POST", "/realm/logo", { as: admin, multipart: true, validate: false, params: { file: new File([PNG_1x1], "l.png") } });
  });

  test("transfer-to-s3 copies uploads, avatars, realm icon and logo, verifies them, is re-runnable, and prints the switch", async () => {
    const first = await hearth(["uploads", "transfer-to-s3", "--concurrency", "3"], env, t.db.dataDir);
    expect(first.err).not.toContain("failed:");
    expect(first.code).toBe(0);
    expect(first.out).toContain("9 object(s): 9 copied");
    expect(first.out).toContain('uploads_backend = "s3"');
    expect(first.err).toContain("100%");
    // Everything is there, byte for byte.
    const s3c = new Bun.S3Client({ endpoint: s3.endpoint, region: "us-east-1", accessKeyId: "S3RVER", secretAccessKey: "S3RVER", bucket: `${prefix()}-uploads` });
    for (const [i, u] of urls.entries()) expect(await s3c.file(u.slice("/user_uploads/".length)).text()).toBe(`file number ${i}`);
    const av = new Bun.S3Client({ endpoint: s3.endpoint, region: "us-east-1", accessKeyId: "S3RVER", secretAccessKey: "S3RVER", bucket: `${prefix()}-avatars` });
    // avatar (100×100 and 500×500), realm icon, realm logo
    expect((await av.list()).contents?.length).toBe(4);

    // A second run skips everything.
    const again = JSON.parse((await hearth(["uploads", "transfer-to-s3", "--json"], env, t.db.dataDir)).out);
    expect(again).toMatchObject({ total: 9, copied: 0, skipped: 9, failed: 0 });

    // An interrupted run (an object missing) and a corrupted copy (same size, other bytes) are repaired.
    const k0 = urls[0]!.slice("/user_uploads/".length);
    const k1 = urls[1]!.slice("/user_uploads/".length);
    await s3c.delete(k0);
    await s3c.write(k1, "FILE NUMBER 1");
    const repair = JSON.parse((await hearth(["uploads", "transfer-to-s3", "--json", "--concurrency", "4"], env, t.db.dataDir)).out);
    expect(repair).toMatchObject({ total: 9, copied: 2, skipped: 7, failed: 0 });
    expect(await s3c.file(k1).text()).toBe("file number 1");

    // Bad flags and a missing S3 configuration are refused.
    expect((await hearth(["uploads", "transfer-to-s3", "--concurrency", "0"], env, t.db.dataDir)).code).toBe(2);
    const noBucket = await hearth(["uploads", "transfer-to-s3"], { ...env, HEARTH_S3_AVATAR_BUCKET: "" }, t.db.dataDir);
    expect(noBucket.code).toBe(1);
    expect(noBucket.err).toContain("HEARTH_S3_AVATAR_BUCKET");
  }, 120_000);

  test("after the switch, a server on the S3 backend serves the migrated files", async () => {
    let app2: App | null = null;
    try {
      app2 = await createApp(testConfig(t.db, { ...s3Config(s3, prefix()), maxFileUploadSizeMib: 1 }), { log: silentLogger });
      expect(storageFor(app2.config).kind).toBe("s3");
      const t2 = { app: app2 } as any;
      const res = await getFile(t2, urls[2]!, { as: alice, follow: true });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("file number 2");
      const avatar = await getFile(t2, `/avatar/${alice.id}`, { as: alice, follow: true });
      expect(avatar.status).toBe(200);
      expect(avatar.headers.get("content-type")).toBe("image/png");
      expect(Buffer.from(await avatar.arrayBuffer()).readUInt32BE(16)).toBe(100);
      void basic;
    } finally {
      await app2?.stop({ graceMs: 10 });
    }
  }, 60_000);

  test("uploads cleanup: dry run and real run report what they do", async () => {
    const dry = JSON.parse((await hearth(["uploads", "cleanup", "--dry-run", "--json"], env, t.db.dataDir)).out);
    expect(dry).toMatchObject({ deleted: 0 });
    expect((await hearth(["uploads", "cleanup", "--grace-days", "0"], env, t.db.dataDir)).code).toBe(2);
    const run = await hearth(["uploads", "cleanup"], env, t.db.dataDir);
    expect(run.code).toBe(0);
    expect(run.out).toContain("deleted 0 unreferenced upload(s)");
  }, 60_000);
});
