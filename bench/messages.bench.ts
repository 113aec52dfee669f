// Messaging benchmarks (not timed tests): send throughput to a 1,000-subscriber stream
// with 100 "connected" clients, and GET /messages latency for a 100-message narrow on a
// large database. Both dialects; loopback only; bounded in time.
//   node_modules/.bin/bun bench/messages.bench.ts [--sqlite-messages=1000000] [--pg-messages=250000] [--dialects=sqlite,pg]
// Results go to stdout as Markdown rows; docs/performance-messages.md records a run.
import { createApp, type App } from "../src/app/app.ts";
import { testConfig } from "../test/helpers/app.ts";
import { freshDatabase, type TestDialect } from "../test/helpers/db.ts";
import { silentLogger } from "../src/lib/log.ts";
import { createRealm } from "../src/actions/realms.ts";
import { createUser } from "../src/actions/users.ts";
import { subscribe } from "../src/actions/streams.ts";
import { streamByName } from "../src/db/repo/streams.ts";
import type { Database } from "bun:sqlite";
import type postgres from "postgres";

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const dialects = arg("dialects", "sqlite,pg").split(",") as TestDialect[];
const bigN: Record<TestDialect, number> = { sqlite: Number(arg("sqlite-messages", "1000000")), pg: Number(arg("pg-messages", "250000")) };
const SEND_SECONDS = Number(arg("send-seconds", "8"));

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (n: number) => n.toFixed(2);

async function setup(dialect: TestDialect) {
  const db = await freshDatabase(dialect);
  // the production default pool size (the test config uses 5)
  const app = await createApp(testConfig(db, { databasePoolSize: 10 }), { log: silentLogger, migrate: true });
  const realm = await createRealm(app.deps, { name: "Bench", subdomain: "" });
  return { db, app, realm };
}

function api(app: App, user: { email: string; apiKey: string }, method: string, path: string, params: Record<string, unknown>) {
  const url = new URL(`http://testserver/api/v1${path}`);
  const enc = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  const headers = new Headers({ authorization: "Basic " + Buffer.from(`${user.email}:${user.apiKey}`).toString("base64") });
  let body: BodyInit | undefined;
  if (method === "GET") for (const [k, v] of Object.entries(params)) url.searchParams.set(k, enc(v));
  else body = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, enc(v)]));
  return Promise.resolve(app.http.fetch(new Request(url, { method, headers, body }))).then(async (r: Response) => {
    const j = (await r.json()) as any;
    if (j.result !== "success") throw new Error(JSON.stringify(j));
    return j;
  });
}

async function sendBench(dialect: TestDialect) {
  const { db, app, realm } = await setup(dialect);
  try {
    const users: Awaited<ReturnType<typeof createUser>>[] = [];
    for (let i = 0; i < 1000; i++) users.push(await createUser(app.deps, { realmId: realm.id, email: `u${i}@example.com`, fullName: `User ${i}` }));
    await subscribe(app.deps, users[0]!, { streams: [{ name: "big" }], principals: users.map((u) => u.id), authorizationErrorsFatal: true, inviteOnly: false, isWebPublic: false, isDefaultStream: false });
    // 100 connected clients: each delivery serializes the event once per distinct payload,
    // as the event queues do (DESIGN.md), and hands it to 100 "sockets".
    const connected = new Set(users.slice(0, 100).map((u) => u.id));
    let delivered = 0;
    app.bus.subscribe((batch) => {
      for (const env of batch) {
        const base = JSON.stringify(env.event);
        for (const uid of env.userIds) {
          if (!connected.has(uid)) continue;
          const extra = env.perUser?.[uid];
          const payload = extra ? JSON.stringify({ ...env.event, ...extra }) : base;
          if (payload.length) delivered++;
        }
      }
    });
    const out: string[] = [];
    for (const concurrency of [1, 8]) {
      let n = 0;
      const t0 = performance.now();
      const deadline = t0 + SEND_SECONDS * 1000;
      const lat: number[] = [];
      await Promise.all(
        Array.from({ length: concurrency }, async (_, w) => {
          while (performance.now() < deadline) {
            const s = performance.now();
            await api(app, users[(w * 7 + n) % 1000]!, "POST", "/messages", { type: "stream", to: "big", topic: `t${n % 20}`, content: `message ${n} with some **text**` });
            lat.push(performance.now() - s);
            n++;
          }
        }),
      );
      const secs = (performance.now() - t0) / 1000;
      out.push(`| ${dialect} | send to 1,000 subscribers (100 connected), ${concurrency} in flight | ${(n / secs).toFixed(0)} msg/s | p50 ${ms(pct(lat, 50))} ms, p95 ${ms(pct(lat, 95))} ms | ${n} sends |`);
    }
    out.push(`| ${dialect} | deliveries to connected clients during the runs | ${delivered} | | |`);
    return out;
  } finally {
    await app.stop({ graceMs: 100 });
    await db.drop();
  }
}

