// Upload and download throughput over a real loopback socket, on SQLite with the local
// backend and with S3 (s3rver in-process). Bounded: a few seconds per part.
//   bun bench/uploads.bench.ts
// Parts:
//  1. POST /api/v1/user_uploads of 64 KiB, 1 MiB and 32 MiB files (4 in flight): requests/s,
//     MiB/s, and the server's peak RSS growth (the body is streamed, never buffered);
//  2. GET /user_uploads/… of a 1 MiB file (8 in flight), local backend;
//  3. avatar upload with resizing (jimp) of a 2000×1500 JPEG.
// Results go to docs/performance-uploads.md by hand.
import { createApp } from "../src/app/app.ts";
import { createRealm } from "../src/actions/realms.ts";
import { createUser } from "../src/actions/users.ts";
import { silentLogger } from "../src/lib/log.ts";
import { freshDatabase } from "../test/helpers/db.ts";
import { testConfig } from "../test/helpers/app.ts";
import { startS3, s3Config, basic } from "../test/helpers/uploads.ts";
import { Jimp } from "jimp";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const MiB = 1024 * 1024;

async function run(label: string, overrides: Record<string, unknown>) {
  const db = await freshDatabase("sqlite");
  const app = await createApp(testConfig(db, { maxFileUploadSizeMib: 64, rateLimitPerMinute: 0, ...overrides }), { log: silentLogger });
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.http.fetch, maxRequestBodySize: 1024 * MiB });
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const realm = await createRealm(app.deps, { name: "Bench", subdomain: "" });
    const u = await createUser(app.deps, { realmId: realm.id, email: "b@example.com", fullName: "Bench" });
    const auth = basic(u);
    console.log(`\n== ${label}`);
    for (const [size, inflight] of [[64 * 1024, 8], [MiB, 4], [32 * MiB, 2]] as const) {
      const bytes = new Uint8Array(size).fill(7);
      const file = new File([bytes], "f.bin");
      let n = 0;
      const rss0 = process.memoryUsage().rss;
      let peak = rss0;
      const t0 = performance.now();
      const until = t0 + SECONDS * 1000;
      await Promise.all(
        Array.from({ length: inflight }, async () => {
          while (performance.now() < until) {
            const fd = new FormData();
            fd.append("file", file);
            const r = await fetch(`${base}/api/v1/user_uploads`, { method: "POST", headers: { authorization: auth }, body: fd });
            if (r.status !== 200) throw new Error(await r.text());
            await r.arrayBuffer();
            n++;
            peak = Math.max(peak, process.memoryUsage().rss);
          }
        }),
      );
      const s = (performance.now() - t0) / 1000;
      console.log(
        `upload ${(size / 1024).toFixed(0).padStart(6)} KiB ×${inflight}: ${(n / s).toFixed(1).padStart(7)} req/s  ${((n * size) / MiB / s).toFixed(1).padStart(7)} MiB/s  RSS +${((peak - rss0) / MiB).toFixed(0)} MiB (client and server share the process)`,
      );
    }
    if (overrides.uploadsBackend !== "s3") {
      const up = await (await fetch(`${base}/api/v1/user_uploads`, { method: "POST", headers: { authorization: auth }, body: (() => { const f = new FormData(); f.append("file", new File([new Uint8Array(MiB)], "g.bin")); return f; })() })).json() as { url: string };
      let n = 0;
      const t0 = performance.now();
      const until = t0 + SECONDS * 1000;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          const r = await fetch(base + up.url, { headers: { authorization: auth } });
          await r.arrayBuffer();
          n++;
        }
      }));
      const s = (performance.now() - t0) / 1000;
      console.log(`download 1 MiB ×8: ${(n / s).toFixed(1)} req/s  ${(n / s).toFixed(1)} MiB/s`);
      const big = new Jimp({ width: 2000, height: 1500, color: 0x336699ff });
      const jpg = await big.getBuffer("image/jpeg");
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const fd = new FormData();
        fd.append("file", new File([new Uint8Array(jpg)], "me.jpg"));
        const t = performance.now();
        const r = await fetch(`${base}/api/v1/users/me/avatar`, { method: "POST", headers: { authorization: auth }, body: fd });
        if (r.status !== 200) throw new Error(await r.text());
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      console.log(`avatar 2000×1500 JPEG (${(jpg.length / 1024).toFixed(0)} KiB) → 100² + 500² PNG: median ${times[2]!.toFixed(0)} ms`);
    }
  } finally {
    server.stop(true);
    await app.stop({ graceMs: 10 });
    await db.drop();
  }
}

await run("sqlite, local backend", {});
const s3 = await startS3(["bench-uploads", "bench-avatars"]);
try {
  await run("sqlite, S3 backend (s3rver in the same process)", s3Config(s3, "bench"));
} finally {
  await s3.close();
}
