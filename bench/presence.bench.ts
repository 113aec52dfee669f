// Presence update cost, on each available dialect (bounded: a few seconds per part).
//   bun bench/presence.bench.ts            both dialects (Postgres when it answers)
//   HEARTH_TEST_DIALECTS=sqlite bun bench/presence.bench.ts
// Parts:
//  1. the action alone (updatePresence: the in-memory path every ping takes);
//  2. the whole HTTP request through the app's fetch handler (routing, realm lookup,
//     API-key auth, parameter parsing, the action, JSON) — no socket;
//  3. the same over a real loopback socket (Bun.serve + fetch, 32 in flight).
// Results go to docs/performance-satellites.md by hand.
import { createApp } from "../src/app/app.ts";
import { createRealm } from "../src/actions/realms.ts";
import { createUser } from "../src/actions/users.ts";
import { updatePresence, presenceTracker, realmPresence } from "../src/actions/presence.ts";
import { Params } from "../src/http/params.ts";
import { silentLogger } from "../src/lib/log.ts";
import { DIALECTS, freshDatabase } from "../test/helpers/db.ts";
import { testConfig } from "../test/helpers/app.ts";

const USERS = Number(process.env.BENCH_USERS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

function pct(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const fmt = (ms: number) => (ms * 1000).toFixed(1) + " µs";

for (const dialect of DIALECTS) {
  const db = await freshDatabase(dialect);
  let clock = Date.now();
  const app = await createApp(testConfig(db), { log: silentLogger, now: () => new Date(clock) });
  try {
    const realm = await createRealm(app.deps, { name: "Bench", subdomain: "" });
    const users = [];
    for (let i = 0; i < USERS; i++) {
      users.push(await createUser(app.deps, { realmId: realm.id, email: `u${i}@example.com`, fullName: `U ${i}` }));
    }
    console.log(`\n== ${dialect}: ${USERS} users`);

    // 1. action only: first ping per user (a change → event → transaction), then steady pings (no change).
    let t0 = performance.now();
    for (const u of users) await updatePresence(app.deps, realm, u, "active");
    const first = (performance.now() - t0) / USERS;
    clock += 10_000;
    let n = 0;
    t0 = performance.now();
    while (performance.now() - t0 < SECONDS * 1000) {
      for (let i = 0; i < 1000; i++) await updatePresence(app.deps, realm, users[n++ % USERS]!, "active");
    }
    const steady = (performance.now() - t0) / n;
    // periodic pings a minute apart: every ping writes (a row becomes dirty) but sends no event
    clock += 60_000;
    t0 = performance.now();
    for (const u of users) await updatePresence(app.deps, realm, u, "active");
    const minute = (performance.now() - t0) / USERS;
    t0 = performance.now();
    await presenceTracker(app.deps).flush();
    const flush = performance.now() - t0;
    console.log(`action: first ping (event+tx) ${fmt(first)}; steady ping ${fmt(steady)} (${Math.round(1000 / steady).toLocaleString()}/s); minute ping (dirty) ${fmt(minute)}; flush of ${USERS} rows ${flush.toFixed(1)} ms`);

    // 1b. the handler's own work without the request path's database lookups (realm by
    // Host, user by API key): parse the form body, update, build the modern incremental
    // answer, serialize. This is the ceiling once those lookups are cached.
    {
      const seq0 = (await presenceTracker(app.deps).realm(realm.id)).seq;
      const url = new URL("http://testserver/api/v1/users/me/presence");
      let k = 0;
      t0 = performance.now();
      while (performance.now() - t0 < SECONDS * 1000) {
        const req = new Request(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `status=active&last_update_id=${seq0}` });
        const p = await Params.fromRequest(req, url);
        const u = users[k++ % USERS]!;
        await updatePresence(app.deps, realm, u, p.str("status") as "active");
        const out = await realmPresence(app.deps, realm, { slim: true, lastUpdateId: p.int("last_update_id") });
        JSON.stringify({ result: "success", msg: "", ...out });
      }
      const per = (performance.now() - t0) / k;
      console.log(`handler only (parse + update + incremental answer + JSON): ${fmt(per)} per request (${Math.round(1000 / per).toLocaleString()}/s on one core)`);
    }

    // 2 & 3: HTTP
    const auth = users.map((u) => "Basic " + Buffer.from(`${u.email}:${u.apiKey}`).toString("base64"));
    const variants: { name: string; body: string; path?: string }[] = [
      { name: "ping_only", body: "status=active&ping_only=true" },
      { name: "modern incremental (last_update_id=current)", body: "" },
      // what a client does once at start-up: every user of the realm in the response
      { name: "modern full (last_update_id=-1)", body: "status=active&last_update_id=-1" },
      // the same request path (realm lookup, API-key auth, JSON) with no presence work at all
      { name: "baseline: GET /users/me", body: "", path: "/users/me" },
    ];
    const seq = (await presenceTracker(app.deps).realm(realm.id)).seq;
    variants[1]!.body = `status=active&last_update_id=${seq}`;

    for (const v of variants) {
      const lat: number[] = [];
      let i = 0;
      t0 = performance.now();
      while (performance.now() - t0 < SECONDS * 1000) {
        const s = performance.now();
        const res = await app.http.fetch(
          new Request(`http://testserver/api/v1${v.path ?? "/users/me/presence"}`, {
            method: v.path ? "GET" : "POST",
            headers: { authorization: auth[i++ % USERS]!, "content-type": "application/x-www-form-urlencoded" },
            body: v.path ? undefined : v.body,
          }),
        );
        await res.text();
        lat.push(performance.now() - s);
      }
      const el = (performance.now() - t0) / 1000;
      console.log(`http (in-process, sequential) ${v.name}: ${Math.round(lat.length / el).toLocaleString()} req/s, p50 ${fmt(pct(lat, 50))}, p99 ${fmt(pct(lat, 99))}`);
    }

    const server = await app.start();
    const base = `http://127.0.0.1:${server.port}/api/v1`;
    for (const v of variants) {
      let done = 0;
      const lat: number[] = [];
      const end = performance.now() + SECONDS * 1000;
      const worker = async (w: number) => {
        let k = w;
        while (performance.now() < end) {
          const s = performance.now();
          const res = await fetch(base + (v.path ?? "/users/me/presence"), {
            method: v.path ? "GET" : "POST",
            headers: { authorization: auth[k++ % USERS]!, "content-type": "application/x-www-form-urlencoded", host: "testserver" },
            body: v.path ? undefined : v.body,
          });
          await res.text();
          lat.push(performance.now() - s);
          done++;
        }
      };
      t0 = performance.now();
      await Promise.all(Array.from({ length: 32 }, (_, w) => worker(w)));
      const el = (performance.now() - t0) / 1000;
      console.log(`http (loopback socket, 32 in flight) ${v.name}: ${Math.round(done / el).toLocaleString()} req/s, p50 ${fmt(pct(lat, 50))}, p99 ${fmt(pct(lat, 99))}`);
    }
  } finally {
    await app.stop({ graceMs: 100 });
    await db.drop();
  }
}
process.exit(0);