/** Bulk-loads `n` messages over 50 streams and 1,000 topics, bypassing the API (it is the read path being measured). */
async function load(app: App, realmId: number, senderId: number, streamIds: number[], n: number) {
  const t0 = performance.now();
  const date = Date.now();
  if (app.store.kind === "sqlite") {
    const w = (app.store as unknown as { writer: Database }).writer;
    await app.store.withTx(async () => {
      const st = w.prepare(
        "INSERT INTO messages (realm_id, sender_id, stream_id, topic, topic_key, content, rendered_content, search_text, client, date_sent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'bench', ?)",
      );
      for (let i = 0; i < n; i++) {
        const s = streamIds[i % streamIds.length]!;
        const topic = `topic ${i % 1000}`;
        const text = `message number ${i} about ${topic}`;
        st.run(realmId, senderId, s, topic, topic, text, `<p>${text}</p>`, text, date);
      }
    });
  } else {
    const sql = (app.store as unknown as { sql: postgres.Sql }).sql;
    const B = 20_000;
    for (let off = 0; off < n; off += B) {
      const count = Math.min(B, n - off);
      const idx = Array.from({ length: count }, (_, k) => off + k);
      await sql`
        INSERT INTO messages (realm_id, sender_id, stream_id, topic, topic_key, content, rendered_content, search_text, client, date_sent)
        SELECT ${realmId}, ${senderId}, s, t, t, c, '<p>' || c || '</p>', c, 'bench', now()
        FROM unnest(${sql.array(idx.map((i) => streamIds[i % streamIds.length]!))}::int[], ${sql.array(idx.map((i) => `topic ${i % 1000}`))}::text[],
                    ${sql.array(idx.map((i) => `message number ${i} about topic ${i % 1000}`))}::text[]) AS x(s, t, c)`;
    }
    await sql`ANALYZE messages`;
  }
  return (performance.now() - t0) / 1000;
}

async function readBench(dialect: TestDialect) {
  const { db, app, realm } = await setup(dialect);
  try {
    const reader = await createUser(app.deps, { realmId: realm.id, email: "reader@example.com", fullName: "Reader" });
    const sender = await createUser(app.deps, { realmId: realm.id, email: "sender@example.com", fullName: "Sender" });
    const names = Array.from({ length: 50 }, (_, i) => `stream${i}`);
    await subscribe(app.deps, sender, { streams: names.map((name) => ({ name })), principals: [sender.id], authorizationErrorsFatal: true, inviteOnly: false, isWebPublic: false, isDefaultStream: false });
    // the reader is subscribed to 20 streams from the start (so the messages are "received")
    await subscribe(app.deps, reader, { streams: names.slice(0, 20).map((name) => ({ name })), principals: [reader.id], authorizationErrorsFatal: true, inviteOnly: false, isWebPublic: false, isDefaultStream: false });
    const ids = await Promise.all(names.map(async (n) => (await streamByName(app.store, realm.id, n))!.id));
    const n = bigN[dialect];
    const loadSecs = await load(app, realm.id, sender.id, ids, n);
    const out: string[] = [`| ${dialect} | bulk load of ${n.toLocaleString("en")} messages (incl. search index) | ${loadSecs.toFixed(1)} s | | |`];
    const cases: [string, unknown[]][] = [
      ["stream + topic narrow, 100 newest", [{ operator: "channel", operand: "stream3" }, { operator: "topic", operand: "topic 3" }]],
      ["stream narrow, 100 newest", [{ operator: "channel", operand: "stream3" }]],
      ["combined feed (no narrow), 100 newest", []],
      ["is:unread, 100 oldest (first_unread)", [{ operator: "is", operand: "unread" }]],
 ["search 'topic 503' in a stream, 100 newest", [{ operator: "channel", operand: "stream3" }, { operator: "search", operand: "topic 503" }]],
    ];
    for (const [label, narrow] of cases) {
      const anchor = label.includes("first_unread") ? "first_unread" : "newest";
      const params = { anchor, num_before: anchor === "newest" ? 100 : 0, num_after: anchor === "newest" ? 0 : 100, narrow };
      for (let i = 0; i < 5; i++) await api(app, reader, "GET", "/messages", params); // warm
      const lat: number[] = [];
      let got = 0;
      const t0 = performance.now();
      while (lat.length < 200 && performance.now() - t0 < 15_000) {
        const s = performance.now();
        const r = await api(app, reader, "GET", "/messages", params);
        lat.push(performance.now() - s);
        got = r.messages.length;
      }
      out.push(`| ${dialect} | GET /messages: ${label} | p50 ${ms(pct(lat, 50))} ms | p95 ${ms(pct(lat, 95))} ms | ${got} messages, ${lat.length} requests |`);
    }
    const t1 = performance.now();
    await api(app, reader, "POST", "/mark_all_as_read", {});
    out.push(`| ${dialect} | mark_all_as_read over the whole database | ${ms(performance.now() - t1)} ms | | |`);
    return out;
  } finally {
    await app.stop({ graceMs: 100 });
    await db.drop();
  }
}

console.log(`machine: ${navigator.hardwareConcurrency} cores, Bun ${Bun.version}, ${new Date().toISOString()}`);
console.log("| dialect | measurement | result | latency | notes |\n| --- | --- | --- | --- | --- |");
for (const d of dialects) for (const row of await sendBench(d)) console.log(row);
for (const d of dialects) for (const row of await readBench(d)) console.log(row);
process.exit(0);
