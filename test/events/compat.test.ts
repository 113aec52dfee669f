// Zulip compatibility of event delivery, through the real /register + /events API:
// per-queue message forms (apply_markdown, client_gravatar), local_message_id only to
// the sending queue, delete_message in the legacy and the bulk form, and queues that
// survive a restart (with a restart event when the version changed).
import { test, expect } from "bun:test";
import { eq } from "drizzle-orm";
import { forEachDialect, testConfig, type TestUser } from "../helpers/app.ts";
import { validateEvent, validateResponse } from "../helpers/openapi.ts";
import { createApp } from "../../src/app/app.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { setServerSetting } from "../../src/db/repo/events.ts";
import { VERSION_KEY, currentVersion } from "../../src/events/restart.ts";
import { queuesPath } from "../../src/events/persist.ts";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";

forEachDialect("Zulip event compatibility (Gravatar enabled)", (t) => {
  let alice: TestUser, bob: TestUser, admin: TestUser;
  const api = (u: TestUser, method: string, path: string, params: Record<string, unknown> = {}) => t.api(method, path, { as: u, params });
  const register = async (u: TestUser, params: Record<string, unknown> = {}) => {
    const r = await api(u, "POST", "/register", { event_types: ["message", "delete_message", "update_message", "restart"], ...params });
    expect(r.status).toBe(200);
    return r.body as { queue_id: string; last_event_id: number };
  };
  /** Everything queued after lastEventId; every event checked against Zulip's schema. */
  // Zulip sends `local_message_id` in the sending queue's message event (ZULIP-API.md
  // §4.3; zulip-flutter's MessageEvent.localMessageId) but its OpenAPI event schema omits
  // it: such a response is validated with the field taken out, everything else as usual.
  const events = async (u: TestUser, q: { queue_id: string; last_event_id: number }) => {
    const r = await t.api("GET", "/events", { as: u, params: { queue_id: q.queue_id, last_event_id: q.last_event_id, dont_block: true }, validate: false });
    expect(r.status).toBe(200);
    const { local_message_id: _, ...first } = r.body.events[0] ?? {};
    validateResponse("GET", "/events", 200, { ...r.body, events: r.body.events.map((e: any, i: number) => (i === 0 && e.local_message_id !== undefined ? first : e)) });
    for (const e of r.body.events) {
      const { local_message_id: lm, ...rest } = e;
      if (lm !== undefined) expect(typeof lm).toBe("string");
      expect(validateEvent(rest)).toBe(true);
    }
    return r.body.events as any[];
  };
  const send = (u: TestUser, content: string, extra: Record<string, unknown> = {}) =>
    api(u, "POST", "/messages", { type: "stream", to: "compat", topic: "t", content, ...extra }).then((r) => {
      expect(r.status).toBe(200);
      return r.body.id as number;
    });

  test("setup", async () => {
    alice = await t.user({ fullName: "Alice" });
    bob = await t.user({ fullName: "Bob" });
    admin = await t.user({ role: 200, fullName: "Admin" });
    const r = await api(alice, "POST", "/users/me/subscriptions", { subscriptions: [{ name: "compat" }], principals: [alice.id, bob.id, admin.id] });
    expect(r.status).toBe(200);
  });

  test("apply_markdown: HTML with it, the raw Markdown (text/x-markdown) without it", async () => {
    const html = await register(bob, { apply_markdown: true });
    const raw = await register(bob, { apply_markdown: false });
    const dflt = await register(bob);
    const id = await send(alice, "**bold** text");
    const [h] = await events(bob, html);
    const [m] = await events(bob, raw);
    const [d] = await events(bob, dflt);
    expect(h.message.id).toBe(id);
    expect(h.message.content).toBe("<p><strong>bold</strong> text</p>");
    expect(h.message.content_type).toBe("text/html");
    expect(m.message.content).toBe("**bold** text");
    expect(m.message.content_type).toBe("text/x-markdown");
    // Zulip's default for /register is apply_markdown=false
    expect(d.message.content).toBe("**bold** text");
    // same event, same id, otherwise identical
    expect(m.id).toBe(h.id);
    expect({ ...m.message, content: 0, content_type: 0 }).toEqual({ ...h.message, content: 0, content_type: 0 });
  });

  test("client_gravatar: avatar_url null for Gravatar senders only, URL otherwise", async () => {
    const cg = await register(bob, { client_gravatar: true, apply_markdown: true });
    const ncg = await register(bob, { client_gravatar: false, apply_markdown: true });
    await send(alice, "gravatar user");
    const [a] = await events(bob, cg);
    const [b] = await events(bob, ncg);
    expect(a.message.avatar_url).toBeNull();
    expect(b.message.avatar_url).toStartWith("https://secure.gravatar.com/avatar/");
    // an uploaded avatar is always sent
    await t.store.withTx((tx) => tx.db.update(tx.t.users).set({ avatarSource: "U" }).where(eq(tx.t.users.id, admin.id)));
    await send(admin, "uploaded avatar", {});
    const [c] = await events(bob, { ...cg, last_event_id: a.id });
    const [d] = await events(bob, { ...ncg, last_event_id: b.id });
    expect(c.message.avatar_url).toStartWith(`/avatar/${admin.id}`);
    expect(d.message.avatar_url).toBe(c.message.avatar_url);
  });

  test("all four forms from one envelope; per-user flags still apply to each", async () => {
    const forms = [
      await register(bob, { apply_markdown: true, client_gravatar: true }),
      await register(bob, { apply_markdown: false, client_gravatar: true }),
      await register(bob, { apply_markdown: true, client_gravatar: false }),
      await register(bob, { apply_markdown: false, client_gravatar: false }),
    ];
    await send(alice, "hi @**Bob**");
    const got = await Promise.all(forms.map(async (q) => (await events(bob, q))[0]));
    expect(got.map((e) => e.flags)).toEqual([["mentioned"], ["mentioned"], ["mentioned"], ["mentioned"]]);
    expect(got.map((e) => [e.message.content_type, e.message.avatar_url === null])).toEqual([
      ["text/html", true], ["text/x-markdown", true], ["text/html", false], ["text/x-markdown", false],
    ]);
    const aliceQ = await register(alice, { apply_markdown: false });
    await send(bob, "from bob");
    expect((await events(alice, aliceQ))[0].flags).toEqual([]);
  });

  test("local_message_id only to the queue that sent the message", async () => {
    const sending = await register(alice, { apply_markdown: true });
    const other = await register(alice, { apply_markdown: true });
    const bobs = await register(bob, { apply_markdown: true });
    const id = await send(alice, "with local id", { queue_id: sending.queue_id, local_id: "42.01" });
    const [s] = await events(alice, sending);
    const [o] = await events(alice, other);
    const [b] = await events(bob, bobs);
    expect(s.message.id).toBe(id);
    expect(s.local_message_id).toBe("42.01");
    expect(s.flags).toEqual(o.flags);
    expect(o.message.id).toBe(id);
    expect("local_message_id" in o).toBe(false);
    expect("local_message_id" in b).toBe(false);
    // another user's queue id does not get it either
    await send(bob, "naming alice's queue", { queue_id: sending.queue_id, local_id: "7" });
    const [again] = await events(alice, { ...sending, last_event_id: s.id });
    expect("local_message_id" in again).toBe(false);
  });

  test("delete_message: one event per message without bulk_message_deletion, one bulk event with it", async () => {
    const ids = [await send(alice, "d1", { topic: "gone" }), await send(alice, "d2", { topic: "gone" }), await send(alice, "d3", { topic: "gone" })]
      .sort((a, b) => a - b);
    await api(alice, "POST", "/messages", { type: "stream", to: "compat", topic: "gone", content: "x" }).then((r) => ids.push(r.body.id));
    const legacy = await register(bob);
    const bulk = await register(bob, { client_capabilities: { bulk_message_deletion: true } });
    const streamId = (await api(admin, "GET", "/get_stream_id", { stream: "compat" })).body.stream_id;
    const del = await api(admin, "POST", `/streams/${streamId}/delete_topic`, { topic_name: "gone" });
    expect(del.status).toBe(200);
    const l = await events(bob, legacy);
    const b = await events(bob, bulk);
    expect(b.length).toBe(1);
    expect(b[0]).toMatchObject({ type: "delete_message", message_type: "stream", stream_id: streamId, topic: "gone" });
    expect([...b[0].message_ids].sort((x: number, y: number) => x - y)).toEqual(ids);
    expect(l.map((e) => e.type)).toEqual(ids.map(() => "delete_message"));
    expect(l.map((e) => e.message_id).sort((x: number, y: number) => x - y)).toEqual(ids);
    for (const e of l) {
      expect("message_ids" in e).toBe(false);
      expect(e).toMatchObject({ message_type: "stream", stream_id: streamId, topic: "gone" });
    }
    // ids increase within the queue and the bulk event is not older than any legacy one
    expect(l.map((e) => e.id)).toEqual([...l.map((e) => e.id)].sort((x, y) => x - y));
    expect(new Set(l.map((e) => e.id)).size).toBe(l.length);
    expect(b[0].id).toBe(l[l.length - 1].id);
    // a single deletion: the legacy form too
    const one = await send(alice, "single");
    const l2 = await register(bob);
    expect((await api(alice, "DELETE", `/messages/${one}`)).status).toBe(200);
    const [e] = await events(bob, l2);
    expect(e).toMatchObject({ type: "delete_message", message_id: one });
    expect("message_ids" in e).toBe(false);
  });

  test("queues survive a restart on the same database and data directory; restart event when the version changed", async () => {
    const kept = await register(bob, { apply_markdown: false });
    const idle = await register(bob, { idle_queue_timeout: 5 });
    const untouched = await register(alice);
    await send(alice, "before restart");
    const [pending] = await events(bob, kept);
    await send(alice, "unacknowledged");
    // Stop: queues are written to the data directory (mode 0600)
    await t.app.stop({ graceMs: 100 });
    const path = queuesPath(t.db.dataDir);
    expect(existsSync(path)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // The idle-limited queue was last active 10 s ago by the time we start again.
    const saved = JSON.parse(readFileSync(path, "utf8"));
    for (const q of saved.queues) if (q.id === idle.queue_id) q.lastActive -= 10_000;
    writeFileSync(path, JSON.stringify(saved), { mode: 0o600 });

    // Same version: queues are back, nothing extra is queued.
    t.app = await createApp(testConfig(t.db), { log: silentLogger, migrate: true });
    expect(existsSync(path)).toBe(false);
    const after = await events(bob, { queue_id: kept.queue_id, last_event_id: pending.id });
    expect(after.map((e) => [e.type, e.message?.content])).toEqual([["message", "unacknowledged"]]);
    const gone = await api(bob, "GET", "/events", { queue_id: idle.queue_id, last_event_id: idle.last_event_id, dont_block: true });
    expect(gone.status).toBe(400);
    expect(gone.body.code).toBe("BAD_EVENT_QUEUE_ID");
    // new events reach restored queues, with ids above every restored one (and in the right form)
    await send(alice, "after restart");
    const fresh = await events(bob, { queue_id: kept.queue_id, last_event_id: after[0].id });
    expect(fresh.map((e) => [e.type, e.message?.content, e.message?.content_type])).toEqual([["message", "after restart", "text/x-markdown"]]);
    expect(fresh[0].id).toBeGreaterThan(after[0].id);
    // another user cannot use a restored queue id
    expect((await api(bob, "GET", "/events", { queue_id: untouched.queue_id, dont_block: true })).status).toBe(400);

    // Now an upgrade: the recorded version differs from this build's.
    await t.store.withTx((tx) => setServerSetting(tx, VERSION_KEY, { ...currentVersion(), hearth_version: "0.0.0-old" }, new Date()));
    await t.app.stop({ graceMs: 100 });
    t.app = await createApp(testConfig(t.db), { log: silentLogger, migrate: true });
    const [restart, ...rest] = await events(bob, { queue_id: kept.queue_id, last_event_id: fresh[0].id });
    expect(rest).toEqual([]);
    expect(restart).toMatchObject({ type: "restart", zulip_version: currentVersion().zulip_version, zulip_feature_level: currentVersion().zulip_feature_level });
    expect(restart.id).toBeGreaterThan(fresh[0].id);
    const [r2] = await events(alice, untouched);
    expect(r2.type).toBe("message");
    const all = await events(alice, { queue_id: untouched.queue_id, last_event_id: -1 });
    expect(all.map((e) => e.type)).toEqual(["message", "message", "message", "restart"]);
  });
}, { config: { enableGravatar: true } });

forEachDialect("Zulip event compatibility (Gravatar off, the default)", (t) => {
  test("client_gravatar changes nothing: every sender has a URL of ours", async () => {
    const alice = await t.user();
    const bob = await t.user();
    const sub = await t.api("POST", "/users/me/subscriptions", { as: alice, params: { subscriptions: [{ name: "avatars" }], principals: [alice.id, bob.id] } });
    expect(sub.status).toBe(200);
    const q = (await t.api("POST", "/register", { as: bob, params: { client_gravatar: true, apply_markdown: true, event_types: ["message"] } })).body;
    const sent = await t.api("POST", "/messages", { as: alice, params: { type: "stream", to: "avatars", topic: "t", content: "hi" } });
    expect(sent.status).toBe(200);
    const got = await t.api("GET", "/events", { as: bob, params: { queue_id: q.queue_id, last_event_id: q.last_event_id, dont_block: true } });
    const msg = got.body.events.find((e: any) => e.type === "message");
    expect(msg.message.avatar_url).toStartWith(`/avatar/${alice.id}`);
  });
});
