// Messages meeting the other areas: group mentions, alert words, linkifier topic_links,
// typing to a stream's subscribers, default streams for new users, real Markdown.
import { test, expect } from "bun:test";
import { forEachDialect, type TestUser } from "../helpers/app.ts";
import { captureEvents } from "../helpers/events.ts";

forEachDialect("messages with groups, alert words, linkifiers, typing, default streams", (t) => {
  let admin: TestUser, alice: TestUser, bob: TestUser, carol: TestUser;
  const send = (u: TestUser, content: string, topic = "t") =>
    t.api("POST", "/messages", { as: u, params: { type: "stream", to: "team", topic, content } }).then((r) => r.body.id as number);
  const flags = async (u: TestUser, id: number) => (await t.api("GET", `/messages/${id}`, { as: u })).body.message.flags;

  test("setup", async () => {
    admin = await t.user({ role: 200, fullName: "Admin" });
    alice = await t.user({ fullName: "Alice" });
    bob = await t.user({ fullName: "Bob" });
    carol = await t.user({ fullName: "Carol" });
    await t.api("POST", "/users/me/subscriptions", { as: admin, params: { subscriptions: [{ name: "team" }], principals: [admin.id, alice.id, bob.id, carol.id] } });
  });

  test("a user-group mention flags the group's members who receive the message", async () => {
    const g = await t.api("POST", "/user_groups/create", { as: admin, params: { name: "backend", description: "b", members: [bob.id, carol.id] } });
    expect(g.status).toBe(200);
    const id = await send(alice, "hey @*backend* please look");
    expect(await flags(bob, id)).toEqual(["mentioned"]);
    expect(await flags(carol, id)).toEqual(["mentioned"]);
    expect(await flags(admin, id)).toEqual([]);
    const m = await t.api("GET", `/messages/${id}`, { as: bob });
    expect(m.body.message.content).toContain("user-group-mention");
  });

  test("alert words set has_alert_word and is:alerted", async () => {
    await t.api("POST", "/users/me/alert_words", { as: bob, params: { alert_words: ["deploy"] } });
    const hit = await send(alice, "Time to DEPLOY now");
    const miss = await send(alice, "redeployment is a different word");
    expect(await flags(bob, hit)).toEqual(["has_alert_word"]);
    expect(await flags(bob, miss)).toEqual([]);
    expect(await flags(carol, hit)).toEqual([]);
    const r = await t.api("GET", "/messages", { as: bob, params: { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "is", operand: "alerted" }] } });
    expect(r.body.messages.map((x: any) => x.id)).toEqual([hit]);
  });

  test("linkifiers produce topic_links on sent and fetched messages", async () => {
    const l = await t.api("POST", "/realm/filters", { as: admin, params: { pattern: "#(?P<id>[0-9]+)", url_template: "https://tracker.example.com/{id}" } });
    expect(l.status).toBe(200);
    const { result: id, forUser } = await captureEvents(t, () => send(alice, "see topic", "bug #42"));
    expect((forUser(bob.id)[0]!.message as any).topic_links).toEqual([{ text: "#42", url: "https://tracker.example.com/42" }]);
    const m = await t.api("GET", `/messages/${id}`, { as: bob });
    expect(m.body.message.topic_links).toEqual([{ text: "#42", url: "https://tracker.example.com/42" }]);
  });

  test("typing in a stream topic reaches its subscribers only", async () => {
    const outsider = await t.user({ fullName: "Outsider" });
    const streamId = (await t.api("GET", "/get_stream_id", { as: alice, params: { stream: "team" } })).body.stream_id;
    const { forUser } = await captureEvents(t, () => t.api("POST", "/typing", { as: alice, params: { op: "start", type: "stream", stream_id: streamId, topic: "t" } }));
    expect(forUser(bob.id).map((e) => e.type)).toEqual(["typing"]);
    expect(forUser(outsider.id)).toEqual([]);
  });

  test("new users are subscribed to the default streams; subscribers get peer_add", async () => {
    const streamId = (await t.api("GET", "/get_stream_id", { as: alice, params: { stream: "team" } })).body.stream_id;
    expect((await t.api("POST", "/default_streams", { as: admin, params: { stream_id: streamId } })).status).toBe(200);
    const { result: newbie, forUser } = await captureEvents(t, () => t.user({ fullName: "Newbie" }));
    expect(forUser(bob.id).some((e) => e.type === "subscription" && e.op === "peer_add")).toBe(true);
    const subs = await t.api("GET", "/users/me/subscriptions", { as: newbie });
    expect(subs.body.subscriptions.map((s: any) => s.name)).toEqual(["team"]);
  });

  test("the real renderer: code, links and @-mentions", async () => {
    const id = await send(alice, "`code` and https://example.com and @**Bob**");
    const m = (await t.api("GET", `/messages/${id}`, { as: bob })).body.message;
    expect(m.content).toContain("<code>code</code>");
    expect(m.flags).toEqual(["mentioned"]);
    const linked = await t.api("GET", "/messages", { as: bob, params: { anchor: "newest", num_before: 1, num_after: 0, narrow: [{ operator: "has", operand: "link" }] } });
    expect(linked.body.messages.map((x: any) => x.id)).toEqual([id]);
  });
});
