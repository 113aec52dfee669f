// User groups: Zulip's system groups (one per role, nested), user-defined groups with
// members and subgroups, and the can_*_group settings that say who may manage them.
// Permissions are simplified (docs/architecture.md, "Satellites"): administrators may do
// everything to non-system groups; otherwise the group's own can_*_group settings decide.
import type { ActionDeps } from "./deps.ts";
import { inTx, type ActionTx } from "./tx.ts";
import type { Q } from "../db/types.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import type { UserRow } from "../db/repo/users.ts";
import { activeUserIdsInRealm } from "../db/repo/users.ts";
import { usersByIds } from "../db/repo/satellite-users.ts";
import {
  addGroupMembers,
  addGroupSubgroups,
  directMemberIds,
  directSubgroupIds,
  insertUserGroup,
  realmGroupMemberships,
  realmGroupSubgroups,
  removeGroupMembers,
  removeGroupSubgroups,
  updateUserGroupRow,
  userGroupById,
  userGroupByName,
  userGroupsInRealm,
  type UserGroupRow,
} from "../db/repo/user-groups.ts";
import { errors } from "../domain/errors.ts";
import { Role, isAdminRole, isGuestRole } from "../domain/roles.ts";

// ---- system groups --------------------------------------------------------------------

/**
 * Zulip's system groups, smallest first. Each contains the next smaller one as its only
 * direct subgroup, so "role:members" reaches every non-guest through nesting.
 * `role` is the role whose users are direct members.
 */
export const SYSTEM_GROUPS = [
  { name: "role:owners", description: "Owners of this organization", role: Role.OWNER },
  { name: "role:administrators", description: "Administrators of this organization, including owners", role: Role.ADMINISTRATOR },
  { name: "role:moderators", description: "Moderators of this organization, including administrators", role: Role.MODERATOR },
  { name: "role:fullmembers", description: "Members of this organization, not including new accounts and guests", role: Role.MEMBER },
  { name: "role:members", description: "Members of this organization, not including guests", role: null },
  { name: "role:everyone", description: "Everyone in this organization, including guests", role: Role.GUEST },
  { name: "role:internet", description: "Everyone on the internet", role: null },
] as const;
export const NOBODY_GROUP = { name: "role:nobody", description: "Nobody" };

export const GROUP_SETTING_NAMES = [
  "can_add_members_group",
  "can_join_group",
  "can_leave_group",
  "can_manage_group",
  "can_mention_group",
  "can_remove_members_group",
] as const;
export type GroupSettingName = (typeof GROUP_SETTING_NAMES)[number];
/** A group-setting value: a group id, or an anonymous group. */
export type GroupSettingValue = number | { direct_members: number[]; direct_subgroups: number[] };

/** The system group whose direct members have this role (full members: role:fullmembers). */
function systemGroupNameForRole(role: number): string {
  return SYSTEM_GROUPS.find((g) => g.role === role)?.name ?? "role:fullmembers";
}

/**
 * Creates the system groups of a new realm (called from createRealm, inside its
 * transaction). There are no users yet, so nobody needs an event.
 */
export async function createSystemGroups(tx: Q, realmId: number, now: Date): Promise<void> {
  const nobody = await insertUserGroup(tx, { realmId, name: NOBODY_GROUP.name, description: NOBODY_GROUP.description, isSystemGroup: true, dateCreated: now, settings: {} });
  const everyoneName = "role:everyone";
  let prev: UserGroupRow | null = null;
  const created: UserGroupRow[] = [];
  for (const g of SYSTEM_GROUPS) {
    const row = await insertUserGroup(tx, { realmId, name: g.name, description: g.description, isSystemGroup: true, dateCreated: now, settings: {} });
    if (prev) await addGroupSubgroups(tx, row.id, [prev.id]);
    created.push(row);
    prev = row;
  }
  const everyone = created.find((g) => g.name === everyoneName)!;
  // System groups are managed by role changes only; anyone may mention them.
  const settings: Record<GroupSettingName, GroupSettingValue> = {
    can_add_members_group: nobody.id,
    can_join_group: nobody.id,
    can_leave_group: nobody.id,
    can_manage_group: nobody.id,
    can_mention_group: everyone.id,
    can_remove_members_group: nobody.id,
  };
  for (const g of [nobody, ...created]) await updateUserGroupRow(tx, g.id, { settings });
}

