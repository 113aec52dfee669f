// Presence: both wire formats, events to exactly the realm's active users, the 55-second
// write throttle, lazy persistence, and the realm/user switches that hide presence.
import { test, expect } from "bun:test";
import { forEachDialect } from "../helpers/app.ts";
import { captureEvents, verifyAction } from "../helpers/events.ts";
import { presenceTracker } from "../../src/actions/presence.ts";
import { presenceRowCount } from "../../src/db/repo/presence.ts";
import { updateRealm } from "../../src/db/repo/realms.ts";
import { updateUser } from "../../src/db/repo/users.ts";
import { createRealm } from "../../src/actions/realms.ts";
import { PresenceTracker } from "../../src/actions/presence.ts";

let clock = Date.UTC(2026, 0, 1, 12, 0, 0);
const advance = (sec: number) => (clock += sec * 1000);

forEachDialect(
  "presence",
  (t) => {
    const ping = (u: { email: string; apiKey: string }, params: Record<string, unknown> = {}) =>
      t.api("POST", "/users/me/presence", { as: u, params: { status: "active", ...params } });

    test("legacy response by default, modern with slim_presence or last_update_id", async () => {
      const a = await t.user();
      const b = await t.user();
      await ping(b, { status: "idle" });
      const r = await ping(a);
      expect(r.status).toBe(200);
      const nowSec = Math.floor(clock / 1000);
      expect(r.body.presences[a.email]).toEqual({
        website: { client: "website", status: "active", timestamp: nowSec, pushable: false },
        aggregated: { client: "website", status: "active", timestamp: nowSec },
      });
      expect(r.body.presences[b.email].aggregated.status).toBe("idle");
      expect(r.body.server_timestamp).toBe(clock / 1000);
      expect(typeof r.body.presence_last_update_id).toBe("number");

      const slim = await ping(a, { slim_presence: true });
      expect(slim.body.presences[String(a.id)]).toEqual({ active_timestamp: nowSec, idle_timestamp: nowSec });
      expect(slim.body.presences[String(b.id)]).toEqual({ active_timestamp: 0, idle_timestamp: nowSec });
      const modern = await ping(a, { last_update_id: -1 });
      expect(Object.keys(modern.body.presences)).toContain(String(b.id));
    });

    test("last_update_id returns only what changed since", async () => {
      const a = await t.user();
      const b = await t.user();
      const first = await ping(a, { last_update_id: -1 });
      const since = first.body.presence_last_update_id;
      const none = await ping(a, { last_update_id: since });
      expect(none.body.presences).toEqual({});
      await ping(b);
      const some = await ping(a, { last_update_id: since });
      expect(Object.keys(some.body.presences)).toEqual([String(b.id)]);
      expect(some.body.presence_last_update_id).toBeGreaterThan(since);
    });

    test("incremental fetches read the change log: right users, each once, log stays bounded", async () => {
      const us = [];
      for (let i = 0; i < 30; i++) us.push(await t.user());
      const watcher = await t.user();
      const start = (await ping(watcher, { last_update_id: -1 })).body.presence_last_update_id;
      for (let round = 0; round < 8; round++) {
        advance(60);
        for (const u of us.slice(0, 20)) await ping(u);
      }
      const r = await ping(watcher, { last_update_id: start });
      const ids = Object.keys(r.body.presences).map(Number).sort((a, b) => a - b);
      // the 20 pingers, plus the watcher whose own ping advanced the sequence
      expect(ids).toEqual([...us.slice(0, 20).map((u) => u.id), watcher.id].sort((a, b) => a - b));
      const rp = presenceTracker(t.deps).loaded(t.realm.id)!;
      expect(rp.logIds.length).toBeLessThanOrEqual(2 * rp.entries.size + 64);
      expect(rp.logIds).toEqual([...rp.logIds].sort((a, b) => a - b));
      const mid = rp.seq - 5;
      const tail = await ping(watcher, { last_update_id: mid });
      const expected = [...rp.entries.values()].filter((e) => e.updateId > mid && e.visible).map((e) => String(e.userId)).sort();
      expect(Object.keys(tail.body.presences).sort()).toEqual(expected);
    });

    test("ping_only answers without data; bad status is REQUEST_VARIABLE_INVALID", async () => {
      const a = await t.user();
      const r = await ping(a, { ping_only: true, new_user_input: true });
      expect(r.body).toEqual({ result: "success", msg: "" });
      const bad = await t.api("POST", "/users/me/presence", { as: a, params: { status: "away" } });
      expect([bad.status, bad.body.code, bad.body.var_name]).toEqual([400, "REQUEST_VARIABLE_INVALID", "status"]);
      const missing = await t.api("POST", "/users/me/presence", { as: a });
      expect(missing.body.code).toBe("REQUEST_VARIABLE_MISSING");
    });

    test("history_limit_days bounds the initial fetch", async () => {
      const old = await t.user();
      await ping(old);
      advance(3 * 86400);
      const a = await t.user();
      const r1 = await ping(a, { last_update_id: -1, history_limit_days: 1 });
      expect(r1.body.presences[String(old.id)]).toBeUndefined();
      const r2 = await ping(a, { last_update_id: -1, history_limit_days: 7 });
      expect(r2.body.presences[String(old.id)]).toBeDefined();
    });

    test("events go to the realm's active users only, on coming online, not on every ping", async () => {
      const a = await t.user();
      const b = await t.user();
      const gone = await t.user();
      await t.store.withTx((tx) => updateUser(tx, gone.id, { isActive: false }));
      const other = await createRealm(t.deps, { name: "Other", subdomain: "other-presence" });
      const outsider = await t.user({ realmId: other.id });
      const first = await captureEvents(t, () => ping(a));
      expect(first.forUser(b.id).map((e) => e.type)).toEqual(["presence"]);
      expect(first.forUser(a.id).length).toBe(1);
      expect(first.forUser(gone.id)).toEqual([]);
      expect(first.forUser(outsider.id)).toEqual([]);
      const ev = first.forUser(b.id)[0]!;
      expect(ev).toMatchObject({ user_id: a.id, email: a.email, presence: { website: { status: "active" } } });
      expect((ev.presences as Record<string, unknown>)[String(a.id)]).toBeDefined();

      advance(20);
      const again = await captureEvents(t, () => ping(a));
      expect(again.envelopes).toEqual([]);
      advance(200); // past the offline threshold: coming back online is news
      const back = await captureEvents(t, () => ping(a));
      expect(back.forUser(b.id).length).toBe(1);
      // idle → active is news too
      advance(60);
      await ping(a, { status: "idle" });
      advance(100);
      await ping(a, { status: "idle" });
      advance(10);
      const active = await captureEvents(t, () => ping(a));
      expect(active.forUser(b.id).length).toBe(1);
    });

    test("verify_action: presence events keep both snapshot formats in step", async () => {
      const a = await t.user();
      const watcher = await t.user();
      advance(1);
      await verifyAction(t, watcher, () => ping(a), { options: { slimPresence: true } });
      advance(300);
      await verifyAction(t, watcher, () => ping(a, { status: "idle" }), { options: { slimPresence: false } });
      advance(300);
      await verifyAction(t, watcher, () => ping(a), { options: { slimPresence: false } });
    });

    test("GET /realm/presence and GET /users/{id_or_email}/presence", async () => {
      const a = await t.user();
      const b = await t.user();
      await ping(a);
      const all = await t.api("GET", "/realm/presence", { as: b });
      expect(all.body.presences[a.email].aggregated.status).toBe("active");
      const byId = await t.api("GET", `/users/${a.id}/presence`, { as: b });
      expect(byId.body.presence.aggregated).toEqual({ status: "active", timestamp: Math.floor(clock / 1000) });
      const byEmail = await t.api("GET", `/users/${encodeURIComponent(a.email)}/presence`, { as: b });
      expect(byEmail.body.presence).toEqual(byId.body.presence);
      const never = await t.api("GET", `/users/${b.id}/presence`, { as: a });
      expect(never.body.result).toBe("error");
      const nobody = await t.api("GET", `/users/999999/presence`, { as: a });
      expect(nobody.body.msg).toBe("No such user");
    });

    test("a deactivated user drops out of presence at once; others stay", async () => {
      const { deactivateUser } = await import("../../src/actions/users.ts");
      const admin = await t.user({ role: 200 });
      const gone = await t.user();
      const stays = await t.user();
      await ping(gone);
      await ping(stays);
      await deactivateUser(t.deps, admin, gone.id);
      const all = await t.api("GET", "/realm/presence", { as: admin });
      expect(all.body.presences[gone.email]).toBeUndefined();
      expect(all.body.presences[stays.email].aggregated.status).toBe("active");
    });

    test("a user with presence_enabled=false is hidden and announces nothing", async () => {
      const shy = await t.user();
      const b = await t.user();
      await t.store.withTx((tx) => updateUser(tx, shy.id, { settings: { presence_enabled: false } }));
      const ev = await captureEvents(t, () => ping(shy));
      expect(ev.envelopes).toEqual([]);
      const r = await ping(b);
      expect(r.body.presences[shy.email]).toBeUndefined();
      const one = await t.api("GET", `/users/${shy.id}/presence`, { as: b });
      expect(one.body.result).toBe("error");
    });

    test("realm presence_disabled: no data, no events", async () => {
      const a = await t.user();
      const b = await t.user();
      await ping(b);
      await t.store.withTx((tx) => updateRealm(tx, t.realm.id, { settings: { presence_disabled: true } }));
      try {
        advance(500);
        const ev = await captureEvents(t, () => ping(a));
        expect(ev.envelopes).toEqual([]);
        const r = await ping(a);
        expect(r.body.presences).toEqual({});
        const all = await t.api("GET", "/realm/presence", { as: a });
        expect(all.body.presences).toEqual({});
      } finally {
        await t.store.withTx((tx) => updateRealm(tx, t.realm.id, { settings: {} }));
      }
      const r = await ping(a);
      expect(r.body.presences[a.email]).toBeDefined();
    });

    test("writes are lazy and batched; a fresh node reads them back", async () => {
      const tracker = presenceTracker(t.deps);
      await tracker.flush();
      const before = await presenceRowCount(t.store);
      const a = await t.user();
      const b = await t.user();
      advance(1);
      await ping(a);
      await ping(b);
      expect(tracker.pending).toBe(2);
      expect(await presenceRowCount(t.store)).toBe(before); // nothing written yet
      await tracker.flush();
      expect(tracker.pending).toBe(0);
      expect(await presenceRowCount(t.store)).toBe(before + 2);
      // a new node (fresh tracker) answers from the rows
      const fresh = new PresenceTracker(t.deps);
      // concurrent first requests share one load
      const [rp, rp2] = await Promise.all([fresh.realm(t.realm.id), fresh.realm(t.realm.id)]);
      expect(rp2).toBe(rp);
      expect(rp.entries.get(a.id)?.lastActive).toBe(Math.floor(clock / 1000));
      expect(rp.seq).toBe((await tracker.realm(t.realm.id)).seq);
    });
  },
  { app: { now: () => new Date(clock) } },
);
