// Backup and restore throughput on both dialects, and the per-request cost of the metrics
// hook. Loopback only, bounded: ROWS users (default 20,000). Run:
//   node_modules/.bin/bun bench/ops.bench.ts
import { join } from "node:path";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { freshDatabase, DIALECTS } from "../test/helpers/db.ts";
import { testConfig } from "../test/helpers/app.ts";
import { createApp } from "../src/app/app.ts";
import { openStore } from "../src/db/client.ts";
import { silentLogger } from "../src/lib/log.ts";
import { createRealm } from "../src/actions/realms.ts";
import { createBackup } from "../src/ops/backup/backup.ts";
import { restoreBackup } from "../src/ops/backup/restore.ts";
import { Metrics } from "../src/ops/metrics.ts";

const ROWS = Number(process.env.ROWS ?? 20_000);
const scratch = mkdtempSync(join(tmpdir(), "hearth-bench-ops-"));
const results: string[] = [];

for (const dialect of DIALECTS) {
  const db = await freshDatabase(dialect);
  const app = await createApp(testConfig(db), { log: silentLogger });
  const realm = await createRealm(app.deps, { name: "Bench", subdomain: "" });
  for (let i = 0; i < ROWS; i += 1000) {
    await app.store.withTx(async (tx) => {
      const rows = Array.from({ length: Math.min(1000, ROWS - i) }, (_, j) => ({
        realmId: realm.id, email: `u${i + j}@bench.example`, deliveryEmail: `u${i + j}@bench.example`,
        fullName: `User ${i + j}`, apiKey: `key-${i + j}-${crypto.randomUUID()}`, settings: { n: i + j },
      }));
      await tx.db.insert(tx.t.users).values(rows);
    });
  }
  const archive = join(scratch, `${dialect}.tar.gz`);
  let t0 = performance.now();
  await createBackup(app.store, app.config, archive);
  const backupS = (performance.now() - t0) / 1000;
  await app.stop({ graceMs: 10 });
  for (const target of DIALECTS) {
    const tdb = await freshDatabase(target);
    const store = await openStore({ url: tdb.url, dataDir: tdb.dataDir });
    t0 = performance.now();
    await restoreBackup(store, archive);
    const restoreS = (performance.now() - t0) / 1000;
    await store.close();
    await tdb.drop();
    results.push(`| ${dialect} → ${target} | ${ROWS} | ${backupS.toFixed(2)} s (${Math.round(ROWS / backupS)} rows/s) | ${restoreS.toFixed(2)} s (${Math.round(ROWS / restoreS)} rows/s) | ${(statSync(archive).size / 1024).toFixed(0)} KiB |`);
  }
  await db.drop();
}

const m = new Metrics();
const c = m.counter("x_total", "x");
const h = m.histogram("x_seconds", "x");
const N = 1_000_000;
const t0 = performance.now();
// The same caching as createOps' onRequest hook.
const cache = new Map<string, { c: { inc(): void }; h: { observe(s: number): void } }>();
for (let i = 0; i < N; i++) {
  const method = "GET", route = "/api/v1/users/me", status = 200;
  const key = `${method} ${status} ${route}`;
  let s = cache.get(key);
  if (!s) cache.set(key, (s = { c: c.bind({ method, route, status }), h: h.bind({ method, route }) }));
  s.c.inc();
  s.h.observe(0.003);
}
const perReq = ((performance.now() - t0) * 1e6) / N;
rmSync(scratch, { recursive: true, force: true });
console.log("| source → target | rows | backup | restore | archive |\n| --- | --- | --- | --- | --- |\n" + results.join("\n"));
console.log(`metrics hook (counter + histogram with labels): ${perReq.toFixed(0)} ns per request`);