async function realmRecipients(tx: Q, realmId: number) {
  return activeUserIdsInRealm(tx, realmId);
}

/**
 * Puts a new user into the system group of their role and tells the realm (Zulip sends
 * user_group add_members when a user joins). Called from createUser's transaction.
 */
export async function addUserToSystemGroups(tx: ActionTx, user: UserRow): Promise<void> {
  const g = await userGroupByName(tx, user.realmId, systemGroupNameForRole(user.role));
  if (!g) return; // a realm created before user groups existed
  await addGroupMembers(tx, g.id, [user.id]);
  const to = (await realmRecipients(tx, user.realmId)).filter((id) => id !== user.id);
  tx.notify({ type: "user_group", op: "add_members", group_id: g.id, user_ids: [user.id] }, to, user.realmId);
}

/** Moves a user between role groups; for the users area's role change action (same transaction). */
export async function moveUserBetweenSystemGroups(tx: ActionTx, user: UserRow, oldRole: number, newRole: number): Promise<void> {
  const from = await userGroupByName(tx, user.realmId, systemGroupNameForRole(oldRole));
  const to = await userGroupByName(tx, user.realmId, systemGroupNameForRole(newRole));
  if (!from || !to || from.id === to.id) return;
  await removeGroupMembers(tx, from.id, [user.id]);
  await addGroupMembers(tx, to.id, [user.id]);
  const recipients = await realmRecipients(tx, user.realmId);
  tx.notify({ type: "user_group", op: "remove_members", group_id: from.id, user_ids: [user.id] }, recipients, user.realmId);
  tx.notify({ type: "user_group", op: "add_members", group_id: to.id, user_ids: [user.id] }, recipients, user.realmId);
}

// ---- reading ----------------------------------------------------------------------------

interface RealmGroups {
  groups: UserGroupRow[];
  members: Map<number, number[]>;
  subgroups: Map<number, number[]>;
}

async function loadRealmGroups(q: Q, realmId: number): Promise<RealmGroups> {
  const [groups, ms, ss] = await Promise.all([userGroupsInRealm(q, realmId), realmGroupMemberships(q, realmId), realmGroupSubgroups(q, realmId)]);
  const members = new Map<number, number[]>();
  const subgroups = new Map<number, number[]>();
  for (const m of ms) (members.get(m.groupId) ?? members.set(m.groupId, []).get(m.groupId)!).push(m.userId);
  for (const s of ss) (subgroups.get(s.groupId) ?? subgroups.set(s.groupId, []).get(s.groupId)!).push(s.subgroupId);
  return { groups, members, subgroups };
}

const sorted = (xs: number[] | undefined) => [...(xs ?? [])].sort((a, b) => a - b);

export function groupObject(g: UserGroupRow, members: number[], subgroups: number[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: g.id,
    name: g.name,
    description: g.description,
    members: sorted(members),
    direct_subgroup_ids: sorted(subgroups),
    is_system_group: g.isSystemGroup,
    date_created: g.dateCreated ? Math.floor(g.dateCreated.getTime() / 1000) : null,
    creator_id: g.creatorId ?? null,
    deactivated: g.deactivated,
  };
  for (const k of GROUP_SETTING_NAMES) out[k] = (g.settings as Record<string, unknown>)[k] ?? nobodyFallback(g);
  return out;
}
// Settings are always written at creation; the fallback only guards hand-edited rows.
const nobodyFallback = (_g: UserGroupRow) => ({ direct_members: [], direct_subgroups: [] });

