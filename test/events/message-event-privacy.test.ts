// The other side of the message events: edits, reactions and deletions of a private-stream
// message or a DM reach only the users who received it. An organization administrator who
// is not a member is an outsider too (Zulip: admins cannot read private streams).
import { test, expect } from "bun:test";
import { forEachDialect, type TestUser } from "../helpers/app.ts";
import { captureEvents } from "../helpers/events.ts";
import { Role } from "../../src/domain/roles.ts";

forEachDialect("message event privacy", (t) => {
  const api = (u: TestUser, method: string, path: string, params: Record<string, unknown> = {}) => t.api(method, path, { as: u, params });
  const touching = (events: any[], id: number) =>
    events.filter((e) => e.message_id === id || e.message_ids?.includes(id) || e.messages?.includes(id) || e.message?.id === id);

  for (const kind of ["private stream", "direct message"] as const) {
    test(`edit, reaction and delete of a ${kind} reach members only`, async () => {
      const alice = await t.user({ role: Role.ADMINISTRATOR });
      const bob = await t.user();
      const outsider = await t.user();
      const admin = await t.user({ role: Role.ADMINISTRATOR });
      let id: number;
      if (kind === "private stream") {
        const name = `secret-${t.dialect}-${bob.id}`;
        expect((await api(alice, "POST", "/users/me/subscriptions", { subscriptions: [{ name }], principals: [alice.id, bob.id], invite_only: true })).status).toBe(200);
        id = (await api(alice, "POST", "/messages", { type: "stream", to: name, topic: "t", content: "classified" })).body.id;
      } else {
        id = (await api(alice, "POST", "/messages", { type: "direct", to: [bob.id], content: "just us" })).body.id;
      }
      const { forUser } = await captureEvents(t, async () => {
        expect((await api(alice, "PATCH", `/messages/${id}`, { content: "edited secret" })).status).toBe(200);
        expect((await api(bob, "POST", `/messages/${id}/reactions`, { emoji_name: "tada" })).status).toBe(200);
        expect((await api(alice, "DELETE", `/messages/${id}`)).status).toBe(200);
      });
      // who may: both members see all three changes
      for (const member of [alice, bob]) {
        expect(touching(forUser(member.id), id).map((e) => e.type).sort()).toEqual(["delete_message", "reaction", "update_message"]);
      }
      // who must not: a plain outsider and a non-member administrator see nothing of it
      for (const other of [outsider, admin]) {
        expect(touching(forUser(other.id), id)).toEqual([]);
        expect(JSON.stringify(forUser(other.id))).not.toContain("edited secret");
      }
    });
  }
});
