// Typing: events to exactly the conversation (sender included for DMs), the settings that
// silence them, stream typing through the recipients interface, message-edit typing.
import { test, expect } from "bun:test";
import { forEachDialect } from "../helpers/app.ts";
import { captureEvents, verifyAction } from "../helpers/events.ts";
import { validateEvent } from "../helpers/openapi.ts";
import { sendEditTyping, sendTyping, type TypingRecipients } from "../../src/actions/typing.ts";
import { updateUser } from "../../src/db/repo/users.ts";
import { createRealm } from "../../src/actions/realms.ts";
import { fetchInitialState, defaultRegisterOptions } from "../../src/events/state/fetch.ts";

forEachDialect("typing", (t) => {
  test("DM typing reaches every recipient and the sender, nobody else", async () => {
    const a = await t.user();
    const b = await t.user();
    const c = await t.user();
    const outsider = await t.user();
    const ev = await captureEvents(t, () => t.api("POST", "/typing", { as: a, params: { op: "start", to: [b.id, c.id] } }));
    expect(ev.result.body.result).toBe("success");
    for (const u of [a, b, c]) expect(ev.forUser(u.id).length).toBe(1);
    expect(ev.forUser(outsider.id)).toEqual([]);
    const e = ev.forUser(b.id)[0]!;
    expect(e).toEqual({
      type: "typing", op: "start", message_type: "direct",
      sender: { user_id: a.id, email: a.email },
      recipients: [a, b, c].map((u) => ({ user_id: u.id, email: u.email })),
    });
    validateEvent({ ...e, id: 0 });
    const stop = await captureEvents(t, () => t.api("POST", "/typing", { as: a, params: { op: "stop", type: "direct", to: [b.id] }, multipart: true }));
    expect(stop.forUser(b.id)[0]).toMatchObject({ op: "stop" });
  });

  test("settings: a recipient who opted out gets nothing; a sender who opted out is refused", async () => {
    const a = await t.user();
    const quiet = await t.user();
    const b = await t.user();
    await t.store.withTx((tx) => updateUser(tx, quiet.id, { settings: { receives_typing_notifications: false } }));
    const ev = await captureEvents(t, () => t.api("POST", "/typing", { as: a, params: { op: "start", to: [quiet.id, b.id] } }));
    expect(ev.forUser(quiet.id)).toEqual([]);
    expect(ev.forUser(b.id).length).toBe(1);
    await t.store.withTx((tx) => updateUser(tx, a.id, { settings: { send_private_typing_notifications: false } }));
    const r = await t.api("POST", "/typing", { as: a, params: { op: "start", to: [b.id] } });
    expect(r.body.msg).toBe("User has disabled typing notifications for direct messages");
  });

  test("bad requests: unknown or foreign users, empty list, bad op", async () => {
    const a = await t.user();
    const other = await createRealm(t.deps, { name: "O", subdomain: "typing-o" });
    const foreign = await t.user({ realmId: other.id });
    const ev = await captureEvents(t, async () => {
      const r1 = await t.api("POST", "/typing", { as: a, params: { op: "start", to: [foreign.id] } });
      expect(r1.body.msg).toBe(`Invalid user ID ${foreign.id}`);
      const r2 = await t.api("POST", "/typing", { as: a, params: { op: "start", to: [] } });
      expect(r2.body.msg).toBe("Empty 'to' list");
      const r3 = await t.api("POST", "/typing", { as: a, params: { op: "go", to: [a.id] }, validate: false });
      expect(r3.body.code).toBe("REQUEST_VARIABLE_INVALID");
    });
    expect(ev.envelopes).toEqual([]);
    // emails work too (older clients)
    const b = await t.user();
    const ok = await captureEvents(t, () => t.api("POST", "/typing", { as: a, params: { op: "start", to: JSON.stringify([b.email]) } }));
    expect(ok.forUser(b.id).length).toBe(1);
  });

  test("stream typing goes to the stream's subscribers through the recipients interface", async () => {
    const a = await t.user();
    const sub = await t.user();
    const nonSub = await t.user();
    const lookups: TypingRecipients = {
      subscribersOf: async (id) => (id === 7 ? [a.id, sub.id] : null),
      messageRecipient: async () => null,
    };
    const ev = await captureEvents(t, () => sendTyping(t.deps, t.realm, a, "start", { type: "stream", streamId: 7, topic: "lunch" }, lookups));
    expect(ev.forUser(sub.id)).toEqual([
      { type: "typing", op: "start", message_type: "stream", sender: { user_id: a.id, email: a.email }, stream_id: 7, topic: "lunch" },
    ]);
    expect(ev.forUser(nonSub.id)).toEqual([]);
    validateEvent({ ...ev.forUser(sub.id)[0]!, id: 0 });
    await expect(sendTyping(t.deps, t.realm, a, "start", { type: "stream", streamId: 8, topic: "x" }, lookups)).rejects.toMatchObject({ message: "Invalid channel ID" });
    // big streams: no typing notifications at all
    const many: TypingRecipients = { subscribersOf: async () => Array.from({ length: 101 }, (_, i) => i + 1), messageRecipient: async () => null };
    const big = await captureEvents(t, () => sendTyping(t.deps, t.realm, a, "start", { type: "stream", streamId: 9, topic: "x" }, many));
    expect(big.envelopes).toEqual([]);
  });

  test("stream typing over HTTP: parameters checked; unknown stream until streams are connected", async () => {
    const a = await t.user();
    const missing = await t.api("POST", "/typing", { as: a, params: { op: "start", type: "stream", topic: "x" } });
    expect([missing.body.code, missing.body.msg]).toEqual(["BAD_REQUEST", "Missing channel ID"]);
    const noTopic = await t.api("POST", "/typing", { as: a, params: { op: "start", type: "stream", stream_id: 1 } });
    expect(noTopic.body.msg).toBe("Missing topic");
    const legacy = await t.api("POST", "/typing", { as: a, params: { op: "start", type: "stream", to: [98], topic: "x" } });
    expect(legacy.body.msg).toBe("Invalid channel ID");
    const none = await t.api("POST", "/typing", { as: a, params: { op: "start", type: "channel", stream_id: 99, topic: "x" } });
    expect([none.body.code, none.body.msg]).toEqual(["BAD_REQUEST", "Invalid channel ID"]);
  });

  test("message-edit typing: to the message's audience; unknown message refused", async () => {
    const a = await t.user();
    const b = await t.user();
    const c = await t.user();
    const lookups: TypingRecipients = {
      subscribersOf: async () => null,
      messageRecipient: async (id) =>
        id === 1 ? { type: "direct", userIds: [b.id, a.id] } : id === 2 ? { type: "channel", channelId: 5, topic: "t", subscriberIds: [a.id, c.id] } : null,
    };
    const dm = await captureEvents(t, () => sendEditTyping(t.deps, t.realm, a, "start", 1, lookups));
    expect(dm.forUser(b.id)).toEqual([{ type: "typing_edit_message", op: "start", sender_id: a.id, message_id: 1, recipient: { type: "direct", user_ids: [a.id, b.id].sort((x, y) => x - y) } }]);
    expect(dm.forUser(c.id)).toEqual([]);
    const ch = await captureEvents(t, () => sendEditTyping(t.deps, t.realm, a, "stop", 2, lookups));
    expect(ch.forUser(c.id)[0]).toMatchObject({ recipient: { type: "channel", channel_id: 5, topic: "t" } });
    expect(ch.forUser(b.id)).toEqual([]);
    for (const e of [...dm.forUser(a.id), ...ch.forUser(a.id)]) validateEvent({ ...e, id: 0 });
    const r = await t.api("POST", "/messages/123/typing", { as: a, params: { op: "start" } });
    expect(r.body.msg).toBe("Invalid message(s)");
  });

  test("verify_action: typing changes no snapshot; expiry settings are in /register", async () => {
    const a = await t.user();
    const b = await t.user();
    await verifyAction(t, b, () => t.api("POST", "/typing", { as: a, params: { op: "start", to: [b.id] } }));
    const state = await fetchInitialState({ deps: t.deps, realm: t.realm, user: a, options: defaultRegisterOptions({ fetchEventTypes: ["realm"] }) });
    expect(state).toMatchObject({
      server_typing_started_expiry_period_milliseconds: 15000,
      server_typing_stopped_wait_period_milliseconds: 5000,
      server_typing_started_wait_period_milliseconds: 10000,
      server_presence_ping_interval_seconds: 60,
      server_presence_offline_threshold_seconds: 140,
    });
  });
});
