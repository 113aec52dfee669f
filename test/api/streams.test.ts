// Streams and subscriptions over the API, with the security model's two sides.
import { test, expect } from "bun:test";
import { forEachDialect, type TestUser } from "../helpers/app.ts";
import { captureEvents } from "../helpers/events.ts";

forEachDialect("streams and subscriptions", (t) => {
  let admin: TestUser, alice: TestUser, bob: TestUser, guest: TestUser;
  const sub = (u: TestUser, names: string[], extra: Record<string, unknown> = {}) =>
    t.api("POST", "/users/me/subscriptions", { as: u, params: { subscriptions: names.map((name) => ({ name })), ...extra } });

  test("setup", async () => {
    admin = await t.user({ role: 200, fullName: "Admin" });
    alice = await t.user({ fullName: "Alice" });
    bob = await t.user({ fullName: "Bob" });
    guest = await t.user({ role: 600, fullName: "Guest" });
  });

  test("subscribing creates a missing stream; the response is keyed by user id", async () => {
    const r = await sub(alice, ["general"]);
    expect(r.status).toBe(200);
    expect(r.body.subscribed).toEqual({ [alice.id]: ["general"] });
    const again = await sub(alice, ["general"]);
    expect(again.body.already_subscribed).toEqual({ [alice.id]: ["general"] });
    const list = await t.api("GET", "/users/me/subscriptions", { as: alice, params: { include_subscribers: true } });
    expect(list.body.subscriptions.map((s: any) => s.name)).toEqual(["general"]);
    expect(list.body.subscriptions[0].subscribers).toEqual([alice.id]);
  });

  test("GET /streams, /streams/{id}, /get_stream_id and members", async () => {
    const id = (await t.api("GET", "/get_stream_id", { as: bob, params: { stream: "general" } })).body.stream_id;
    expect(typeof id).toBe("number");
    const one = await t.api("GET", `/streams/${id}`, { as: bob });
    expect(one.body.stream.name).toBe("general");
    const members = await t.api("GET", `/streams/${id}/members`, { as: bob });
    expect(members.body.subscribers).toEqual([alice.id]);
    const all = await t.api("GET", "/streams", { as: bob });
    expect(all.body.streams.map((s: any) => s.name)).toContain("general");
    expect((await t.api("GET", `/users/${alice.id}/subscriptions/${id}`, { as: bob })).body.is_subscribed).toBe(true);
    expect((await t.api("GET", `/users/${bob.id}/subscriptions/${id}`, { as: bob })).body.is_subscribed).toBe(false);
    const missing = await t.api("GET", "/get_stream_id", { as: bob, params: { stream: "nope" } });
    expect([missing.status, missing.body.code, missing.body.msg]).toEqual([400, "BAD_REQUEST", "Invalid channel name 'nope'"]);
  });

  test("a private stream is invisible to non-members, even administrators", async () => {
    const r = await sub(alice, ["secret"], { invite_only: true });
    expect(r.status).toBe(200);
    const id = (await t.api("GET", "/get_stream_id", { as: alice, params: { stream: "secret" } })).body.stream_id;
    for (const u of [bob, admin]) {
      const streams = await t.api("GET", "/streams", { as: u });
      expect(streams.body.streams.map((s: any) => s.name)).not.toContain("secret");
      const g = await t.api("GET", `/streams/${id}`, { as: u });
      expect(g.status).toBe(400);
      const byName = await t.api("GET", "/get_stream_id", { as: u, params: { stream: "secret" } });
      // Exactly the answer for a stream that does not exist: existence is not leaked.
      expect(byName.body.msg).toBe("Invalid channel name 'secret'");
      const join = await sub(u, ["secret"]);
      expect(join.status).toBe(400);
    }
    const all = await t.api("GET", "/streams", { as: admin, params: { include_all: true } });
    expect(all.body.streams.map((s: any) => s.name)).not.toContain("secret");
  });

  test("any member of a private stream can add others; they get the add, peers get peer_add, outsiders nothing", async () => {
    const { forUser } = await captureEvents(t, () => sub(alice, ["secret"], { principals: [bob.id] }));
    const bobEvents = forUser(bob.id);
    expect(bobEvents.map((e) => `${e.type}/${e.op}`)).toEqual(["subscription/add"]);
    expect(forUser(alice.id).map((e) => `${e.type}/${e.op}`)).toEqual(["subscription/peer_add"]);
    expect(forUser(admin.id)).toEqual([]);
    expect(forUser(guest.id)).toEqual([]);
  });

  test("private stream updates and unsubscriptions reach members only", async () => {
    const id = (await t.api("GET", "/get_stream_id", { as: alice, params: { stream: "secret" } })).body.stream_id;
    await sub(alice, ["secret"], { principals: [admin.id] });
    const upd = await captureEvents(t, () => t.api("PATCH", `/streams/${id}`, { as: admin, params: { description: "hush" } }));
    expect(upd.forUser(bob.id).map((e) => `${e.type}/${e.op}/${e.property}`)).toEqual(["stream/update/description"]);
    expect(upd.forUser(guest.id)).toEqual([]);
    const outsider = await t.user({ fullName: "Outsider" });
    const left = await captureEvents(t, () => t.api("DELETE", "/users/me/subscriptions", { as: admin, params: { subscriptions: ["secret"] } }));
    expect(left.forUser(admin.id).map((e) => `${e.type}/${e.op}`)).toEqual(["subscription/remove"]);
    expect(left.forUser(alice.id).map((e) => `${e.type}/${e.op}`)).toEqual(["subscription/peer_remove"]);
    expect(left.forUser(outsider.id)).toEqual([]);
  });

  test("guests see only streams they are subscribed to and cannot join public streams alone", async () => {
    const streams = await t.api("GET", "/streams", { as: guest });
    expect(streams.body.streams).toEqual([]);
    const join = await sub(guest, ["general"]);
    expect(join.status).toBe(400);
    const added = await sub(alice, ["general"], { principals: [guest.id] });
    expect(added.body.subscribed).toEqual({ [guest.id]: ["general"] });
    const after = await t.api("GET", "/streams", { as: guest });
    expect(after.body.streams.map((s: any) => s.name)).toEqual(["general"]);
  });

  test("public stream creation reaches every non-guest; private creation only its subscribers", async () => {
    const pub = await captureEvents(t, () => sub(bob, ["announcements"]));
    expect(pub.forUser(admin.id).some((e) => e.type === "stream" && e.op === "create")).toBe(true);
    expect(pub.forUser(guest.id).some((e) => e.type === "stream")).toBe(false);
    const priv = await captureEvents(t, () => sub(bob, ["bobs-secret"], { invite_only: true }));
    expect(priv.forUser(bob.id).some((e) => e.type === "stream" && e.op === "create")).toBe(true);
    expect(priv.forUser(admin.id)).toEqual([]);
    expect(priv.forUser(alice.id)).toEqual([]);
  });

  test("subscription properties, unsubscribe and not_removed", async () => {
    const id = (await t.api("GET", "/get_stream_id", { as: bob, params: { stream: "announcements" } })).body.stream_id;
    const r = await t.api("POST", "/users/me/subscriptions/properties", {
      as: bob,
      params: { subscription_data: [{ stream_id: id, property: "color", value: "#aabbcc" }, { stream_id: id, property: "in_home_view", value: false }] },
    });
    expect(r.status).toBe(200);
    const subs = (await t.api("GET", "/users/me/subscriptions", { as: bob })).body.subscriptions;
    const s = subs.find((x: any) => x.stream_id === id);
    expect([s.color, s.is_muted, s.in_home_view]).toEqual(["#aabbcc", true, false]);
    const del = await t.api("DELETE", "/users/me/subscriptions", { as: bob, params: { subscriptions: ["announcements", "general"] } });
    expect(del.body).toMatchObject({ removed: ["announcements"], not_removed: ["general"] });
  });

  test("only administrators change a stream; an admin must be subscribed to a private one", async () => {
    const id = (await t.api("GET", "/get_stream_id", { as: alice, params: { stream: "general" } })).body.stream_id;
    const denied = await t.api("PATCH", `/streams/${id}`, { as: alice, params: { description: "x" } });
    expect(denied.status).toBe(400);
    const ok = await t.api("PATCH", `/streams/${id}`, { as: admin, params: { description: "The **general** stream" } });
    expect(ok.status).toBe(200);
    expect((await t.api("GET", `/streams/${id}`, { as: alice })).body.stream.description).toBe("The **general** stream");
    const secretId = (await t.api("GET", "/get_stream_id", { as: alice, params: { stream: "secret" } })).body.stream_id;
    const notMember = await t.api("PATCH", `/streams/${secretId}`, { as: admin, params: { is_private: false } });
    expect(notMember.status).toBe(400);
  });

  test("default streams", async () => {
    const id = (await t.api("GET", "/get_stream_id", { as: alice, params: { stream: "general" } })).body.stream_id;
    expect((await t.api("POST", "/default_streams", { as: alice, params: { stream_id: id } })).status).toBe(400);
    expect((await t.api("POST", "/default_streams", { as: admin, params: { stream_id: id } })).status).toBe(200);
    const streams = await t.api("GET", "/streams", { as: alice, params: { include_default: true, include_public: false, include_subscribed: false } });
    expect(streams.body.streams.map((s: any) => s.name)).toEqual(["general"]);
    expect((await t.api("DELETE", "/default_streams", { as: admin, params: { stream_id: id } })).status).toBe(200);
  });

  test("archiving a stream hides it", async () => {
    const r = await sub(admin, ["old-stuff"]);
    expect(r.status).toBe(200);
    const id = (await t.api("GET", "/get_stream_id", { as: admin, params: { stream: "old-stuff" } })).body.stream_id;
    expect((await t.api("DELETE", `/streams/${id}`, { as: alice })).status).toBe(400);
    expect((await t.api("DELETE", `/streams/${id}`, { as: admin })).status).toBe(200);
    const streams = await t.api("GET", "/streams", { as: alice });
    expect(streams.body.streams.map((s: any) => s.name)).not.toContain("old-stuff");
  });
});