/** Every group of the realm in Zulip's shape (realm_user_groups, GET /user_groups). */
export async function listUserGroups(deps: ActionDeps, realmId: number, opts: { includeDeactivated: boolean }) {
  const rg = await loadRealmGroups(deps.store, realmId);
  return rg.groups
    .filter((g) => opts.includeDeactivated || !g.deactivated)
    .map((g) => groupObject(g, rg.members.get(g.id) ?? [], rg.subgroups.get(g.id) ?? []));
}

/** Lookup for mentions (`@*group*`): a group of the realm by exact name. */
export async function groupByName(q: Q, realmId: number, name: string): Promise<UserGroupRow | undefined> {
  return userGroupByName(q, realmId, name);
}

/** All subgroups reachable from `groupId` (excluding itself), by breadth-first walk. */
async function recursiveSubgroupIds(q: Q, groupId: number): Promise<Set<number>> {
  const seen = new Set<number>([groupId]);
  let frontier = [groupId];
  while (frontier.length) {
    const edges = await directSubgroupIds(q, frontier);
    frontier = [];
    for (const e of edges) if (!seen.has(e.subgroupId)) {
      seen.add(e.subgroupId);
      frontier.push(e.subgroupId);
    }
  }
  seen.delete(groupId);
  return seen;
}

/** Lookup for mention flags: a group's members, direct or through subgroups (recursive). */
export async function groupMemberIds(q: Q, groupId: number, recursive: boolean): Promise<number[]> {
  const groups = recursive ? [groupId, ...(await recursiveSubgroupIds(q, groupId))] : [groupId];
  const rows = await directMemberIds(q, groups);
  return sorted([...new Set(rows.map((r) => r.userId))]);
}

async function settingIncludes(q: Q, value: unknown, userId: number): Promise<boolean> {
  if (typeof value === "number") return (await groupMemberIds(q, value, true)).includes(userId);
  if (value && typeof value === "object") {
    const v = value as { direct_members?: number[]; direct_subgroups?: number[] };
    if (v.direct_members?.includes(userId)) return true;
    for (const sg of v.direct_subgroups ?? []) if ((await groupMemberIds(q, sg, true)).includes(userId)) return true;
  }
  return false;
}

// ---- permissions ------------------------------------------------------------------------

async function mayManage(q: Q, actor: UserRow, g: UserGroupRow) {
  return isAdminRole(actor.role) || settingIncludes(q, (g.settings as Record<string, unknown>).can_manage_group, actor.id);
}

async function editableGroup(q: Q, realmId: number, groupId: number): Promise<UserGroupRow> {
  const g = await userGroupById(q, groupId);
  if (!g || g.realmId !== realmId) throw errors.badRequest("Invalid user group");
  if (g.isSystemGroup) throw errors.badRequest("Insufficient permission");
  if (g.deactivated) throw errors.badRequest("You can not modify a deactivated user group.");
  return g;
}

export async function userGroupInRealm(deps: ActionDeps, realmId: number, groupId: number): Promise<UserGroupRow> {
  const g = await userGroupById(deps.store, groupId);
  if (!g || g.realmId !== realmId) throw errors.badRequest("Invalid user group");
  return g;
}

// ---- validation -------------------------------------------------------------------------

const MAX_NAME = 100;
const MAX_DESCRIPTION = 1024;

function validateName(name: string): string {
  const n = name.trim();
  if (!n) throw errors.badRequest("User group name can't be empty!");
  if (n.length > MAX_NAME) throw errors.badRequest(`User group name cannot exceed ${MAX_NAME} characters.`);
  if (n.startsWith("role:") || n.startsWith("@")) throw errors.badRequest(`User group name cannot start with '${n.startsWith("@") ? "@" : "role:"}'.`);
  return n;
}

function validateDescription(d: string): string {
  if (d.length > MAX_DESCRIPTION) throw errors.badRequest(`User group description cannot exceed ${MAX_DESCRIPTION} characters.`);
  return d;
}

