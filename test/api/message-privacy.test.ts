// The security model, both sides: public history readable without joining; private
// streams unreadable to non-members (admins included); protected history; guests; DMs;
// search respects access exactly like every other narrow.
import { test, expect } from "bun:test";
import { forEachDialect, type TestUser } from "../helpers/app.ts";
import { captureEvents } from "../helpers/events.ts";

forEachDialect("message privacy", (t) => {
  let owner: TestUser, member: TestUser, outsider: TestUser, admin: TestUser, guest: TestUser, late: TestUser;
  const sub = (u: TestUser, name: string, extra: Record<string, unknown> = {}) =>
    t.api("POST", "/users/me/subscriptions", { as: u, params: { subscriptions: [{ name }], ...extra } });
  const send = (u: TestUser, to: string, topic: string, content: string) =>
    t.api("POST", "/messages", { as: u, params: { type: "stream", to, topic, content } }).then((r) => r.body.id as number);
  const ids = async (u: TestUser, narrow: unknown[]) =>
    (await t.api("GET", "/messages", { as: u, params: { anchor: "newest", num_before: 100, num_after: 0, narrow } })).body.messages?.map((m: any) => m.id);
  let pub1: number, priv1: number, prot1: number, prot2: number;

  test("setup", async () => {
    owner = await t.user({ fullName: "Owner" });
    member = await t.user({ fullName: "Member" });
    outsider = await t.user({ fullName: "Outsider" });
    admin = await t.user({ role: 200, fullName: "Admin" });
    guest = await t.user({ role: 600, fullName: "Guest" });
    late = await t.user({ fullName: "Late" });
    await sub(owner, "town-square");
    await sub(owner, "vault", { invite_only: true, history_public_to_subscribers: true, principals: [owner.id, member.id] });
    await sub(owner, "protected", { invite_only: true, history_public_to_subscribers: false });
    pub1 = await send(owner, "town-square", "news", "public zebra words");
    priv1 = await send(owner, "vault", "plans", "private zebra words");
    prot1 = await send(owner, "protected", "before", "protected zebra before");
  });

  test("a public stream's whole history is readable without joining (not by guests)", async () => {
    expect(await ids(outsider, [{ operator: "channel", operand: "town-square" }])).toEqual([pub1]);
    const m = await t.api("GET", `/messages/${pub1}`, { as: outsider });
    expect(m.body.message.flags).toEqual(["read", "historical"]);
    // without a channel term only the user's own messages are searched (Zulip semantics)
    expect(await ids(outsider, [])).toEqual([]);
    expect(await ids(outsider, [{ operator: "channels", operand: "public" }])).toEqual([pub1]);
    expect((await t.api("GET", `/messages/${pub1}`, { as: guest })).status).toBe(400);
    expect(await ids(guest, [{ operator: "channels", operand: "public" }])).toEqual([]);
  });

  test("non-members of a private stream cannot read, send to or join it, even admins", async () => {
    for (const u of [outsider, admin, guest]) {
      expect(await ids(u, [{ operator: "channel", operand: "vault" }])).toEqual([]);
      expect((await t.api("GET", `/messages/${priv1}`, { as: u })).status).toBe(400);
      const s = await t.api("POST", "/messages", { as: u, params: { type: "stream", to: "vault", topic: "x", content: "let me in" } });
      expect(s.status).toBe(400);
      expect((await sub(u, "vault")).status).toBe(400);
      const react = await t.api("POST", `/messages/${priv1}/reactions`, { as: u, params: { emoji_name: "smile" } });
      expect(react.status).toBe(400);
    }
    expect(await ids(member, [{ operator: "channel", operand: "vault" }])).toEqual([priv1]);
  });

  test("protected history: a new member does not see messages from before they joined", async () => {
    await sub(owner, "protected", { principals: [late.id] });
    prot2 = await send(owner, "protected", "after", "protected zebra after");
    expect(await ids(late, [{ operator: "channel", operand: "protected" }])).toEqual([prot2]);
    expect((await t.api("GET", `/messages/${prot1}`, { as: late })).status).toBe(400);
    expect(await ids(owner, [{ operator: "channel", operand: "protected" }])).toEqual([prot1, prot2]);
    // after leaving, what they received stays readable; what came later does not
    await t.api("DELETE", "/users/me/subscriptions", { as: late, params: { subscriptions: ["protected"] } });
    const prot3 = await send(owner, "protected", "after", "protected zebra later");
    expect(await ids(late, [{ operator: "channel", operand: "protected" }])).toEqual([prot2]);
    expect((await t.api("GET", `/messages/${prot3}`, { as: late })).status).toBe(400);
  });

  test("shared history on a private stream: a new member sees everything", async () => {
    await sub(member, "vault", { principals: [late.id] });
    expect(await ids(late, [{ operator: "channel", operand: "vault" }])).toEqual([priv1]);
  });

  test("search respects access exactly", async () => {
    const q = [{ operator: "search", operand: "zebra" }];
    expect(await ids(outsider, q)).toEqual([]);
    expect(await ids(outsider, [{ operator: "channels", operand: "public" }, ...q])).toEqual([pub1]);
    expect(await ids(outsider, [{ operator: "channel", operand: "vault" }, ...q])).toEqual([]);
    expect(await ids(admin, [{ operator: "channel", operand: "protected" }, ...q])).toEqual([]);
    expect(await ids(late, [{ operator: "channel", operand: "protected" }, ...q])).toEqual([prot2]);
    expect((await ids(owner, q))!.length).toBe(5);
  });

  test("DMs reach and are readable by participants only", async () => {
    const { result, forUser } = await captureEvents(t, () =>
      t.api("POST", "/messages", { as: member, params: { type: "direct", to: [owner.id], content: "psst zebra" } }),
    );
    const id = result.body.id;
    expect(forUser(owner.id).map((e) => e.type)).toEqual(["message"]);
    expect(forUser(member.id).map((e) => e.type)).toEqual(["message"]);
    expect(forUser(admin.id)).toEqual([]);
    expect(forUser(outsider.id)).toEqual([]);
    expect((await t.api("GET", `/messages/${id}`, { as: admin })).status).toBe(400);
    expect(await ids(admin, [{ operator: "search", operand: "psst" }])).toEqual([]);
    expect(await ids(admin, [{ operator: "dm-including", operand: owner.id }])).toEqual([]);
    expect(await ids(owner, [{ operator: "search", operand: "psst" }])).toEqual([id]);
  });

  test("stream message events go to subscribers only; public ones are marked for all_public_streams queues", async () => {
    const pub = await captureEvents(t, () => send(owner, "town-square", "news", "hello all"));
    expect(pub.forUser(owner.id).length).toBe(1);
    expect(pub.forUser(outsider.id)).toEqual([]);
    expect(pub.envelopes[0]!.publicStreamRealmId).toBe(t.realm.id);
    const priv = await captureEvents(t, () => send(owner, "vault", "plans", "members only"));
    expect(priv.forUser(member.id).length).toBe(1);
    expect(priv.forUser(admin.id)).toEqual([]);
    expect(priv.envelopes[0]!.publicStreamRealmId).toBeUndefined();
  });
});
