import { createApp } from "../src/app/app.ts";
import { testConfig } from "../test/helpers/app.ts";
import { freshDatabase } from "../test/helpers/db.ts";
import { silentLogger } from "../src/lib/log.ts";
import { createRealm } from "../src/actions/realms.ts";
import { createUser } from "../src/actions/users.ts";
import { subscribe } from "../src/actions/streams.ts";
import { streamByName } from "../src/db/repo/streams.ts";
import type { Database } from "bun:sqlite";
const db = await freshDatabase("sqlite");
const app = await createApp(testConfig(db), { log: silentLogger, migrate: true });
const realm = await createRealm(app.deps, { name: "B", subdomain: "" });
const reader = await createUser(app.deps, { realmId: realm.id, email: "r@example.com", fullName: "R" });
const names = Array.from({ length: 50 }, (_, i) => `stream${i}`);
await subscribe(app.deps, reader, { streams: names.map((name) => ({ name })), principals: [reader.id], authorizationErrorsFatal: true, inviteOnly: false, isWebPublic: false, isDefaultStream: false });
const ids = await Promise.all(names.map(async (n) => (await streamByName(app.store, realm.id, n))!.id));
const w = (app.store as any).writer as Database;
await app.store.withTx(async () => {
  const st = w.prepare("INSERT INTO messages (realm_id, sender_id, stream_id, topic, topic_key, content, rendered_content, search_text, client, date_sent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'bench', ?)");
  for (let i = 0; i < 100000; i++) { const t = `topic ${i % 1000}`; st.run(realm.id, reader.id, ids[i % 50], t, t, "m " + i, "<p>m</p>", "m", Date.now()); }
});
const url = new URL("http://testserver/api/v1/messages");
url.searchParams.set("anchor", "newest"); url.searchParams.set("num_before", "100"); url.searchParams.set("num_after", "0");
url.searchParams.set("narrow", JSON.stringify([{ operator: "channel", operand: "stream3" }, { operator: "topic", operand: "topic 3" }]));
const headers = { authorization: "Basic " + Buffer.from(`${reader.email}:${reader.apiKey}`).toString("base64") };
for (let i = 0; i < 20; i++) await (await app.http.fetch(new Request(url, { headers }))).text();
const lat: number[] = [];
for (let i = 0; i < 1000; i++) { const s = performance.now(); await (await app.http.fetch(new Request(url, { headers }))).text(); lat.push(performance.now() - s); }
lat.sort((a, b) => a - b);
console.log("p50", lat[500]!.toFixed(2), "p95", lat[950]!.toFixed(2));
await app.stop(); await db.drop(); process.exit(0);