async function checkUsers(q: Q, realmId: number, ids: number[]) {
  const users = await usersByIds(q, realmId, ids);
  const ok = new Set(users.filter((u) => u.isActive).map((u) => u.id));
  const bad = ids.find((i) => !ok.has(i));
  if (bad !== undefined) throw errors.badRequest(`Invalid user ID: ${bad}`);
}

async function checkGroups(q: Q, realmId: number, ids: number[]) {
  for (const id of ids) {
    const g = await userGroupById(q, id);
    if (!g || g.realmId !== realmId) throw errors.badRequest("Invalid user group ID: " + id);
  }
}

async function checkSettingValue(q: Q, realmId: number, name: string, v: unknown): Promise<GroupSettingValue> {
  if (typeof v === "number" && Number.isSafeInteger(v)) {
    await checkGroups(q, realmId, [v]);
    return v;
  }
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const dm = o.direct_members ?? [];
    const ds = o.direct_subgroups ?? [];
    const isIntList = (x: unknown): x is number[] => Array.isArray(x) && x.every((i) => Number.isSafeInteger(i));
    if (isIntList(dm) && isIntList(ds)) {
      await checkUsers(q, realmId, dm);
      await checkGroups(q, realmId, ds);
      return { direct_members: sorted(dm), direct_subgroups: sorted(ds) };
    }
  }
  throw errors.invalid(name, `Invalid ${name}`);
}

// ---- writes -----------------------------------------------------------------------------

export interface CreateGroupInput {
  name: string;
  description: string;
  members: number[];
  subgroups?: number[];
  settings?: Partial<Record<GroupSettingName, unknown>>;
}

export async function createUserGroup(deps: ActionDeps, realm: RealmRow, actor: UserRow, input: CreateGroupInput): Promise<number> {
  // Simplified can_create_groups: every non-guest (Zulip's default, role:members).
  if (isGuestRole(actor.role)) throw errors.badRequest("Insufficient permission");
  const name = validateName(input.name);
  const description = validateDescription(input.description);
  return inTx(deps, async (tx) => {
    if (await userGroupByName(tx, realm.id, name)) throw errors.badRequest(`User group '${name}' already exists.`);
    const members = [...new Set(input.members)];
    const subgroups = [...new Set(input.subgroups ?? [])];
    await checkUsers(tx, realm.id, members);
    await checkGroups(tx, realm.id, subgroups);
    const nobody = (await userGroupByName(tx, realm.id, NOBODY_GROUP.name))!;
    const everyone = (await userGroupByName(tx, realm.id, "role:everyone"))!;
    const creatorOnly = { direct_members: [actor.id], direct_subgroups: [] };
    // Zulip's defaults for a new group.
    const settings: Record<string, GroupSettingValue> = {
      can_add_members_group: creatorOnly,
      can_join_group: nobody.id,
      can_leave_group: everyone.id,
      can_manage_group: creatorOnly,
      can_mention_group: everyone.id,
      can_remove_members_group: nobody.id,
    };
    for (const [k, v] of Object.entries(input.settings ?? {})) {
      if (v !== undefined) settings[k] = await checkSettingValue(tx, realm.id, k, v);
    }
    const g = await insertUserGroup(tx, { realmId: realm.id, name, description, creatorId: actor.id, dateCreated: deps.now(), settings });
    await addGroupMembers(tx, g.id, members);
    await addGroupSubgroups(tx, g.id, subgroups);
    tx.notify({ type: "user_group", op: "add", group: groupObject(g, members, subgroups) }, await realmRecipients(tx, realm.id), realm.id);
    return g.id;
  });
}

export interface UpdateGroupInput {
  name?: string;
  description?: string;
  settings?: Partial<Record<GroupSettingName, unknown>>;
}

