// Backup → restore of a server that has been used through the API: messages, edits and
// their history, reactions, read state (intervals), stars, subscriptions, user topics, user
// groups, presence, uploads and settings. The restored server (in the other dialect too)
// must hold the same rows field by field and answer the API identically — narrows, flags,
// unread counts, edit history, full-text search (FTS5 / tsvector rebuilt from the rows).
// A backup taken under a message-send load restores to one consistent instant.
import { test, expect, describe, beforeAll, afterAll } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { DIALECTS, freshDatabase } from "../helpers/db.ts";
import { TestEnv, testConfig, type TestUser } from "../helpers/app.ts";
import { openStore } from "../../src/db/client.ts";
import { createApp } from "../../src/app/app.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { realmBySubdomain } from "../../src/db/repo/realms.ts";
import { presenceTracker } from "../../src/actions/presence.ts";
import { createBackup } from "../../src/ops/backup/backup.ts";
import { restoreBackup } from "../../src/ops/backup/restore.ts";
import { sql } from "drizzle-orm";
import { dumpAll } from "./helpers.ts";

const scratch = mkdtempSync(join(tmpdir(), "hearth-backup-msg-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A second server over a database restored from `archive`. */
async function restoredEnv(dialect: "sqlite" | "pg", archive: string): Promise<TestEnv> {
  const r = new TestEnv(dialect);
  r.db = await freshDatabase(dialect);
  const store = await openStore({ url: r.db.url, dataDir: r.db.dataDir });
  try {
    await restoreBackup(store, archive, { dataDir: r.db.dataDir });
  } finally {
    await store.close();
  }
  r.app = await createApp(testConfig(r.db), { log: silentLogger, migrate: true });
  r.realm = (await realmBySubdomain(r.app.store, ""))!;
  return r;
}

interface World {
  alice: TestUser;
  bob: TestUser;
  carol: TestUser;
  devId: number;
  secretId: number;
  edited: number;
  ids: number[];
}

async function populate(t: TestEnv): Promise<World> {
  const alice = await t.user({ role: 200, fullName: "Alice" });
  const bob = await t.user({ fullName: "Bob" });
  const carol = await t.user({ fullName: "Carol" });
  const ok = async (p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    expect({ status: r.status, body: r.body }).toMatchObject({ status: 200 });
    return r.body;
  };
  const sub = (as: TestUser, name: string, principals: number[], extra: Record<string, unknown> = {}) =>
    ok(t.api("POST", "/users/me/subscriptions", { as, params: { subscriptions: [{ name, description: `about ${name}` }], principals, ...extra } }));
  await sub(alice, "dev", [alice.id, bob.id, carol.id]);
  await sub(alice, "secret", [alice.id, bob.id], { invite_only: true });
  const devId = (await ok(t.api("GET", "/get_stream_id", { as: alice, params: { stream: "dev" } }))).stream_id;
  const secretId = (await ok(t.api("GET", "/get_stream_id", { as: alice, params: { stream: "secret" } }))).stream_id;
  const send = async (as: TestUser, params: Record<string, unknown>) => (await ok(t.api("POST", "/messages", { as, params }))).id as number;
  const ids: number[] = [];
  ids.push(await send(alice, { type: "stream", to: "dev", topic: "deploys", content: "The deployments were **running** smoothly" }));
  ids.push(await send(bob, { type: "stream", to: "dev", topic: "deploys", content: "@**Carol** please look: https://example.com/x" }));
  ids.push(await send(carol, { type: "stream", to: "secret", topic: "hidden", content: "not for carol" }).catch(() => 0));
  ids.push(await send(alice, { type: "stream", to: "secret", topic: "hidden", content: "secret deployment plans" }));
  ids.push(await send(bob, { type: "direct", to: JSON.stringify([alice.id]), content: "a direct word" }));
  ids.push(await send(carol, { type: "direct", to: JSON.stringify([alice.id, bob.id]), content: "group chat, with emoji :tada:" }));
  ids.push(await send(alice, { type: "stream", to: "dev", topic: "deploys", content: "@**all** heads up", read_by_sender: true }));
  // Carol could not post to a private stream she is not in: that send failed.
  expect(ids[2]).toBe(0);
  ids.splice(2, 1);
  // An edit of content and topic, then a second content edit: two history entries.
  const edited = ids[0]!;
  await ok(t.api("PATCH", `/messages/${edited}`, { as: alice, params: { content: "The deployments were running smoothly (edited)", topic: "deploy log", propagate_mode: "change_one" } }));
  await ok(t.api("PATCH", `/messages/${edited}`, { as: alice, params: { content: "Deployments ran smoothly, final" } }));
  // Reactions, unicode and a second user on the same emoji.
  for (const [as, id, emoji_name] of [[bob, ids[0], "tada"], [carol, ids[0], "tada"], [alice, ids[1], "smile"], [alice, ids[3], "+1"]] as const) {
    await ok(t.api("POST", `/messages/${id}/reactions`, { as, params: { emoji_name } }));
  }
  // Read state: Bob reads some, Carol reads all then marks one unread again (interval split).
  await ok(t.api("POST", "/messages/flags", { as: bob, params: { messages: JSON.stringify([ids[0], ids[3]]), op: "add", flag: "read" } }));
  await ok(t.api("POST", "/mark_all_as_read", { as: carol }));
  await ok(t.api("POST", "/messages/flags", { as: carol, params: { messages: JSON.stringify([ids[1]]), op: "remove", flag: "read" } }));
  // Stars.
  await ok(t.api("POST", "/messages/flags", { as: bob, params: { messages: JSON.stringify([ids[1], ids[4]]), op: "add", flag: "starred" } }));
  await ok(t.api("POST", "/messages/flags", { as: alice, params: { messages: JSON.stringify([ids[2]]), op: "add", flag: "starred" } }));
  // Subscription settings and a muted topic.
  await ok(t.api("POST", "/users/me/subscriptions/properties", { as: bob, params: { subscription_data: JSON.stringify([{ stream_id: devId, property: "pin_to_top", value: true }, { stream_id: devId, property: "color", value: "#abcdef" }]) } }));
  await ok(t.api("POST", "/user_topics", { as: carol, params: { stream_id: devId, topic: "deploy log", visibility_policy: 1 } }));
  // A user group, presence, a user status, an alert word, a draft.
  await ok(t.api("POST", "/user_groups/create", { as: alice, params: { name: "ops", description: "the ops team", members: JSON.stringify([alice.id, bob.id]) } }));
  await ok(t.api("POST", "/users/me/presence", { as: bob, params: { status: "active" } }));
  await ok(t.api("POST", "/users/me/presence", { as: carol, params: { status: "idle" } }));
  await presenceTracker(t.deps).flush();
  await ok(t.api("POST", "/users/me/status", { as: bob, params: { status_text: "on call", emoji_name: "phone", emoji_code: "1f4de" } }));
  await ok(t.api("POST", "/users/me/alert_words", { as: carol, params: { alert_words: JSON.stringify(["deploy"]) } }));
  // Settings, uploads.
  await ok(t.api("PATCH", "/settings", { as: bob, params: { twenty_four_hour_time: true } }));
  await ok(t.api("PATCH", "/realm", { as: await t.user({ role: 100 }), params: { description: "restored org" } }));
  mkdirSync(join(t.db.dataDir, "uploads/1/cd"), { recursive: true });
  writeFileSync(join(t.db.dataDir, "uploads/1/cd/report.pdf"), Buffer.from("%PDF-1.4 \u0000\u00ff binary"));
  return { alice, bob, carol, devId, secretId, edited, ids };
}

/** What each user's client sees, through the API only. */
async function apiView(t: TestEnv, w: World) {
  const out: Record<string, unknown> = {};
  const get = async (path: string, as: TestUser, params: Record<string, unknown> = {}) => {
    const r = await t.api("GET", path, { as, params });
    expect(r.status).toBe(200);
    return r.body;
  };
  const msgs = (b: any) => b.messages.map((m: any) => ({
    id: m.id, flags: [...m.flags].sort(), content: m.content, sender_id: m.sender_id, subject: m.subject, type: m.type,
    stream_id: m.stream_id, display_recipient: m.display_recipient, last_edit_timestamp: m.last_edit_timestamp, timestamp: m.timestamp,
    reactions: m.reactions.map((r: any) => [r.emoji_name, r.emoji_code, r.reaction_type, r.user_id]).sort(),
    match_content: m.match_content, match_subject: m.match_subject,
  }));
  for (const [name, u] of [["alice", w.alice], ["bob", w.bob], ["carol", w.carol]] as const) {
    const page = { anchor: "newest", num_before: 100, num_after: 0 };
    out[`${name} all`] = msgs(await get("/messages", u, page));
    out[`${name} dev`] = msgs(await get("/messages", u, { ...page, narrow: [{ operator: "channel", operand: w.devId }] }));
    out[`${name} starred`] = msgs(await get("/messages", u, { ...page, narrow: [{ operator: "is", operand: "starred" }] }));
    out[`${name} unread`] = msgs(await get("/messages", u, { ...page, narrow: [{ operator: "is", operand: "unread" }] }));
    out[`${name} dm`] = msgs(await get("/messages", u, { ...page, narrow: [{ operator: "is", operand: "dm" }] }));
    // (Words whose stems the two dialects agree on: Postgres' Snowball and SQLite's Porter
    // stemmers differ on some, e.g. "deploys" vs "deployment".)
    out[`${name} search`] = msgs(await get("/messages", u, { ...page, narrow: [{ operator: "search", operand: "plans" }] }));
    out[`${name} search2`] = msgs(await get("/messages", u, { ...page, narrow: [{ operator: "search", operand: "smoothly" }] }));
    out[`${name} first_unread`] = (await get("/messages", u, { anchor: "first_unread", num_before: 0, num_after: 0 })).anchor;
    const subs = (await get("/users/me/subscriptions", u, { include_subscribers: true })).subscriptions;
    out[`${name} subs`] = subs.map((s: any) => ({ name: s.name, color: s.color, pin: s.pin_to_top, invite_only: s.invite_only, subscribers: [...s.subscribers].sort() }));
    const reg = await t.api("POST", "/register", { as: u, params: { fetch_event_types: ["message", "update_message_flags", "user_topic", "alert_words"] } });
    expect(reg.status).toBe(200);
    out[`${name} register`] = { unread_msgs: reg.body.unread_msgs, user_topics: reg.body.user_topics, alert_words: reg.body.alert_words };
  }
  out.history = (await get(`/messages/${w.edited}/history`, w.alice)).message_history;
  out.groups = (await get("/user_groups", w.alice)).user_groups.map((g: any) => ({ name: g.name, members: [...g.members].sort(), description: g.description }));
  out.presence = (await get("/realm/presence", w.alice)).presences;
  out.me = await get("/users/me", w.bob);
  return out;
}

for (const source of DIALECTS) {
  describe(`messages backup from ${source}`, () => {
    const t = new TestEnv(source);
    let archive = "";
    let w: World;
    let rows: Awaited<ReturnType<typeof dumpAll>>;
    let view: Awaited<ReturnType<typeof apiView>>;
    beforeAll(async () => {
      await t.setup();
      w = await populate(t);
      rows = await dumpAll(t.store);
      view = await apiView(t, w);
      archive = join(scratch, `msgs-from-${source}.tar.gz`);
      await createBackup(t.store, t.app.config, archive);
    }, 90_000);
    afterAll(() => t.teardown());

    test("the populated server has what the test claims (so the comparison means something)", () => {
      for (const table of ["messages", "message_edits", "reactions", "read_intervals", "message_flags", "subscriptions", "subscription_intervals", "dm_groups", "user_topics", "user_groups", "user_presence"]) {
        expect({ table, rows: rows[table]?.length ?? -1 }).not.toEqual({ table, rows: 0 });
        expect(rows[table]).toBeDefined();
      }
      expect(rows.message_edits!.length).toBe(2);
      expect((view["alice search"] as { id: number }[]).map((m) => m.id)).toEqual([w.ids[2]]);
      expect((view["bob search"] as { id: number }[]).map((m) => m.id)).toEqual([w.ids[2]]);
      expect(view["carol search"]).toEqual([]);
      expect((view["carol search2"] as { id: number; match_content: string }[]).map((m) => m.id)).toEqual([w.edited]);
      expect((view["carol search2"] as { match_content: string }[])[0]!.match_content).toContain('<span class="highlight">smoothly</span>');
      expect((view["bob starred"] as unknown[]).length).toBe(2);
      expect((view["carol unread"] as { id: number }[]).map((m) => m.id)).toEqual([w.ids[1]]);
    });

    for (const target of DIALECTS) {
      test(`restored into ${target}: every row equal, and the API answers identically (narrows, flags, search, history, unreads)`, async () => {
        const r = await restoredEnv(target, archive);
        try {
          expect(await dumpAll(r.store)).toEqual(rows);
          expect(await apiView(r, w)).toEqual(view);
          if (target === "sqlite") {
            // The FTS5 index was filled by its triggers while the rows were loaded: it agrees
            // with the messages table (this external-content integrity check throws "database disk image is malformed" when a row is missing from the index).
            await r.store.withTx((tx) => tx.dialect.run(tx.db, sql`INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)`));
          }
          expect(readFileSync(join(r.db.dataDir, "uploads/1/cd/report.pdf"))).toEqual(Buffer.from("%PDF-1.4 \u0000\u00ff binary"));
          // The restored server keeps working: a new message gets the next id, is searchable,
          // unread for the recipients, and edits/reactions still go through.
          const maxId = Math.max(...rows.messages!.map((m) => m.id as number));
          const sent = await r.api("POST", "/messages", { as: w.bob, params: { type: "stream", to: "dev", topic: "after", content: "restored deployment verified" } });
          expect(sent.body.id).toBeGreaterThan(maxId);
          const found = await r.api("GET", "/messages", { as: w.carol, params: { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "search", operand: "deployment verified" }] } });
          expect(found.body.messages.map((m: any) => [m.id, m.flags])).toEqual([[sent.body.id, []]]);
          expect((await r.api("POST", `/messages/${sent.body.id}/reactions`, { as: w.alice, params: { emoji_name: "octopus" } })).status).toBe(200);
          expect((await r.api("PATCH", `/messages/${w.edited}`, { as: w.alice, params: { content: "edited after restore" } })).status).toBe(200);
          const h = await r.api("GET", `/messages/${w.edited}/history`, { as: w.alice });
          expect(h.body.message_history.length).toBe((view.history as unknown[]).length + 1);
          // The search index follows the edit (the old words are gone, the new ones found).
          const old = await r.api("GET", "/messages", { as: w.alice, params: { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "search", operand: "final" }] } });
          expect(old.body.messages).toEqual([]);
        } finally {
          await r.teardown();
        }
      }, 90_000);
    }
  });

  describe(`messages backup during a send load [${source}]`, () => {
    const t = new TestEnv(source);
    beforeAll(() => t.setup(), 60_000);
    afterAll(() => t.teardown());

    test("the archive is one instant: acknowledged-before sends present, later ones absent, every row consistent", async () => {
      const users = [await t.user(), await t.user(), await t.user()];
      await t.api("POST", "/users/me/subscriptions", { as: users[0], params: { subscriptions: [{ name: "load" }], principals: users.map((u) => u.id) } });
      const acked: number[] = [];
      const send = async (i: number) => {
        const as = users[i % 3]!;
        const params = i % 4 === 3
          ? { type: "direct", to: JSON.stringify([users[(i + 1) % 3]!.id]), content: `dm ${i}`, read_by_sender: true }
          : { type: "stream", to: "load", topic: `t${i % 5}`, content: `load message ${i}`, read_by_sender: true };
        const r = await t.api("POST", "/messages", { as, params });
        expect(r.status).toBe(200);
        return r.body.id as number;
      };
      for (let i = 0; i < 30; i++) acked.push(await send(i));
      let stop = false;
      let n = 100;
      const load = (async () => {
        while (!stop) {
          const id = await send(n++);
          acked.push(id);
          // Read state moves under the load too.
          if (n % 7 === 0) await t.api("POST", "/mark_all_as_read", { as: users[n % 3] });
          await Bun.sleep(0);
        }
      })();
      const archive = join(scratch, `msg-load-${source}.tar.gz`);
      let beforeSnapshot: number[] = [];
      const injected: number[] = [];
      await Bun.sleep(30);
      await createBackup(t.store, t.app.config, archive, {
        afterSnapshot: async () => {
          // Everything acknowledged before this point of the backup's read transaction may
          // or may not be in the snapshot; everything sent from here on must not be.
          beforeSnapshot = [...acked];
          for (let i = 0; i < 5; i++) injected.push(await send(1000 + i));
        },
      });
      stop = true;
      await load;
      const other = source === "pg" ? "sqlite" : DIALECTS.includes("pg") ? "pg" : "sqlite";
      const r = await restoredEnv(other, archive);
      try {
        const messages = await r.store.db.select().from(r.store.t.messages);
        const have = new Set(messages.map((m) => m.id));
        expect(injected.filter((id) => have.has(id))).toEqual([]);
        // The snapshot was taken before afterSnapshot ran, so acknowledged sends before
        // the backup started (the first 30) are all there.
        expect(acked.slice(0, 30).filter((id) => !have.has(id))).toEqual([]);
        expect(messages.length).toBeGreaterThanOrEqual(30);
        expect(messages.length).toBeLessThanOrEqual(beforeSnapshot.length);
        const maxId = Math.max(...have);
        const userIds = new Set((await r.store.db.select().from(r.store.t.users)).map((u) => u.id));
        expect(messages.filter((m) => !userIds.has(m.senderId))).toEqual([]);
        const reads = await r.store.db.select().from(r.store.t.readIntervals);
        expect(reads.filter((x) => x.endId > maxId || x.startId > x.endId)).toEqual([]);
        const subIntervals = await r.store.db.select().from(r.store.t.subscriptionIntervals);
        expect(subIntervals.filter((x) => x.startId > maxId + 1)).toEqual([]);
        const streams = await r.store.db.select().from(r.store.t.streams);
        expect(streams.filter((s) => s.firstMessageId !== null && !have.has(s.firstMessageId))).toEqual([]);
        // Every message a sender sent under read_by_sender is read for them in the restore.
        const unread = await r.api("GET", "/messages", { as: users[0], params: { anchor: "newest", num_before: 1000, num_after: 0, narrow: [{ operator: "is", operand: "unread" }, { operator: "sender", operand: users[0]!.id }] } });
        expect(unread.body.messages).toEqual([]);
        // And the restored server serves the load's messages, searchable.
        const s = await r.api("GET", "/messages", { as: users[1], params: { anchor: "newest", num_before: 5000, num_after: 0, narrow: [{ operator: "search", operand: "load message" }] } });
        expect(s.body.messages.length).toBe(messages.filter((m) => m.streamId !== null).length);
        console.log(`send load [${source} → ${other}]: ${acked.length} sends, ${messages.length} in the snapshot, ${injected.length} after it (absent)`);
      } finally {
        await r.teardown();
      }
    }, 120_000);
  });
}
