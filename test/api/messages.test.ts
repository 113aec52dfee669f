// Sending and reading messages: send forms, errors, anchors, narrows, flags, edits,
// reactions, history and search.
import { test, expect } from "bun:test";
import { forEachDialect, type TestUser } from "../helpers/app.ts";

forEachDialect("messages", (t) => {
  let alice: TestUser, bob: TestUser, carol: TestUser, admin: TestUser;
  const send = (u: TestUser, params: Record<string, unknown>) => t.api("POST", "/messages", { as: u, params });
  const get = (u: TestUser, params: Record<string, unknown>) => t.api("GET", "/messages", { as: u, params });

  test("setup", async () => {
    alice = await t.user({ fullName: "Alice Smith" });
    bob = await t.user({ fullName: "Bob Jones" });
    carol = await t.user({ fullName: "Carol White" });
    admin = await t.user({ role: 200, fullName: "Admin" });
    for (const u of [alice, bob]) {
      expect((await t.api("POST", "/users/me/subscriptions", { as: u, params: { subscriptions: [{ name: "dev" }] } })).status).toBe(200);
    }
  });

  test("send to a stream by name, id and legacy subject; read it back", async () => {
    const a = await send(alice, { type: "stream", to: "dev", topic: "build", content: "hello **world**" });
    expect(a.status).toBe(200);
    const streamId = (await t.api("GET", "/get_stream_id", { as: alice, params: { stream: "dev" } })).body.stream_id;
    const b = await send(alice, { type: "channel", to: streamId, subject: "Build", content: "second" });
    expect(b.status).toBe(200);
    const r = await get(bob, { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "channel", operand: "dev" }, { operator: "topic", operand: "BUILD" }] });
    expect(r.status).toBe(200);
    expect(r.body.messages.map((m: any) => m.id)).toEqual([a.body.id, b.body.id]);
    const m = r.body.messages[0];
    expect(m).toMatchObject({ sender_id: alice.id, type: "stream", display_recipient: "dev", subject: "build", content_type: "text/html" });
    expect(m.content).toContain("hello");
    expect(m.flags).toEqual([]);
    expect(r.body).toMatchObject({ found_newest: true, found_oldest: true, found_anchor: false });
    // the sender's API-client message starts unread, as Zulip does
    const own = await t.api("GET", `/messages/${a.body.id}`, { as: alice });
    expect(own.body.message.flags).toEqual([]);
    expect(own.body.raw_content).toBe("hello **world**");
  });

  test("send errors carry Zulip's codes", async () => {
    // Zulip's spec omits the var_name error shape for this endpoint; the field is Zulip's behaviour.
    const missing = await t.api("POST", "/messages", { as: alice, params: { type: "stream", to: "dev", topic: "x" }, validate: false });
    expect([missing.body.code, missing.body.var_name]).toEqual(["REQUEST_VARIABLE_MISSING", "content"]);
    const noStream = await send(alice, { type: "stream", to: "nope", topic: "x", content: "y" });
    expect([noStream.body.code, noStream.body.stream]).toEqual(["STREAM_DOES_NOT_EXIST", "nope"]);
    const noTopic = await t.api("POST", "/messages", { as: alice, params: { type: "stream", to: "dev", content: "y" }, validate: false });
    expect(noTopic.body.code).toBe("REQUEST_VARIABLE_MISSING");
    const empty = await send(alice, { type: "stream", to: "dev", topic: "x", content: "  " });
    expect(empty.status).toBe(400);
  });

  test("direct messages: ids, emails, CSV, self-DM; only participants read them", async () => {
    const d1 = await send(alice, { type: "direct", to: [bob.id], content: "hi bob" });
    const d2 = await send(alice, { type: "private", to: bob.email, content: "again" });
    const d3 = await send(alice, { type: "private", to: `${bob.email},${carol.email}`, content: "group" });
    const self = await send(alice, { type: "direct", to: [alice.id], content: "note to self" });
    for (const r of [d1, d2, d3, self]) expect(r.status).toBe(200);
    const conv = await get(bob, { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "dm", operand: [alice.id] }] });
    expect(conv.body.messages.map((m: any) => m.id)).toEqual([d1.body.id, d2.body.id]);
    expect(conv.body.messages[0].display_recipient.map((u: any) => u.id).sort()).toEqual([alice.id, bob.id].sort());
    const selfConv = await get(alice, { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "dm", operand: [alice.id] }] });
    expect(selfConv.body.messages.map((m: any) => m.id)).toEqual([self.body.id]);
    // Carol is in the group DM only; the admin in none.
    const carolDms = await get(carol, { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "is", operand: "dm" }] });
    expect(carolDms.body.messages.map((m: any) => m.id)).toEqual([d3.body.id]);
    const adminDms = await get(admin, { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "is", operand: "private" }] });
    expect(adminDms.body.messages).toEqual([]);
    const direct = await t.api("GET", `/messages/${d1.body.id}`, { as: admin });
    expect([direct.status, direct.body.msg]).toEqual([400, "Invalid message(s)"]);
    const incl = await get(bob, { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "dm-including", operand: carol.id }] });
    expect(incl.body.messages.map((m: any) => m.id)).toEqual([d3.body.id]);
  });

  test("anchors: oldest, numeric with include_anchor, first_unread; BAD_NARROW", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await send(alice, { type: "stream", to: "dev", topic: "anchors", content: `m${i}` })).body.id);
    const narrow = [{ operator: "stream", operand: "dev" }, { operator: "topic", operand: "anchors" }];
    const oldest = await get(bob, { anchor: "oldest", num_before: 0, num_after: 2, narrow });
    expect(oldest.body.messages.map((m: any) => m.id)).toEqual(ids.slice(0, 2));
    expect([oldest.body.found_oldest, oldest.body.found_newest]).toEqual([true, false]);
    const mid = await get(bob, { anchor: ids[2], num_before: 1, num_after: 1, narrow });
    expect(mid.body.messages.map((m: any) => m.id)).toEqual(ids.slice(1, 4));
    expect(mid.body.found_anchor).toBe(true);
    const excl = await get(bob, { anchor: ids[2], include_anchor: false, num_before: 1, num_after: 1, narrow });
    expect(excl.body.messages.map((m: any) => m.id)).toEqual([ids[1], ids[3]]);
    await t.api("POST", "/messages/flags", { as: bob, params: { messages: ids.slice(0, 3), op: "add", flag: "read" } });
    const fu = await get(bob, { anchor: "first_unread", num_before: 0, num_after: 1, narrow });
    expect(fu.body.anchor).toBe(ids[3]);
    expect(fu.body.found_anchor).toBe(true);
    expect(fu.body.messages.map((m: any) => m.id)).toEqual([ids[3], ids[4]]);
    const bad = await get(bob, { anchor: "newest", num_before: 1, num_after: 0, narrow: [{ operator: "bogus", operand: "x" }] });
    expect([bad.status, bad.body.code]).toEqual([400, "BAD_NARROW"]);
    const legacy = await get(bob, { anchor: "newest", num_before: 1, num_after: 0, narrow: [["stream", "dev"], ["topic", "anchors"]] });
    expect(legacy.body.messages.map((m: any) => m.id)).toEqual([ids[4]]);
    const neg = await get(bob, { anchor: "newest", num_before: 100, num_after: 0, narrow: [{ operator: "stream", operand: "dev" }, { operator: "topic", operand: "anchors", negated: true }] });
    expect(neg.body.messages.every((m: any) => m.subject !== "anchors")).toBe(true);
    const tooMany = await get(bob, { anchor: "newest", num_before: 5000, num_after: 1 });
    expect(tooMany.status).toBe(400);
  });

  test("flags: star, read/unread, is:starred, is:unread, mentions", async () => {
    const m = await send(alice, { type: "stream", to: "dev", topic: "flags", content: "ping @**Bob Jones**" });
    const got = await t.api("GET", `/messages/${m.body.id}`, { as: bob });
    expect(got.body.message.flags).toEqual(["mentioned"]);
    const mentioned = await get(bob, { anchor: "newest", num_before: 5, num_after: 0, narrow: [{ operator: "is", operand: "mentioned" }] });
    expect(mentioned.body.messages.map((x: any) => x.id)).toEqual([m.body.id]);
    expect((await t.api("POST", "/messages/flags", { as: bob, params: { messages: [m.body.id], op: "add", flag: "starred" } })).body.messages).toEqual([m.body.id]);
    const starred = await get(bob, { anchor: "newest", num_before: 5, num_after: 0, narrow: [{ operator: "is", operand: "starred" }] });
    expect(starred.body.messages.map((x: any) => x.id)).toEqual([m.body.id]);
    expect((await t.api("GET", `/messages/${m.body.id}`, { as: alice })).body.message.flags).toEqual([]);
    await t.api("POST", "/messages/flags", { as: bob, params: { messages: [m.body.id], op: "add", flag: "read" } });
    expect((await t.api("GET", `/messages/${m.body.id}`, { as: bob })).body.message.flags).toEqual(["read", "starred", "mentioned"]);
    const unread = await t.api("POST", "/messages/flags", { as: bob, params: { messages: [m.body.id], op: "remove", flag: "read" } });
    expect(unread.body.messages).toEqual([m.body.id]);
    const isUnread = await get(bob, { anchor: "newest", num_before: 1, num_after: 0, narrow: [{ operator: "is", operand: "unread" }] });
    expect(isUnread.body.messages.map((x: any) => x.id)).toEqual([m.body.id]);
    const bad = await t.api("POST", "/messages/flags", { as: bob, params: { messages: [m.body.id], op: "add", flag: "mentioned" } });
    expect(bad.body.msg).toBe("Flag not editable: 'mentioned'");
    const all = await t.api("POST", "/mark_all_as_read", { as: bob });
    expect(all.body.complete).toBe(true);
    const none = await get(bob, { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "is", operand: "unread" }] });
    expect(none.body.messages).toEqual([]);
  });

  test("wildcard mentions: realm policy above 15 subscribers; stream and topic wildcard flags", async () => {
    const small = await send(alice, { type: "stream", to: "dev", topic: "wild", content: "@**all** hello" });
    expect(small.status).toBe(200);
    const got = await t.api("GET", `/messages/${small.body.id}`, { as: bob });
    expect(got.body.message.flags).toEqual(["stream_wildcard_mentioned", "wildcard_mentioned"]);
    const members = [];
    for (let i = 0; i < 16; i++) members.push((await t.user()).id);
    await t.api("POST", "/users/me/subscriptions", { as: admin, params: { subscriptions: [{ name: "crowd" }], principals: [admin.id, alice.id, ...members] } });
    const denied = await send(alice, { type: "stream", to: "crowd", topic: "x", content: "@**everyone** look" });
    expect([denied.status, denied.body.code]).toEqual([400, "STREAM_WILDCARD_MENTION_NOT_ALLOWED"]);
    expect((await send(admin, { type: "stream", to: "crowd", topic: "x", content: "@**channel** look" })).status).toBe(200);
    // @topic flags only the topic's participants
    await send(bob, { type: "stream", to: "dev", topic: "wild", content: "I was here" });
    const tw = await send(alice, { type: "stream", to: "dev", topic: "wild", content: "@**topic** ping" });
    expect((await t.api("GET", `/messages/${tw.body.id}`, { as: bob })).body.message.flags).toEqual(["topic_wildcard_mentioned", "wildcard_mentioned"]);
    await t.api("POST", "/users/me/subscriptions", { as: carol, params: { subscriptions: [{ name: "dev" }] } });
    const tw2 = await send(alice, { type: "stream", to: "dev", topic: "wild", content: "@**topic** again" });
    expect((await t.api("GET", `/messages/${tw2.body.id}`, { as: carol })).body.message.flags).toEqual([]);
    await t.api("DELETE", "/users/me/subscriptions", { as: carol, params: { subscriptions: ["dev"] } });
  });

  test("narrow operators: sender, id, with, has:link, is:resolved, is:followed, is:muted, in:home, channels:public", async () => {
    const streamId = (await t.api("GET", "/get_stream_id", { as: bob, params: { stream: "dev" } })).body.stream_id;
    const link = (await send(bob, { type: "stream", to: "dev", topic: "ops", content: "see https://example.com/x" })).body.id;
    const plain = (await send(alice, { type: "stream", to: "dev", topic: "✔ done", content: "resolved topic" })).body.id;
    const muted = (await send(alice, { type: "stream", to: "dev", topic: "noise", content: "muted topic" })).body.id;
    const q = (narrow: unknown[], n = 100) => get(bob, { anchor: "newest", num_before: n, num_after: 0, narrow }).then((r) => r.body.messages.map((m: any) => m.id));
    expect((await q([{ operator: "has", operand: "link" }])).includes(link)).toBe(true);
    expect((await q([{ operator: "has", operand: "link" }])).includes(plain)).toBe(false);
    expect(await q([{ operator: "is", operand: "resolved" }])).toEqual([plain]);
    expect(await q([{ operator: "id", operand: plain }])).toEqual([plain]);
    expect((await q([{ operator: "sender", operand: bob.email }])).every((id: number) => id !== plain)).toBe(true);
    expect((await q([{ operator: "sender", operand: alice.id }])).includes(plain)).toBe(true);
    // with: replaces the conversation terms by the message's current conversation
    expect(await q([{ operator: "channel", operand: "dev" }, { operator: "topic", operand: "wrong" }, { operator: "with", operand: muted }])).toEqual([muted]);
    await t.api("POST", "/user_topics", { as: bob, params: { stream_id: streamId, topic: "noise", visibility_policy: 1 } });
    expect(await q([{ operator: "is", operand: "muted" }])).toEqual([muted]);
    expect((await q([{ operator: "in", operand: "home" }])).includes(muted)).toBe(false);
    expect((await q([{ operator: "in", operand: "all" }])).includes(muted)).toBe(true);
    await t.api("POST", "/user_topics", { as: bob, params: { stream_id: streamId, topic: "ops", visibility_policy: 3 } });
    expect(await q([{ operator: "is", operand: "followed" }])).toEqual([link]);
    expect((await q([{ operator: "channels", operand: "public" }])).includes(plain)).toBe(true);
    const badIs = await get(bob, { anchor: "newest", num_before: 1, num_after: 0, narrow: [{ operator: "is", operand: "bogus" }] });
    expect(badIs.body.code).toBe("BAD_NARROW");
  });

  test("flags/narrow and mark_topic_as_read", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await send(alice, { type: "stream", to: "dev", topic: "bulk", content: `b${i}` })).body.id);
    const r = await t.api("POST", "/messages/flags/narrow", {
      as: bob,
      params: { anchor: "oldest", num_before: 0, num_after: 10, narrow: [{ operator: "topic", operand: "bulk" }], op: "add", flag: "starred" },
    });
    expect(r.body).toMatchObject({ processed_count: 3, updated_count: 3, first_processed_id: ids[0], last_processed_id: ids[2], found_newest: true });
    const streamId = (await t.api("GET", "/get_stream_id", { as: bob, params: { stream: "dev" } })).body.stream_id;
    expect((await t.api("POST", "/mark_topic_as_read", { as: bob, params: { stream_id: streamId, topic_name: "bulk" } })).status).toBe(200);
    const m = await t.api("GET", `/messages/${ids[0]}`, { as: bob });
    expect(m.body.message.flags).toContain("read");
  });

  test("edit content and topic (propagate), history, and who may edit", async () => {
    const m1 = (await send(alice, { type: "stream", to: "dev", topic: "old topic", content: "first version" })).body.id;
    const m2 = (await send(bob, { type: "stream", to: "dev", topic: "old topic", content: "reply" })).body.id;
    const denied = await t.api("PATCH", `/messages/${m1}`, { as: bob, params: { content: "hacked" } });
    expect(denied.status).toBe(400);
    expect((await t.api("PATCH", `/messages/${m1}`, { as: alice, params: { content: "second version" } })).status).toBe(200);
    const moved = await t.api("PATCH", `/messages/${m1}`, { as: alice, params: { topic: "new topic", propagate_mode: "change_all" } });
    expect(moved.status).toBe(200);
    expect((await t.api("GET", `/messages/${m2}`, { as: bob })).body.message.subject).toBe("new topic");
    const h = await t.api("GET", `/messages/${m1}/history`, { as: bob });
    expect(h.body.message_history.map((e: any) => e.content)).toEqual(["first version", "second version", "second version"]);
    expect(h.body.message_history[2].prev_topic).toBe("old topic");
    expect(h.body.message_history[0].topic).toBe("old topic");
    const got = await t.api("GET", `/messages/${m1}`, { as: bob });
    expect(typeof got.body.message.last_edit_timestamp).toBe("number");
    expect(typeof got.body.message.last_moved_timestamp).toBe("number");
  });

  test("reactions: add, duplicate, remove, missing", async () => {
    const id = (await send(alice, { type: "stream", to: "dev", topic: "react", content: "react to me" })).body.id;
    const add = await t.api("POST", `/messages/${id}/reactions`, { as: bob, params: { emoji_name: "smile" } });
    expect(add.status).toBe(200);
    const dup = await t.api("POST", `/messages/${id}/reactions`, { as: bob, params: { emoji_name: "smile" } });
    expect(dup.body.code).toBe("REACTION_ALREADY_EXISTS");
    const m = await t.api("GET", `/messages/${id}`, { as: alice });
    expect(m.body.message.reactions).toMatchObject([{ emoji_name: "smile", emoji_code: "1f642", reaction_type: "unicode_emoji", user_id: bob.id }]);
    expect((await t.api("DELETE", `/messages/${id}/reactions`, { as: bob, params: { emoji_name: "smile" } })).status).toBe(200);
    const gone = await t.api("DELETE", `/messages/${id}/reactions`, { as: bob, params: { emoji_name: "smile" } });
    expect(gone.body.code).toBe("REACTION_DOES_NOT_EXIST");
    const hasReaction = await t.api("POST", `/messages/${id}/reactions`, { as: alice, params: { emoji_name: "tada" } });
    expect(hasReaction.status).toBe(200);
    const r = await get(bob, { anchor: "newest", num_before: 50, num_after: 0, narrow: [{ operator: "has", operand: "reaction" }] });
    expect(r.body.messages.map((x: any) => x.id)).toEqual([id]);
  });

  test("reactions use Zulip's full emoji table: any name or alias, with or without its code", async () => {
    const id = (await send(alice, { type: "stream", to: "dev", topic: "react", content: "all the emoji" })).body.id;
    for (const emoji_name of ["tada", "smile", "avocado", "flag_france", "thumbs_up"]) {
      expect((await t.api("POST", `/messages/${id}/reactions`, { as: bob, params: { emoji_name } })).status).toBe(200);
    }
    // A name with its code, as clients send it.
    expect((await t.api("POST", `/messages/${id}/reactions`, { as: alice, params: { emoji_name: "rainbow", emoji_code: "1f308" } })).status).toBe(200);
    const m = await t.api("GET", `/messages/${id}`, { as: alice });
    const got = Object.fromEntries(m.body.message.reactions.map((r: any) => [r.emoji_name, [r.emoji_code, r.reaction_type]]));
    expect(got).toEqual({
      tada: ["1f389", "unicode_emoji"], smile: ["1f642", "unicode_emoji"], avocado: ["1f951", "unicode_emoji"],
      flag_france: ["1f1eb-1f1f7", "unicode_emoji"], thumbs_up: ["1f44d", "unicode_emoji"], rainbow: ["1f308", "unicode_emoji"],
    });
    // Not an emoji at all: refused, nothing stored.
    const bad = await t.api("POST", `/messages/${id}/reactions`, { as: bob, params: { emoji_name: "no_such_emoji_xyz" } });
    expect(bad.status).toBe(400);
    expect((await t.api("GET", `/messages/${id}`, { as: alice })).body.message.reactions).toHaveLength(6);
  });

  test("concurrent sends by one sender (read by sender, stream and DM) all succeed: no lock-order deadlock", async () => {
    // The message row's sender_id foreign key takes a KEY SHARE lock on the sender's users
    // row; the read-state lock on that same row must not conflict with it (Postgres would
    // abort one of two concurrent sends with a deadlock).
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => send(alice, i % 2
      ? { type: "stream", to: "dev", topic: "burst", content: `burst ${i}`, read_by_sender: true }
      : { type: "direct", to: JSON.stringify([bob.id]), content: `burst ${i}`, read_by_sender: true })));
    expect(results.map((r) => r.status)).toEqual(Array(16).fill(200));
    const ids = results.map((r) => r.body.id as number);
    const unread = await get(alice, { anchor: "newest", num_before: 50, num_after: 0, narrow: [{ operator: "is", operand: "unread" }, { operator: "sender", operand: alice.id }] });
    expect(unread.body.messages.filter((m: any) => ids.includes(m.id))).toEqual([]);
  });

  test("delete: own message yes, others' no, admin yes", async () => {
    const id = (await send(alice, { type: "stream", to: "dev", topic: "del", content: "bye" })).body.id;
    expect((await t.api("DELETE", `/messages/${id}`, { as: bob })).status).toBe(400);
    expect((await t.api("DELETE", `/messages/${id}`, { as: alice })).status).toBe(200);
    expect((await t.api("GET", `/messages/${id}`, { as: alice })).status).toBe(400);
    const id2 = (await send(bob, { type: "stream", to: "dev", topic: "del", content: "bye2" })).body.id;
    expect((await t.api("DELETE", `/messages/${id2}`, { as: admin })).status).toBe(200);
  });

  test("full-text search with stemming and highlighting", async () => {
    const id = (await send(alice, { type: "stream", to: "dev", topic: "searching", content: "The deployments were running smoothly" })).body.id;
    await send(alice, { type: "stream", to: "dev", topic: "other", content: "nothing to see" });
    const r = await get(bob, { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "search", operand: "deployment run" }] });
    expect(r.body.messages.map((m: any) => m.id)).toEqual([id]);
    expect(r.body.messages[0].match_content).toContain('<span class="highlight">deployments</span>');
    const phrase = await get(bob, { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "search", operand: '"running smoothly"' }] });
    expect(phrase.body.messages.map((m: any) => m.id)).toEqual([id]);
    const wrongOrder = await get(bob, { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "search", operand: '"smoothly running"' }] });
    expect(wrongOrder.body.messages).toEqual([]);
    const topic = await get(bob, { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "search", operand: "searching" }] });
    expect(topic.body.messages.map((m: any) => m.id)).toEqual([id]);
    const mn = await t.api("GET", "/messages/matches_narrow", { as: bob, params: { msg_ids: [id], narrow: [{ operator: "search", operand: "deployment" }] } });
    expect(Object.keys(mn.body.messages)).toEqual([String(id)]);
  });

  test("render, topics list, read receipts", async () => {
    const r = await t.api("POST", "/messages/render", { as: alice, params: { content: "**hi** <b>" } });
    expect(r.body.rendered).toContain("&lt;b&gt;");
    const streamId = (await t.api("GET", "/get_stream_id", { as: bob, params: { stream: "dev" } })).body.stream_id;
    const topics = await t.api("GET", `/users/me/${streamId}/topics`, { as: bob });
    expect(topics.body.topics[0]).toMatchObject({ name: "other" });
    expect(topics.body.topics.map((x: any) => x.name)).toContain("new topic");
    const id = (await send(alice, { type: "stream", to: "dev", topic: "receipts", content: "read me" })).body.id;
    expect((await t.api("GET", `/messages/${id}/read_receipts`, { as: alice })).body.user_ids).toEqual([]);
    await t.api("POST", "/messages/flags", { as: bob, params: { messages: [id], op: "add", flag: "read" } });
    expect((await t.api("GET", `/messages/${id}/read_receipts`, { as: alice })).body.user_ids).toEqual([bob.id]);
  });
});