export async function updateUserGroup(deps: ActionDeps, realm: RealmRow, actor: UserRow, groupId: number, input: UpdateGroupInput): Promise<void> {
  const name = input.name === undefined ? undefined : validateName(input.name);
  const description = input.description === undefined ? undefined : validateDescription(input.description);
  await inTx(deps, async (tx) => {
    const g = await editableGroup(tx, realm.id, groupId);
    if (!(await mayManage(tx, actor, g))) throw errors.badRequest("Insufficient permission");
    const data: Record<string, unknown> = {};
    const values: Partial<UserGroupRow> = {};
    if (name !== undefined && name !== g.name) {
      if (await userGroupByName(tx, realm.id, name)) throw errors.badRequest(`User group '${name}' already exists.`);
      values.name = data.name = name;
    }
    if (description !== undefined && description !== g.description) values.description = data.description = description;
    const settings = { ...(g.settings as Record<string, unknown>) };
    for (const [k, v] of Object.entries(input.settings ?? {})) {
      if (v === undefined) continue;
      const val = await checkSettingValue(tx, realm.id, k, v);
      if (JSON.stringify(val) !== JSON.stringify(settings[k])) settings[k] = data[k] = val;
    }
    if (Object.keys(data).length === 0) return;
    if (Object.keys(settings).length) values.settings = settings;
    await updateUserGroupRow(tx, g.id, values);
    tx.notify({ type: "user_group", op: "update", group_id: g.id, data }, await realmRecipients(tx, realm.id), realm.id);
  });
}

export interface MembershipChange {
  add?: number[];
  delete?: number[];
  addSubgroups?: number[];
  deleteSubgroups?: number[];
}

export async function updateUserGroupMembers(deps: ActionDeps, realm: RealmRow, actor: UserRow, groupId: number, change: MembershipChange): Promise<void> {
  const add = [...new Set(change.add ?? [])];
  const del = [...new Set(change.delete ?? [])];
  const addSub = [...new Set(change.addSubgroups ?? [])];
  const delSub = [...new Set(change.deleteSubgroups ?? [])];
  if (!add.length && !del.length && !addSub.length && !delSub.length) {
    throw errors.badRequest("Nothing to do. Specify at least one of 'add', 'delete', 'add_subgroups' or 'delete_subgroups'.");
  }
  await inTx(deps, async (tx) => {
    const g = await editableGroup(tx, realm.id, groupId);
    const settings = g.settings as Record<string, unknown>;
    const manage = await mayManage(tx, actor, g);
    const canAdd = manage || (await settingIncludes(tx, settings.can_add_members_group, actor.id));
    const canRemove = manage || (await settingIncludes(tx, settings.can_remove_members_group, actor.id));
    const onlySelf = (ids: number[]) => ids.length === 1 && ids[0] === actor.id;
    if (add.length && !canAdd && !(onlySelf(add) && (await settingIncludes(tx, settings.can_join_group, actor.id)))) {
      throw errors.badRequest("Insufficient permission");
    }
    if (del.length && !canRemove && !(onlySelf(del) && (await settingIncludes(tx, settings.can_leave_group, actor.id)))) {
      throw errors.badRequest("Insufficient permission");
    }
    if ((addSub.length || delSub.length) && !manage && !canAdd) throw errors.badRequest("Insufficient permission");

    const current = new Set((await directMemberIds(tx, [g.id])).map((r) => r.userId));
    await checkUsers(tx, realm.id, add);
    const already = add.find((u) => current.has(u));
    if (already !== undefined) throw errors.badRequest(`User ${already} is already a member of this group`);
    const notMember = del.find((u) => !current.has(u));
    if (notMember !== undefined) throw errors.badRequest(`There is no member '${notMember}' in this user group`);

    const currentSub = new Set((await directSubgroupIds(tx, [g.id])).map((r) => r.subgroupId));
    await checkGroups(tx, realm.id, addSub);
    for (const s of addSub) {
      if (currentSub.has(s)) throw errors.badRequest(`User group ${s} is already a subgroup of this group.`);
      // No cycles: the group may not become its own (indirect) subgroup.
      if (s === g.id || (await recursiveSubgroupIds(tx, s)).has(g.id)) {
        throw errors.badRequest(`User group ${g.id} is already a subgroup of one of the passed subgroups.`);
      }
    }
    const notSub = delSub.find((s) => !currentSub.has(s));
    if (notSub !== undefined) throw errors.badRequest(`User group ${notSub} is not a subgroup of this group.`);

    const to = await realmRecipients(tx, realm.id);
    if (add.length) {
      await addGroupMembers(tx, g.id, add);
      tx.notify({ type: "user_group", op: "add_members", group_id: g.id, user_ids: sorted(add) }, to, realm.id);
    }
    if (del.length) {
      await removeGroupMembers(tx, g.id, del);
      tx.notify({ type: "user_group", op: "remove_members", group_id: g.id, user_ids: sorted(del) }, to, realm.id);
    }
    if (addSub.length) {
      await addGroupSubgroups(tx, g.id, addSub);
      tx.notify({ type: "user_group", op: "add_subgroups", group_id: g.id, direct_subgroup_ids: sorted(addSub) }, to, realm.id);
    }
    if (delSub.length) {
      await removeGroupSubgroups(tx, g.id, delSub);
      tx.notify({ type: "user_group", op: "remove_subgroups", group_id: g.id, direct_subgroup_ids: sorted(delSub) }, to, realm.id);
    }
  });
}

