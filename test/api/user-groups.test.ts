// User groups: system groups per realm, create/update/members/subgroups/deactivate with
// their events (verify_action), and both sides of every permission rule.
import { test, expect } from "bun:test";
import { forEachDialect } from "../helpers/app.ts";
import { captureEvents, verifyAction } from "../helpers/events.ts";
import { Role } from "../../src/domain/roles.ts";
import { createRealm } from "../../src/actions/realms.ts";
import { groupByName, groupMemberIds } from "../../src/actions/user-groups.ts";

forEachDialect("user groups", (t) => {
  const groups = async (as: { email: string; apiKey: string }, params: Record<string, unknown> = {}) =>
    (await t.api("GET", "/user_groups", { as, params })).body.user_groups as any[];
  const byName = (gs: any[], name: string) => gs.find((g) => g.name === name);
  const create = (as: { email: string; apiKey: string }, name: string, members: number[], extra: Record<string, unknown> = {}) =>
    t.api("POST", "/user_groups/create", { as, params: { name, description: `about ${name}`, members, ...extra } });

  test("a role change moves the user between system groups (and no one else)", async () => {
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const promoted = await t.user();
    const bystander = await t.user();
    const r = await t.api("PATCH", `/users/${promoted.id}`, { as: admin, params: { role: Role.ADMINISTRATOR } });
    expect(r.status).toBe(200);
    const gs = await groups(bystander);
    expect(byName(gs, "role:administrators").members).toContain(promoted.id);
    expect(byName(gs, "role:fullmembers").members).not.toContain(promoted.id);
    expect(byName(gs, "role:fullmembers").members).toContain(bystander.id);
    expect(byName(gs, "role:administrators").members).not.toContain(bystander.id);
  });

  test("every realm has Zulip's nested system groups; users land in their role's group", async () => {
    const owner = await t.user({ role: Role.OWNER });
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const member = await t.user();
    const guest = await t.user({ role: Role.GUEST });
    const gs = await groups(member);
    const names = gs.filter((g) => g.is_system_group).map((g) => g.name).sort();
    expect(names).toEqual(["role:administrators", "role:everyone", "role:fullmembers", "role:internet", "role:members", "role:moderators", "role:nobody", "role:owners"]);
    expect(byName(gs, "role:owners").members).toContain(owner.id);
    expect(byName(gs, "role:administrators").members).toContain(admin.id);
    expect(byName(gs, "role:administrators").direct_subgroup_ids).toEqual([byName(gs, "role:owners").id]);
    expect(byName(gs, "role:fullmembers").members).toContain(member.id);
    expect(byName(gs, "role:everyone").members).toContain(guest.id);
    const membersId = byName(gs, "role:members").id;
    const all = await t.api("GET", `/user_groups/${membersId}/members`, { as: member });
    expect(all.body.members).toEqual(expect.arrayContaining([owner.id, admin.id, member.id]));
    expect(all.body.members).not.toContain(guest.id);
    const direct = await t.api("GET", `/user_groups/${membersId}/members`, { as: member, params: { direct_member_only: true } });
    expect(direct.body.members).toEqual([]);
    // exported lookups used by mention flags
    const g = await groupByName(t.store, t.realm.id, "role:everyone");
    expect(await groupMemberIds(t.store, g!.id, true)).toEqual(expect.arrayContaining([guest.id, member.id, owner.id]));
    expect(await groupMemberIds(t.store, g!.id, false)).not.toContain(member.id);
  });

  test("a new user is announced to the realm as a system-group member", async () => {
    const watcher = await t.user();
    const ev = await captureEvents(t, () => t.user());
    const fullmembers = byName(await groups(watcher), "role:fullmembers");
    expect(ev.forUser(watcher.id).filter((e) => e.type === "user_group")).toEqual([{ type: "user_group", op: "add_members", group_id: fullmembers.id, user_ids: [ev.result.id] }]);
  });

  test("create: members may, guests may not; the realm (and only it) hears about it", async () => {
    const a = await t.user();
    const b = await t.user();
    const guest = await t.user({ role: Role.GUEST });
    const other = await createRealm(t.deps, { name: "Elsewhere", subdomain: "ug-else" });
    const outsider = await t.user({ realmId: other.id });
    const { result, events } = await verifyAction(t, b, () => create(a, "backend", [a.id, b.id]));
    expect(result.body.result).toBe("success");
    const id = result.body.group_id;
    expect(events[0]).toMatchObject({ type: "user_group", op: "add", group: { id, name: "backend", members: [a.id, b.id].sort((x, y) => x - y), creator_id: a.id } });
    const ev = await captureEvents(t, () => create(a, "frontend", []));
    expect(ev.forUser(guest.id).length).toBe(1);
    expect(ev.forUser(outsider.id)).toEqual([]);
    const dup = await create(b, "backend", []);
    expect(dup.body.msg).toBe("User group 'backend' already exists.");
    const reserved = await create(b, "role:hackers", []);
    expect(reserved.body.result).toBe("error");
    const byGuest = await create(guest, "guests-own", []);
    expect(byGuest.body.msg).toBe("Insufficient permission");
    const foreignMember = await create(a, "mixed", [outsider.id]);
    expect(foreignMember.body.msg).toBe(`Invalid user ID: ${outsider.id}`);
    const outsiderView = await t.api("GET", "/user_groups", { as: outsider, host: "ug-else.testserver" });
    expect(outsiderView.body.user_groups.map((g: any) => g.name)).not.toContain("backend");
  });

  test("update: the creator (can_manage_group) and admins may; other members may not", async () => {
    const creator = await t.user();
    const other = await t.user();
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const id = (await create(creator, "design", [creator.id])).body.group_id;
    await verifyAction(t, other, () => t.api("PATCH", `/user_groups/${id}`, { as: creator, params: { name: "design-team", description: "pixels" } }));
    const denied = await t.api("PATCH", `/user_groups/${id}`, { as: other, params: { description: "mine now" } });
    expect(denied.body.msg).toBe("Insufficient permission");
    const { events } = await verifyAction(t, other, () =>
      t.api("PATCH", `/user_groups/${id}`, { as: admin, params: { can_manage_group: { new: { direct_members: [other.id], direct_subgroups: [] }, old: 0 } } }),
    );
    expect(events[0]).toMatchObject({ op: "update", group_id: id, data: { can_manage_group: { direct_members: [other.id], direct_subgroups: [] } } });
    const nowAllowed = await t.api("PATCH", `/user_groups/${id}`, { as: other, params: { description: "mine now" } });
    expect(nowAllowed.body.result).toBe("success");
    const g = byName(await groups(other), "design-team");
    expect(g.description).toBe("mine now");
    const sys = byName(await groups(admin), "role:members");
    const sysEdit = await t.api("PATCH", `/user_groups/${sys.id}`, { as: admin, params: { description: "x" } });
    expect(sysEdit.body.msg).toBe("Insufficient permission");
  });

  test("members: managers add and remove; others only join/leave as the group allows", async () => {
    const creator = await t.user();
    const x = await t.user();
    const y = await t.user();
    const id = (await create(creator, "ops", [creator.id])).body.group_id;
    const { events } = await verifyAction(t, y, () => t.api("POST", `/user_groups/${id}/members`, { as: creator, params: { add: [x.id] } }));
    expect(events).toEqual([{ type: "user_group", op: "add_members", group_id: id, user_ids: [x.id] }]);
    // y may not add themselves (can_join_group is role:nobody) nor others
    expect((await t.api("POST", `/user_groups/${id}/members`, { as: y, params: { add: [y.id] } })).body.msg).toBe("Insufficient permission");
    // x may leave (can_leave_group is role:everyone) but not remove the creator
    expect((await t.api("POST", `/user_groups/${id}/members`, { as: x, params: { delete: [creator.id] } })).body.msg).toBe("Insufficient permission");
    await verifyAction(t, y, () => t.api("POST", `/user_groups/${id}/members`, { as: x, params: { delete: [x.id] } }));
    const members = await t.api("GET", `/user_groups/${id}/members`, { as: y });
    expect(members.body.members).toEqual([creator.id]);
    const again = await t.api("POST", `/user_groups/${id}/members`, { as: creator, params: { add: [creator.id] } });
    expect(again.body.result).toBe("error");
    const none = await t.api("POST", `/user_groups/${id}/members`, { as: creator, params: {} });
    expect(none.body.result).toBe("error");
    // opening the group: can_join_group = role:members lets y join
    const membersGroup = byName(await groups(y), "role:members");
    await t.api("PATCH", `/user_groups/${id}`, { as: creator, params: { can_join_group: { new: membersGroup.id } } });
    const join = await t.api("POST", `/user_groups/${id}/members`, { as: y, params: { add: [y.id] } });
    expect(join.body.result).toBe("success");
    const isMember = await t.api("GET", `/user_groups/${id}/members/${y.id}`, { as: x });
    expect(isMember.body.is_user_group_member).toBe(true);
  });

  test("subgroups: recursive membership, no cycles", async () => {
    const a = await t.user();
    const b = await t.user();
    const outer = (await create(a, "outer", [a.id])).body.group_id;
    const inner = (await create(a, "inner", [b.id])).body.group_id;
    const { events } = await verifyAction(t, b, () => t.api("POST", `/user_groups/${outer}/members`, { as: a, params: { add_subgroups: [inner] } }));
    expect(events[0]).toEqual({ type: "user_group", op: "add_subgroups", group_id: outer, direct_subgroup_ids: [inner] });
    expect((await t.api("GET", `/user_groups/${outer}/members`, { as: b })).body.members).toEqual([a.id, b.id].sort((x, y) => x - y));
    expect((await t.api("GET", `/user_groups/${outer}/members/${b.id}`, { as: b, params: { direct_member_only: true } })).body.is_user_group_member).toBe(false);
    expect((await t.api("GET", `/user_groups/${outer}/subgroups`, { as: b })).body.subgroups).toEqual([inner]);
    const cycle = await t.api("POST", `/user_groups/${inner}/members`, { as: a, params: { add_subgroups: [outer] } });
    expect(cycle.body.result).toBe("error");
    const self = await t.api("POST", `/user_groups/${inner}/subgroups`, { as: a, params: { add: [inner] } });
    expect(self.body.result).toBe("error");
    await verifyAction(t, b, () => t.api("POST", `/user_groups/${outer}/subgroups`, { as: a, params: { delete: [inner] } }));
  });

  test("deactivate: hidden by default, kept for clients that ask; then frozen", async () => {
    const a = await t.user();
    const b = await t.user();
    const other = await t.user();
    const id = (await create(a, "temp", [a.id])).body.group_id;
    expect((await t.api("POST", `/user_groups/${id}/deactivate`, { as: other })).body.msg).toBe("Insufficient permission");
    // used as a subgroup → refused
    const parent = (await create(a, "parent", [], { subgroups: [id] })).body.group_id;
    expect((await t.api("POST", `/user_groups/${id}/deactivate`, { as: a })).body.result).toBe("error");
    await t.api("POST", `/user_groups/${parent}/members`, { as: a, params: { delete_subgroups: [id] } });
    await verifyAction(t, b, () => t.api("POST", `/user_groups/${id}/deactivate`, { as: a }), {
      options: { clientCapabilities: { include_deactivated_groups: true } },
    });
    const id2 = (await create(a, "temp2", [])).body.group_id;
    await verifyAction(t, b, () => t.api("POST", `/user_groups/${id2}/deactivate`, { as: a }));
    expect(byName(await groups(b), "temp")).toBeUndefined();
    expect(byName(await groups(b, { include_deactivated_groups: true }), "temp").deactivated).toBe(true);
    const frozen = await t.api("POST", `/user_groups/${id}/members`, { as: a, params: { add: [b.id] } });
    expect(frozen.body.result).toBe("error");
  });
});
