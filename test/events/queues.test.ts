// Event queues over HTTP: POST /register, GET /events, DELETE /events with Zulip's
// semantics, on both dialects.
import { test, expect } from "bun:test";
import { forEachDialect } from "../helpers/app.ts";
import { inTx } from "../../src/actions/tx.ts";
import { updateRealm } from "../../src/db/repo/realms.ts";
import { verifyAction } from "../helpers/events.ts";
import { validateEvent } from "../helpers/openapi.ts";
import { restartEvent } from "../../src/events/restart.ts";
import { ZULIP_FEATURE_LEVEL, ZULIP_VERSION } from "../../src/lib/version.ts";
import { emit, messageEvent, poll, renameRealm } from "./helpers.ts";

// zulip-flutter's InitialSnapshot: every one of these must be present (ZULIP-API.md §4.2).
const FLUTTER_KEYS = [
  "queue_id", "last_event_id", "zulip_feature_level", "zulip_version", "zulip_merge_base", "alert_words",
  "custom_profile_fields", "max_stream_name_length", "max_topic_length", "server_presence_ping_interval_seconds",
  "server_presence_offline_threshold_seconds", "muted_users", "presences", "realm_emoji", "realm_user_groups",
  "recent_private_conversations", "subscriptions", "unread_msgs", "starred_messages", "streams", "user_status",
  "user_settings", "user_topics", "realm_wildcard_mention_policy", "realm_name", "realm_waiting_period_threshold",
  "realm_allow_message_editing", "realm_enable_read_receipts", "realm_icon_url", "realm_presence_disabled",
  "realm_default_external_accounts", "max_file_upload_size_mib", "server_emoji_data_url",
  "event_queue_longpoll_timeout_seconds", "realm_users", "realm_non_active_users", "cross_realm_bots",
];

