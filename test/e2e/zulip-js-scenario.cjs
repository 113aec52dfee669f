// The zulip-js scenario of the "Done means", run by Node (zulip-js's own runtime:
// under Bun its isomorphic-form-data resolves to a FormData Bun's fetch cannot send).
// Driven by test/e2e/zulip-js.test.ts: argv = realm, alice email, alice password, bob
// email, bob password, bob id, alice id, "events"|"no-events". Prints one line per passed step.
const assert = require("node:assert/strict");
const zulipInit = require("zulip-js");

const [realm, aEmail, aPassword, bEmail, bPassword, bobId, aliceId, events] = process.argv.slice(2);
const step = (name) => console.log(`STEP ${name}`);

(async () => {
  // zulipInit without apiKey fetches it: POST /fetch_api_key with username + password.
  const za = await zulipInit({ username: aEmail, password: aPassword, realm });
  const zb = await zulipInit({ username: bEmail, password: bPassword, realm });
  assert.ok(za.config.apiKey && zb.config.apiKey);
  step("fetch its key");

  const sub = await za.users.me.subscriptions.add({ subscriptions: JSON.stringify([{ name: "zulip-js" }]) });
  assert.equal(sub.result, "success", JSON.stringify(sub));
  await zb.users.me.subscriptions.add({ subscriptions: JSON.stringify([{ name: "zulip-js" }]) });
  const streams = await za.streams.retrieve();
  assert.ok(streams.streams.some((s) => s.name === "zulip-js"));
  const streamId = (await za.streams.getStreamId("zulip-js")).stream_id;
  assert.ok(streamId > 0);
  step("list streams, subscribe");

  const sent = await za.messages.send({ to: "zulip-js", type: "stream", topic: "greetings", content: "Hello from zulip-js" });
  assert.equal(sent.result, "success", JSON.stringify(sent));
  const legacy = await za.messages.send({ to: "zulip-js", type: "stream", subject: "greetings", content: "legacy subject" });
  assert.equal(legacy.result, "success");
  const read = await zb.messages.retrieve({
    anchor: 1000000000,
    num_before: 10,
    num_after: 0,
    narrow: [{ operator: "stream", operand: "zulip-js" }, { operator: "topic", operand: "greetings" }],
  });
  assert.deepEqual(read.messages.map((m) => m.content), ["<p>Hello from zulip-js</p>", "<p>legacy subject</p>"]);
  const topics = await zb.streams.topics.retrieve({ stream_id: streamId });
  assert.deepEqual(topics.topics.map((t) => t.name), ["greetings"]);
  step("send to a topic, read it back with a narrow");

  const e1 = await za.messages.update({ message_id: sent.id, content: "Hello, edited" });
  assert.equal(e1.result, "success", JSON.stringify(e1));
  const e2 = await za.messages.update({ message_id: sent.id, topic: "salutations", propagate_mode: "change_all" });
  assert.equal(e2.result, "success", JSON.stringify(e2));
  const one = await zb.messages.getById({ message_id: sent.id });
  assert.deepEqual([one.message.content, one.message.subject], ["<p>Hello, edited</p>", "salutations"]);
  step("edit content and topic");

  const r = await zb.reactions.add({ message_id: sent.id, emoji_name: "octopus" });
  assert.equal(r.result, "success", JSON.stringify(r));
  const dup = await zb.reactions.add({ message_id: sent.id, emoji_name: "octopus" });
  assert.equal(dup.code, "REACTION_ALREADY_EXISTS");
  step("react");

  const star = await zb.messages.flags.add({ flag: "starred", messages: [sent.id] });
  assert.deepEqual(star.messages, [sent.id]);
  const starred = await zb.messages.retrieve({ anchor: "newest", num_before: 5, num_after: 0, narrow: [{ operator: "is", operand: "starred" }] });
  assert.deepEqual(starred.messages.map((m) => m.id), [sent.id]);
  assert.equal(starred.messages[0].reactions[0].user_id, Number(bobId));
  step("star");

  if (events === "events") {
    const q = await zb.queues.register({ event_types: ["message"] });
    assert.equal(q.result, "success", JSON.stringify(q));
    const poll = zb.events.retrieve({ queue_id: q.queue_id, last_event_id: q.last_event_id, dont_block: false });
    await new Promise((res) => setTimeout(res, 100));
    const live = await za.messages.send({ to: "zulip-js", type: "stream", topic: "live", content: "are you there?" });
    const got = await poll;
    const ev = got.events.find((e) => e.type === "message");
    assert.ok(ev, JSON.stringify(got));
    assert.equal(ev.message.id, live.id);
    assert.equal(ev.message.sender_id, Number(aliceId));
    await zb.queues.deregister({ queue_id: q.queue_id });
    step("register a queue, receive another user's message by long-poll");
  }

  const dm = await za.messages.send({ to: bEmail, type: "private", content: "psst" });
  assert.equal(dm.result, "success", JSON.stringify(dm));
  const inbox = await zb.messages.retrieve({ anchor: "newest", num_before: 1, num_after: 0, narrow: [{ operator: "pm-with", operand: aEmail }] });
  assert.deepEqual(inbox.messages.map((m) => m.id), [dm.id]);
  step("send a DM");

  const un = await za.users.me.subscriptions.remove({ subscriptions: JSON.stringify(["zulip-js"]) });
  assert.deepEqual(un.removed, ["zulip-js"], JSON.stringify(un));
  const subs = await za.streams.subscriptions.retrieve();
  assert.deepEqual(subs.subscriptions, []);
  step("unsubscribe");
})().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
