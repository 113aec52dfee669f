// User status, muted users, alert words and drafts: responses, verify_action, and who
// receives each event (the realm for status; only the user for the private three).
import { test, expect } from "bun:test";
import { forEachDialect } from "../helpers/app.ts";
import { captureEvents, verifyAction } from "../helpers/events.ts";
import { alertWordsForUsers } from "../../src/actions/alert-words.ts";
import { createRealm } from "../../src/actions/realms.ts";
import { updateUser } from "../../src/db/repo/users.ts";

forEachDialect("personal satellites", (t) => {
  test("user status: set, read, clear; the realm hears it, other realms do not", async () => {
    const a = await t.user();
    const b = await t.user();
    const other = await createRealm(t.deps, { name: "X", subdomain: "status-x" });
    const outsider = await t.user({ realmId: other.id });
    const ev = await captureEvents(t, () =>
      t.api("POST", "/users/me/status", { as: a, params: { status_text: "out to lunch", emoji_name: "car", emoji_code: "1f697", reaction_type: "unicode_emoji" } }),
    );
    expect(ev.forUser(b.id)).toEqual([
      { type: "user_status", user_id: a.id, status_text: "out to lunch", emoji_name: "car", emoji_code: "1f697", reaction_type: "unicode_emoji" },
    ]);
    expect(ev.forUser(outsider.id)).toEqual([]);
    const got = await t.api("GET", `/users/${a.id}/status`, { as: b });
    expect(got.body.status).toEqual({ status_text: "out to lunch", emoji_name: "car", emoji_code: "1f697", reaction_type: "unicode_emoji" });
    await verifyAction(t, b, () => t.api("POST", "/users/me/status", { as: a, params: { away: true } }));
    await verifyAction(t, b, () => t.api("POST", "/users/me/status", { as: a, params: { emoji_name: "" } }));
    await verifyAction(t, b, () => t.api("POST", "/users/me/status", { as: a, params: { status_text: "", away: false } }));
    expect((await t.api("GET", `/users/${a.id}/status`, { as: b })).body.status).toEqual({});
    const none = await t.api("POST", "/users/me/status", { as: a });
    expect(none.body.msg).toBe("Client did not pass any new values.");
    const long = await t.api("POST", "/users/me/status", { as: a, params: { status_text: "x".repeat(61) } });
    expect(long.body.result).toBe("error");
    // administrators may set someone else's status; members may not
    const admin = await t.user({ role: 200 });
    expect((await t.api("POST", `/users/${b.id}/status`, { as: a, params: { status_text: "hacked" } })).body.msg).toBe("Insufficient permission");
    const set = await captureEvents(t, () => t.api("POST", `/users/${b.id}/status`, { as: admin, params: { status_text: "on leave" } }));
    expect(set.forUser(a.id)).toEqual([{ type: "user_status", user_id: b.id, status_text: "on leave" }]);
    expect((await t.api("GET", `/users/${b.id}/status`, { as: a })).body.status).toEqual({ status_text: "on leave" });
    const foreign = await t.api("GET", `/users/${outsider.id}/status`, { as: a });
    expect(foreign.body.msg).toBe("No such user");
  });

  test("muted users: only the muting user hears about it; errors as Zulip", async () => {
    const a = await t.user();
    const b = await t.user();
    const c = await t.user();
    const { events } = await verifyAction(t, a, () => t.api("POST", `/users/me/muted_users/${b.id}`, { as: a }));
    expect(events[0]).toMatchObject({ type: "muted_users", muted_users: [{ id: b.id }] });
    const ev = await captureEvents(t, () => t.api("POST", `/users/me/muted_users/${c.id}`, { as: a }));
    expect(ev.forUser(b.id)).toEqual([]);
    expect(ev.forUser(c.id)).toEqual([]);
    expect((ev.forUser(a.id)[0]!.muted_users as any[]).map((m) => m.id)).toEqual([b.id, c.id]);
    expect((await t.api("POST", `/users/me/muted_users/${b.id}`, { as: a })).body.msg).toBe("User already muted");
    expect((await t.api("POST", `/users/me/muted_users/${a.id}`, { as: a })).body.msg).toBe("Cannot mute self");
    expect((await t.api("POST", `/users/me/muted_users/999999`, { as: a })).body.msg).toBe("No such user");
    await verifyAction(t, a, () => t.api("DELETE", `/users/me/muted_users/${b.id}`, { as: a }));
    expect((await t.api("DELETE", `/users/me/muted_users/${b.id}`, { as: a })).body.msg).toBe("User is not muted");
  });

  test("alert words: add (case-insensitive dedupe), remove, lookup for flags; private", async () => {
    const a = await t.user();
    const b = await t.user();
    const { result, events } = await verifyAction(t, a, () => t.api("POST", "/users/me/alert_words", { as: a, params: { alert_words: ["Lunch", "deploy", " "] } }));
    expect(result.body.alert_words).toEqual(["Lunch", "deploy"]);
    expect(events).toEqual([{ type: "alert_words", alert_words: ["Lunch", "deploy"] }]);
    const dup = await captureEvents(t, () => t.api("POST", "/users/me/alert_words", { as: a, params: { alert_words: ["lunch"] } }));
    expect(dup.result.body.alert_words).toEqual(["Lunch", "deploy"]);
    expect(dup.envelopes).toEqual([]);
    const ev = await captureEvents(t, () => t.api("POST", "/users/me/alert_words", { as: a, params: { alert_words: ["coffee"] } }));
    expect(ev.forUser(b.id)).toEqual([]);
    await t.api("POST", "/users/me/alert_words", { as: b, params: { alert_words: ["Fire"] } });
    const map = await alertWordsForUsers(t.store, t.realm.id);
    expect(map.get(a.id)).toEqual(["lunch", "deploy", "coffee"]);
    expect(map.get(b.id)).toEqual(["fire"]);
    await verifyAction(t, a, () => t.api("DELETE", "/users/me/alert_words", { as: a, params: { alert_words: ["LUNCH"] } }));
    expect((await t.api("GET", "/users/me/alert_words", { as: a })).body.alert_words).toEqual(["deploy", "coffee"]);
    expect((await t.api("GET", "/users/me/alert_words", { as: b })).body.alert_words).toEqual(["Fire"]);
  });

  test("drafts: create, edit, delete, only for their owner", async () => {
    const a = await t.user();
    const b = await t.user();
    const { result } = await verifyAction(t, a, () =>
      t.api("POST", "/drafts", { as: a, params: { drafts: [
        { type: "private", to: [b.id], topic: "", content: "Hello there!", timestamp: 1700000000 },
        { type: "stream", to: [3], topic: "lunch", content: "tacos?" },
        { type: "", to: [], topic: "", content: "unaddressed" },
      ] } }),
    );
    const [id1, id2] = result.body.ids;
    const list = await t.api("GET", "/drafts", { as: a });
    expect(list.body.count).toBe(3);
    expect(list.body.drafts[0]).toEqual({ id: id1, type: "private", to: [b.id], topic: "", content: "Hello there!", timestamp: 1700000000 });
    await verifyAction(t, a, () => t.api("PATCH", `/drafts/${id2}`, { as: a, params: { draft: { type: "stream", to: [3], topic: "lunch", content: "burritos?", timestamp: 1600000000 } } }));
    expect((await t.api("GET", "/drafts", { as: a })).body.drafts[0].content).toBe("burritos?");
    // b can neither see nor touch a's drafts
    expect((await t.api("GET", "/drafts", { as: b })).body.count).toBe(0);
    const steal = await t.api("PATCH", `/drafts/${id1}`, { as: b, params: { draft: { type: "", to: [], topic: "", content: "mine" } } });
    expect([steal.status, steal.body.msg]).toEqual([404, "Draft does not exist"]);
    expect((await t.api("DELETE", `/drafts/${id1}`, { as: b })).status).toBe(404);
    const ev = await captureEvents(t, () => t.api("DELETE", `/drafts/${id1}`, { as: a }));
    expect(ev.forUser(a.id)).toEqual([{ type: "drafts", op: "remove", draft_id: id1 }]);
    expect(ev.forUser(b.id)).toEqual([]);
    await verifyAction(t, a, () => t.api("DELETE", `/drafts/${id2}`, { as: a }));
    const bad = await t.api("POST", "/drafts", { as: a, params: { drafts: [{ type: "stream", to: [1, 2], topic: "x", content: "y" }] } });
    expect(bad.body.result).toBe("error");
    const badUser = await t.api("POST", "/drafts", { as: a, params: { drafts: [{ type: "private", to: [999999], topic: "", content: "y" }] } });
    expect(badUser.body.result).toBe("error");
    await t.store.withTx((tx) => updateUser(tx, a.id, { settings: { enable_drafts_synchronization: false } }));
    const off = await t.api("POST", "/drafts", { as: a, params: { drafts: [{ type: "", to: [], topic: "", content: "z" }] } });
    expect(off.body.msg).toBe("User has disabled synchronizing drafts.");
  });
});