/**
 * Deactivates a group (Zulip no longer deletes groups). Every client gets an update with
 * deactivated=true; clients without the include_deactivated_groups capability drop the
 * group when they apply it (see events/state/user-groups.ts).
 */
export async function deactivateUserGroup(deps: ActionDeps, realm: RealmRow, actor: UserRow, groupId: number): Promise<void> {
  await inTx(deps, async (tx) => {
    const g = await editableGroup(tx, realm.id, groupId);
    if (!(await mayManage(tx, actor, g))) throw errors.badRequest("Insufficient permission");
    // A group still used by another group's settings or as a subgroup cannot go (Zulip's rule).
    const rg = await loadRealmGroups(tx, realm.id);
    for (const other of rg.groups) {
      if (other.id === g.id || other.deactivated) continue;
      if ((rg.subgroups.get(other.id) ?? []).includes(g.id)) throw errors.badRequest("You cannot deactivate a user group which is a subgroup of another group.");
      for (const v of Object.values(other.settings as Record<string, unknown>)) {
        const used = v === g.id || (typeof v === "object" && v !== null && (v as { direct_subgroups?: number[] }).direct_subgroups?.includes(g.id));
        if (used) throw errors.badRequest("You cannot deactivate a user group that is being used for setting permissions.");
      }
    }
    await updateUserGroupRow(tx, g.id, { deactivated: true });
    tx.notify({ type: "user_group", op: "update", group_id: g.id, data: { deactivated: true } }, await realmRecipients(tx, realm.id), realm.id);
  });
}

// ---- member queries ---------------------------------------------------------------------

export async function userGroupMembers(deps: ActionDeps, realmId: number, groupId: number, directOnly: boolean): Promise<number[]> {
  await userGroupInRealm(deps, realmId, groupId);
  return groupMemberIds(deps.store, groupId, !directOnly);
}

export async function userGroupSubgroups(deps: ActionDeps, realmId: number, groupId: number, directOnly: boolean): Promise<number[]> {
  await userGroupInRealm(deps, realmId, groupId);
  if (directOnly) return sorted((await directSubgroupIds(deps.store, [groupId])).map((r) => r.subgroupId));
  return sorted([...(await recursiveSubgroupIds(deps.store, groupId))]);
}

export async function isUserGroupMember(deps: ActionDeps, realmId: number, groupId: number, userId: number, directOnly: boolean): Promise<boolean> {
  return (await userGroupMembers(deps, realmId, groupId, directOnly)).includes(userId);
}
