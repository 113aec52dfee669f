// verify_action for every event type this area emits: snapshot → action → apply the
// events the user receives → equals a fresh snapshot; events match Zulip's schemas.
import { test, expect } from "bun:test";
import { forEachDialect, type TestUser } from "../helpers/app.ts";
import { verifyAction } from "../helpers/events.ts";

forEachDialect("message and stream events (verify_action)", (t) => {
  let alice: TestUser, bob: TestUser, carol: TestUser, admin: TestUser;
  let streamId = 0;
  const api = (u: TestUser, method: string, path: string, params: Record<string, unknown> = {}) => t.api(method, path, { as: u, params });
  const send = (u: TestUser, content: string, topic = "t") =>
    api(u, "POST", "/messages", { type: "stream", to: "events", topic, content }).then((r) => r.body.id as number);
  const withSubs = { options: { includeSubscribers: true } };

  test("setup", async () => {
    alice = await t.user({ fullName: "Alice" });
    bob = await t.user({ fullName: "Bob" });
    carol = await t.user({ fullName: "Carol" });
    admin = await t.user({ role: 200, fullName: "Admin" });
  });

  test("stream create + subscription add (creator), stream create (other users)", async () => {
    const { events } = await verifyAction(t, alice, () => api(alice, "POST", "/users/me/subscriptions", { subscriptions: [{ name: "events" }] }), withSubs);
    expect(events.map((e) => `${e.type}/${e.op}`)).toEqual(["stream/create", "subscription/add"]);
    streamId = (await api(alice, "GET", "/get_stream_id", { stream: "events" })).body.stream_id;
  });

  test("peer_add to existing subscribers; subscription add to the new one", async () => {
    const seen = await verifyAction(t, alice, () => api(alice, "POST", "/users/me/subscriptions", { subscriptions: [{ name: "events" }], principals: [bob.id] }), withSubs);
    expect(seen.events.map((e) => `${e.type}/${e.op}`)).toEqual(["subscription/peer_add"]);
    await verifyAction(t, carol, () => api(carol, "POST", "/users/me/subscriptions", { subscriptions: [{ name: "events" }] }), withSubs);
    await verifyAction(t, admin, () => api(bob, "POST", "/users/me/subscriptions", { subscriptions: [{ name: "events" }], principals: [admin.id] }));
  });

  test("message events: stream, mention, DM, group DM, self-DM", async () => {
    await verifyAction(t, bob, () => send(alice, "plain"));
    const m = await verifyAction(t, bob, () => send(alice, "hi @**Bob**"));
    expect(m.events[0]!.flags).toEqual(["mentioned"]);
    await verifyAction(t, alice, () => send(alice, "own message"));
    await verifyAction(t, bob, () => api(alice, "POST", "/messages", { type: "direct", to: [bob.id], content: "dm" }));
    await verifyAction(t, carol, () => api(alice, "POST", "/messages", { type: "direct", to: [bob.id, carol.id], content: "group" }));
    await verifyAction(t, alice, () => api(alice, "POST", "/messages", { type: "direct", to: [alice.id], content: "self", read_by_sender: true }));
  });

  test("update_message_flags: read add/remove (with message_details), starred, mark_all_as_read", async () => {
    const id = await send(alice, "flag me @**Bob**");
    const dm = (await api(alice, "POST", "/messages", { type: "direct", to: [bob.id, carol.id], content: "group 2" })).body.id;
    await verifyAction(t, bob, () => api(bob, "POST", "/messages/flags", { messages: [id, dm], op: "add", flag: "read" }));
    const un = await verifyAction(t, bob, () => api(bob, "POST", "/messages/flags", { messages: [id, dm], op: "remove", flag: "read" }));
    expect(Object.keys(un.events[0]!.message_details as object).length).toBe(2);
    await verifyAction(t, bob, () => api(bob, "POST", "/messages/flags", { messages: [id], op: "add", flag: "starred" }));
    await verifyAction(t, bob, () => api(bob, "POST", "/messages/flags", { messages: [id], op: "remove", flag: "starred" }));
    await verifyAction(t, bob, () => api(bob, "POST", "/mark_all_as_read"));
    await send(alice, "topic unread", "topic2");
    await verifyAction(t, bob, () => api(bob, "POST", "/mark_topic_as_read", { stream_id: streamId, topic_name: "topic2" }));
    await send(alice, "stream unread");
    await verifyAction(t, bob, () => api(bob, "POST", "/mark_stream_as_read", { stream_id: streamId }));
  });

  test("update_message: content edit, topic move (change_all), stream move", async () => {
    const id = await send(alice, "original", "moving");
    await send(bob, "reply", "moving");
    await verifyAction(t, bob, () => api(alice, "PATCH", `/messages/${id}`, { content: "edited @**Bob**" }));
    await verifyAction(t, bob, () => api(alice, "PATCH", `/messages/${id}`, { topic: "moved", propagate_mode: "change_all" }));
    await api(alice, "POST", "/users/me/subscriptions", { subscriptions: [{ name: "elsewhere" }], principals: [alice.id, bob.id] });
    const elsewhere = (await api(alice, "GET", "/get_stream_id", { stream: "elsewhere" })).body.stream_id;
    // Bob was not subscribed to "elsewhere" when the message was sent: after the move he did
    // not receive it (read), and carol, who never was in "elsewhere", neither.
    await verifyAction(t, bob, () => api(alice, "PATCH", `/messages/${id}`, { stream_id: elsewhere, propagate_mode: "change_one" }));
    const later = await send(alice, "later", "moving");
    const back = await verifyAction(t, bob, () => api(alice, "PATCH", `/messages/${later}`, { stream_id: elsewhere, propagate_mode: "change_one" }));
    expect(back.events.map((e) => e.type)).toEqual(["update_message"]);
    // carol received `later` in "events" but is not in "elsewhere": it stops being unread for her
    const id2 = await send(alice, "for carol", "moving");
    await send(alice, "newer than that", "other");
    const gone = await verifyAction(t, carol, () => api(alice, "PATCH", `/messages/${id2}`, { stream_id: elsewhere, propagate_mode: "change_one" }));
    expect(gone.events.map((e) => e.type)).toContain("update_message_flags");
  });

  test("reaction add/remove and delete_message", async () => {
    const id = await send(alice, "react");
    await verifyAction(t, bob, () => api(carol, "POST", `/messages/${id}/reactions`, { emoji_name: "tada" }));
    await verifyAction(t, bob, () => api(carol, "DELETE", `/messages/${id}/reactions`, { emoji_name: "tada" }));
    await send(alice, "newer");
    // (deleting the newest message lowers max_message_id, which Zulip's apply re-queries; we delete an older one)
    await verifyAction(t, bob, () => api(alice, "DELETE", `/messages/${id}`));
  });

  test("subscription update, user_topic, stream update, default_streams", async () => {
    await verifyAction(t, bob, () => api(bob, "POST", "/users/me/subscriptions/properties", { subscription_data: [{ stream_id: streamId, property: "is_muted", value: true }] }));
    await verifyAction(t, bob, () => api(bob, "POST", "/users/me/subscriptions/properties", { subscription_data: [{ stream_id: streamId, property: "color", value: "#123456" }] }));
    await verifyAction(t, bob, () => api(bob, "POST", "/user_topics", { stream_id: streamId, topic: "t", visibility_policy: 1 }));
    await verifyAction(t, bob, () => api(bob, "POST", "/user_topics", { stream_id: streamId, topic: "t", visibility_policy: 0 }));
    await verifyAction(t, bob, () => api(admin, "PATCH", `/streams/${streamId}`, { description: "new **desc**", new_name: "events2" }));
    await verifyAction(t, bob, () => api(admin, "POST", "/default_streams", { stream_id: streamId }));
    await verifyAction(t, bob, () => api(admin, "DELETE", "/default_streams", { stream_id: streamId }));
  });

  test("privacy change: public → private gives non-subscribers stream/delete", async () => {
    await api(admin, "POST", "/users/me/subscriptions", { subscriptions: [{ name: "going-private" }], principals: [admin.id, alice.id] });
    const id = (await api(admin, "GET", "/get_stream_id", { stream: "going-private" })).body.stream_id;
    const out = await verifyAction(t, carol, () => api(admin, "PATCH", `/streams/${id}`, { is_private: true }));
    expect(out.events.map((e) => `${e.type}/${e.op}`)).toEqual(["stream/delete"]);
    await verifyAction(t, alice, () => api(admin, "PATCH", `/streams/${id}`, { is_private: false }), withSubs);
  });

  test("unsubscribe: subscription remove and peer_remove; archive: stream delete", async () => {
    await verifyAction(t, carol, () => api(carol, "DELETE", "/users/me/subscriptions", { subscriptions: ["events2"] }), withSubs);
    // Carol never joined "elsewhere": nothing changes, nobody is told.
    const none = await verifyAction(t, alice, () => api(carol, "DELETE", "/users/me/subscriptions", { subscriptions: ["elsewhere"] }), { ...withSubs, expectEvents: false });
    expect(none.result.status).toBe(200);
    expect(none.result.body.not_removed).toEqual(["elsewhere"]);
    expect(none.events).toEqual([]);
    await verifyAction(t, alice, () => api(bob, "DELETE", "/users/me/subscriptions", { subscriptions: ["elsewhere"] }), withSubs);
    await verifyAction(t, bob, () => api(admin, "DELETE", `/streams/${streamId}`), withSubs);
  });
});
