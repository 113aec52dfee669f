// unread_msgs as /register reports it: shape for streams, 1:1 and group DMs, mentions;
// the 50,000 cap with old_unreads_missing; mark-all-as-read as one watermark.
import { test, expect } from "bun:test";
import { forEachDialect, type TestUser } from "../helpers/app.ts";
import { fetchInitialState, defaultRegisterOptions } from "../../src/events/state/fetch.ts";
import { readIntervalsOf } from "../../src/db/repo/messages.ts";
import { streamByName } from "../../src/db/repo/streams.ts";

forEachDialect("unread_msgs", (t) => {
  let alice: TestUser, bob: TestUser, carol: TestUser;
  const state = async (u: TestUser) =>
    fetchInitialState({ deps: t.deps, realm: t.realm, user: u, options: defaultRegisterOptions({ fetchEventTypes: ["message", "update_message_flags", "starred_messages", "recent_private_conversations"] }) });

  test("shape: streams by topic, pms, huddles, mentions, recent conversations", async () => {
    alice = await t.user({ fullName: "Alice" });
    bob = await t.user({ fullName: "Bob" });
    carol = await t.user({ fullName: "Carol" });
    await t.api("POST", "/users/me/subscriptions", { as: alice, params: { subscriptions: [{ name: "u" }], principals: [alice.id, bob.id] } });
    const s1 = (await t.api("POST", "/messages", { as: alice, params: { type: "stream", to: "u", topic: "a", content: "x @**Bob**" } })).body.id;
    const s2 = (await t.api("POST", "/messages", { as: alice, params: { type: "stream", to: "u", topic: "b", content: "y" } })).body.id;
    const d1 = (await t.api("POST", "/messages", { as: alice, params: { type: "direct", to: [bob.id], content: "dm" } })).body.id;
    const g1 = (await t.api("POST", "/messages", { as: alice, params: { type: "direct", to: [bob.id, carol.id], content: "group" } })).body.id;
    const st = (await state(bob)) as any;
    const sid = (await streamByName(t.store, t.realm.id, "u"))!.id;
    expect(st.unread_msgs).toEqual({
      count: 4,
      streams: [
        { stream_id: sid, topic: "a", unread_message_ids: [s1] },
        { stream_id: sid, topic: "b", unread_message_ids: [s2] },
      ],
      pms: [{ other_user_id: alice.id, sender_id: alice.id, unread_message_ids: [d1] }],
      huddles: [{ user_ids_string: [alice.id, bob.id, carol.id].sort((a, b) => a - b).join(","), unread_message_ids: [g1] }],
      mentions: [s1],
      old_unreads_missing: false,
    });
    expect(st.max_message_id).toBe(g1);
    expect(st.recent_private_conversations).toEqual([
      { max_message_id: g1, user_ids: [alice.id, carol.id].sort((a, b) => a - b) },
      { max_message_id: d1, user_ids: [alice.id] },
    ]);
    // the sender's own API messages are unread for them too (Zulip's default_read_by_sender)
    expect(((await state(alice)) as any).unread_msgs.count).toBe(4);
    // carol is not subscribed to "u": only the group DM
    expect(((await state(carol)) as any).unread_msgs.count).toBe(1);
  });

  test("50,000 cap with old_unreads_missing; mark_all_as_read is one interval", async () => {
    const s = (await streamByName(t.store, t.realm.id, "u"))!;
    const N = 50_010;
    await t.store.withTx(async (tx) => {
      const rows = [];
      for (let i = 0; i < N; i++) {
        rows.push({ realmId: t.realm.id, senderId: alice.id, streamId: s.id, topic: "bulk", topicKey: "bulk", content: "m", renderedContent: "<p>m</p>", dateSent: new Date() });
      }
      for (let i = 0; i < rows.length; i += 1000) await tx.db.insert(tx.t.messages).values(rows.slice(i, i + 1000));
    });
    const st = (await state(bob)) as any;
    expect(st.unread_msgs.count).toBe(50_000);
    expect(st.unread_msgs.old_unreads_missing).toBe(true);
    // the newest unreads are the ones kept
    expect(st.unread_msgs.streams.find((x: any) => x.topic === "bulk").unread_message_ids.at(-1)).toBe(st.max_message_id);
    const r = await t.api("POST", "/mark_all_as_read", { as: bob });
    expect(r.body.complete).toBe(true);
    expect(await readIntervalsOf(t.store, bob.id)).toEqual([[1, st.max_message_id]]);
    const after = (await state(bob)) as any;
    expect([after.unread_msgs.count, after.unread_msgs.old_unreads_missing]).toEqual([0, false]);
    // marking one message unread splits the interval in two
    await t.api("POST", "/messages/flags", { as: bob, params: { messages: [st.max_message_id - 5], op: "remove", flag: "read" } });
    expect((await readIntervalsOf(t.store, bob.id)).length).toBe(2);
    expect(((await state(bob)) as any).unread_msgs.count).toBe(1);
  }, 120_000);
});