forEachDialect("event queues", (t) => {
  test("register returns every key zulip-flutter requires, with empty values for absent features", async () => {
    const u = await t.user();
    const r = await t.api("POST", "/register", { as: u });
    expect(r.status).toBe(200);
    for (const k of FLUTTER_KEYS) expect(r.body).toHaveProperty(k);
    expect(r.body.zulip_feature_level).toBe(ZULIP_FEATURE_LEVEL);
    expect(r.body.zulip_version).toBe(ZULIP_VERSION);
    expect(r.body.subscriptions).toEqual([]);
    expect(r.body.presences).toEqual({});
    expect(r.body.unread_msgs).toMatchObject({ count: 0, pms: [], streams: [], huddles: [], mentions: [] });
    expect(r.body.realm_name).toBe(t.realm.name);
    expect(r.body.realm_users.map((x: any) => x.user_id)).toContain(u.id);
    expect(typeof r.body.queue_id).toBe("string");
  });

  test("fetch_event_types limits the snapshot; the always-present keys stay", async () => {
    const u = await t.user();
    const r = await t.api("POST", "/register", { as: u, params: { fetch_event_types: ["presence"] } });
    expect(r.body).toHaveProperty("presences");
    expect(r.body).not.toHaveProperty("subscriptions");
    for (const k of ["queue_id", "last_event_id", "zulip_feature_level", "zulip_version", "zulip_merge_base"]) expect(r.body).toHaveProperty(k);
  });

  test("events arrive in order, are acknowledged by last_event_id, and reach only recipients", async () => {
    const a = await t.user();
    const b = await t.user();
    const ra = (await t.api("POST", "/register", { as: a })).body;
    const rb = (await t.api("POST", "/register", { as: b })).body;
    await emit(t.deps, { event: { type: "realm", op: "update", property: "name", value: "One" }, userIds: [a.id] });
    await emit(t.deps, { event: { type: "realm", op: "update", property: "name", value: "Two" }, userIds: [a.id] });
    const got = await poll(t, a, ra.queue_id, ra.last_event_id);
    expect(got.status).toBe(200);
    expect(got.body.queue_id).toBe(ra.queue_id);
    expect(got.body.events.map((e: any) => e.value)).toEqual(["One", "Two"]);
    expect(got.body.events[0].id).toBeGreaterThan(ra.last_event_id);
    expect(got.body.events[1].id).toBeGreaterThan(got.body.events[0].id);
    // Not acknowledged yet: a repeat poll returns both again; acknowledging the first leaves one.
    expect((await poll(t, a, ra.queue_id, ra.last_event_id)).body.events.length).toBe(2);
    expect((await poll(t, a, ra.queue_id, got.body.events[0].id)).body.events.map((e: any) => e.value)).toEqual(["Two"]);
    // The other user received nothing.
    expect((await poll(t, b, rb.queue_id, rb.last_event_id, true)).body.events).toEqual([]);
  });

  test("a rolled-back transaction delivers nothing", async () => {
    const a = await t.user();
    const ra = (await t.api("POST", "/register", { as: a })).body;
    await expect(
      inTx(t.deps, async (tx) => {
        await updateRealm(tx, t.realm.id, { name: "Never" });
        tx.notify({ type: "realm", op: "update", property: "name", value: "Never" }, [a.id]);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect((await poll(t, a, ra.queue_id, ra.last_event_id, true)).body.events).toEqual([]);
    // The same action committed is delivered (the test can fail).
    await renameRealm(t.deps, t.realm.id, "Test Org");
    expect((await poll(t, a, ra.queue_id, ra.last_event_id, true)).body.events.length).toBe(1);
  });

  test("a held long-poll returns as soon as an event arrives", async () => {
    const a = await t.user();
    const ra = (await t.api("POST", "/register", { as: a })).body;
    const started = performance.now();
    const pending = poll(t, a, ra.queue_id, ra.last_event_id);
    await Bun.sleep(30);
    expect(t.app.events.stats().heldPolls).toBeGreaterThanOrEqual(1);
    await emit(t.deps, { event: { type: "realm", op: "update", property: "name", value: "Now" }, userIds: [a.id] });
    const r = await pending;
    expect(r.body.events.map((e: any) => e.value)).toEqual(["Now"]);
    expect(performance.now() - started).toBeLessThan(900);
  });

  test("a newer long-poll on the same queue answers the older one at once with []", async () => {
    const a = await t.user();
    const ra = (await t.api("POST", "/register", { as: a })).body;
    const first = poll(t, a, ra.queue_id, ra.last_event_id);
    await Bun.sleep(20);
    const second = poll(t, a, ra.queue_id, ra.last_event_id);
    const r1 = await first;
    expect(r1.body.events).toEqual([]);
    await emit(t.deps, { event: { type: "realm", op: "update", property: "name", value: "X" }, userIds: [a.id] });
    expect((await second).body.events.length).toBe(1);
  });

  test("with nothing to say, a held poll gets a heartbeat after the configured interval", async () => {
    const a = await t.user();
    const ra = (await t.api("POST", "/register", { as: a, params: { event_types: ["message"] } })).body;
    const started = performance.now();
    const r = await poll(t, a, ra.queue_id, ra.last_event_id);
    const ms = performance.now() - started;
    expect(r.body.events).toEqual([{ type: "heartbeat", id: r.body.events[0].id }]);
    expect(ms).toBeGreaterThan(900);
    expect(ms).toBeLessThan(3000);
    validateEvent(r.body.events[0]);
  });

  test("DELETE /events removes the queue; unknown and foreign queue ids get BAD_EVENT_QUEUE_ID", async () => {
    const a = await t.user();
    const b = await t.user();
    const ra = (await t.api("POST", "/register", { as: a })).body;
    // Another user's queue id is not usable (and not distinguishable from an unknown one).
    const foreign = await poll(t, b, ra.queue_id, -1, true);
    expect(foreign.status).toBe(400);
    expect(foreign.body).toMatchObject({ code: "BAD_EVENT_QUEUE_ID", queue_id: ra.queue_id });
    expect((await poll(t, a, ra.queue_id, -1, true)).status).toBe(200);
    const del = await t.api("DELETE", "/events", { as: a, params: { queue_id: ra.queue_id } });
    expect(del.status).toBe(200);
    const gone = await poll(t, a, ra.queue_id, -1, true);
    expect(gone.status).toBe(400);
    expect(gone.body).toEqual({ result: "error", msg: `Bad event queue ID: ${ra.queue_id}`, code: "BAD_EVENT_QUEUE_ID", queue_id: ra.queue_id });
    const unknown = await poll(t, a, "no-such-queue", -1, true);
    expect(unknown.body).toMatchObject({ code: "BAD_EVENT_QUEUE_ID", queue_id: "no-such-queue" });
  });

  test("event_types filters by type; heartbeats pass regardless", async () => {
    const a = await t.user();
    const ra = (await t.api("POST", "/register", { as: a, params: { event_types: ["restart"] } })).body;
    await renameRealm(t.deps, t.realm.id, "Filtered");
    expect((await poll(t, a, ra.queue_id, ra.last_event_id, true)).body.events).toEqual([]);
    const all = (await t.api("POST", "/register", { as: a })).body;
    await renameRealm(t.deps, t.realm.id, "Test Org");
    expect((await poll(t, a, all.queue_id, all.last_event_id, true)).body.events.length).toBe(1);
  });

  test("narrow filters only message events; all_public_streams adds public-stream messages of non-recipients", async () => {
    const a = await t.user();
    const b = await t.user();
    const narrowed = (await t.api("POST", "/register", { as: a, params: { narrow: [["stream", "design"]] } })).body;
    const everything = (await t.api("POST", "/register", { as: b, params: { all_public_streams: true } })).body;
    const plain = (await t.api("POST", "/register", { as: b })).body;
    const m1 = messageEvent({ id: 1, streamId: 5, stream: "design", topic: "t", senderId: a.id, senderEmail: a.email });
    const m2 = messageEvent({ id: 2, streamId: 6, stream: "other", topic: "t", senderId: a.id, senderEmail: a.email });
    await emit(t.deps, { event: m1, userIds: [a.id], publicStreamRealmId: t.realm.id });
    await emit(t.deps, { event: m2, userIds: [a.id], publicStreamRealmId: t.realm.id });
    await renameRealm(t.deps, t.realm.id, "Test Org");
    const na = (await poll(t, a, narrowed.queue_id, narrowed.last_event_id, true, false)).body.events;
    expect(na.map((e: any) => e.type === "message" ? e.message.id : e.type)).toEqual([1, "realm"]);
    const eb = (await poll(t, b, everything.queue_id, everything.last_event_id, true, false)).body.events;
    expect(eb.map((e: any) => e.type === "message" ? e.message.id : e.type)).toEqual([1, 2, "realm"]);
    const pb = (await poll(t, b, plain.queue_id, plain.last_event_id, true, false)).body.events;
    expect(pb.map((e: any) => e.type)).toEqual(["realm"]);
  });

  test("per-user overrides: each recipient sees its own flags; one id for all", async () => {
    const a = await t.user();
    const b = await t.user();
    const ra = (await t.api("POST", "/register", { as: a })).body;
    const rb = (await t.api("POST", "/register", { as: b })).body;
    const m = messageEvent({ id: 9, streamId: 5, stream: "design", senderId: a.id, senderEmail: a.email });
    await emit(t.deps, { event: m, userIds: [a.id, b.id], perUser: { [a.id]: { flags: ["read"] } } });
    const ea = (await poll(t, a, ra.queue_id, ra.last_event_id, true, false)).body.events[0];
    const eb = (await poll(t, b, rb.queue_id, rb.last_event_id, true, false)).body.events[0];
    expect(ea.flags).toEqual(["read"]);
    expect(eb.flags).toEqual([]);
    expect(ea.id).toBe(eb.id);
  });

  test("register is atomic with its snapshot: under concurrent writes no change is lost or doubled", async () => {
    const u = await t.user();
    let n = 0;
    let writing = true;
    const writer = (async () => {
      // (SQLite commits resolve in microtasks: yield so the registers get their turn)
      while (writing) {
        await renameRealm(t.deps, t.realm.id, `v${++n}`);
        if (n % 3 === 0) await Bun.sleep(0);
      }
    })();
    const regs: any[] = [];
    for (let i = 0; i < 12; i++) {
      regs.push(await t.api("POST", "/register", { as: u, params: { fetch_event_types: ["realm"], event_types: ["realm"] } }).then((r) => r.body));
      await Bun.sleep(Math.random() * 5);
    }
    writing = false;
    await writer;
    const last = `v${n}`;
    expect(n).toBeGreaterThan(5);
    for (const r of regs) {
      const events = (await poll(t, u, r.queue_id, r.last_event_id, true)).body.events;
      const start = r.realm_name === "Test Org" ? 0 : Number(r.realm_name.slice(1));
      // exactly the writes after the snapshot, each once, in order
      expect(events.map((e: any) => e.value)).toEqual(Array.from({ length: n - start }, (_, i) => `v${start + i + 1}`));
      const state = { ...r };
      for (const e of events) state.realm_name = e.value;
      expect(state.realm_name).toBe(last);
    }
    await renameRealm(t.deps, t.realm.id, "Test Org");
  }, 30_000);

  test("verify_action: realm/update name applied to the snapshot equals a fresh snapshot", async () => {
    const u = await t.user();
    const { events } = await verifyAction(t, u, () => renameRealm(t.deps, t.realm.id, "Renamed Org"));
    expect(events).toEqual([{ type: "realm", op: "update", property: "name", value: "Renamed Org" }]);
    await renameRealm(t.deps, t.realm.id, "Test Org");
  });

  test("restart and heartbeat events match Zulip's schemas", () => {
    expect(validateEvent({ ...restartEvent(), id: 1 })).toBe(true);
    expect(validateEvent({ type: "heartbeat", id: 2 })).toBe(true);
  });

  test("stats count queues and deliveries", async () => {
    const before = t.app.events.stats();
    const a = await t.user();
    const ra = (await t.api("POST", "/register", { as: a })).body;
    await emit(t.deps, { event: { type: "realm", op: "update", property: "name", value: "S" }, userIds: [a.id] });
    const after = t.app.events.stats();
    expect(after.queues).toBe(before.queues + 1);
    expect(after.eventsDelivered).toBeGreaterThan(before.eventsDelivered);
    await t.api("DELETE", "/events", { as: a, params: { queue_id: ra.queue_id } });
    expect(t.app.events.stats().queues).toBe(before.queues);
  });
}, { config: { eventHeartbeatSeconds: 1 } });

forEachDialect("event queue limits", (t) => {
  test("a queue over its memory cap is dropped and answers BAD_EVENT_QUEUE_ID; under the cap it is kept", async () => {
    const a = await t.user();
    const ra = (await t.api("POST", "/register", { as: a })).body;
    const big = "x".repeat(600);
    await emit(t.deps, { event: { type: "realm", op: "update", property: "description", value: big }, userIds: [a.id] });
    expect(t.app.events.stats().queuesDropped).toBe(0);
    await emit(t.deps, { event: { type: "realm", op: "update", property: "description", value: big }, userIds: [a.id] });
    expect(t.app.events.stats().queuesDropped).toBe(1);
    const r = await poll(t, a, ra.queue_id, -1, true);
    expect(r.body).toMatchObject({ code: "BAD_EVENT_QUEUE_ID", queue_id: ra.queue_id });
  });

  test("a queue nobody polls is collected after the idle limit; a polled one is kept", async () => {
    const a = await t.user();
    const idle = (await t.api("POST", "/register", { as: a })).body;
    const busy = (await t.api("POST", "/register", { as: a })).body;
    for (let i = 0; i < 6; i++) {
      await Bun.sleep(300);
      expect((await poll(t, a, busy.queue_id, -1, true)).status).toBe(200);
    }
    const r = await poll(t, a, idle.queue_id, -1, true);
    expect(r.body.code).toBe("BAD_EVENT_QUEUE_ID");
    expect(t.app.events.stats().queuesCollected).toBeGreaterThanOrEqual(1);
  });

  test("invalidations reach subscribed caches of that kind only", () => {
    const seen: unknown[] = [];
    const off = t.app.bus.onInvalidate("user", (ids) => seen.push(ids));
    t.app.bus.invalidate("user", [1, 2]);
    t.app.bus.invalidate("stream", [3]);
    off();
    t.app.bus.invalidate("user", [4]);
    expect(seen).toEqual([[1, 2]]);
  });
}, { config: { eventQueueMaxBytes: 1024, eventQueueIdleSeconds: 1 } });

forEachDialect("event queues and deactivation", (t) => {
  test("deactivating a user drops their queues at once; other users' queues live on", async () => {
    const { deactivateUser } = await import("../../src/actions/users.ts");
    const admin = await t.user({ role: 200 });
    const victim = await t.user();
    const bystander = await t.user();
    const rv = (await t.api("POST", "/register", { as: victim })).body;
    const rb = (await t.api("POST", "/register", { as: bystander })).body;
    await deactivateUser(t.deps, admin, victim.id);
    // The deactivated user's queue is gone (their client would re-register and be refused).
    const gone = t.deps.events!.stats().queues;
    expect(() => t.deps.events!.get(rv.queue_id, victim.id)).toThrow();
    // The bystander still polls, and learns of the deactivation.
    const got = await poll(t, bystander, rb.queue_id, rb.last_event_id);
    expect(got.status).toBe(200);
    expect(got.body.events.some((e: any) => e.type === "realm_user" && e.person?.user_id === victim.id && e.person?.is_active === false)).toBe(true);
    expect(gone).toBeGreaterThan(0);
  });
});
