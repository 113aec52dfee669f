import { and, eq, inArray } from "drizzle-orm";
import type { Q, Tables } from "../types.ts";

export type UserGroupRow = Tables["userGroups"]["$inferSelect"];
export type NewUserGroup = Tables["userGroups"]["$inferInsert"];

export async function insertUserGroup(q: Q, values: NewUserGroup): Promise<UserGroupRow> {
  const rows = await q.db.insert(q.t.userGroups).values(values).returning();
  return rows[0]!;
}

export async function updateUserGroupRow(q: Q, id: number, values: Partial<NewUserGroup>): Promise<void> {
  await q.db.update(q.t.userGroups).set(values).where(eq(q.t.userGroups.id, id));
}

export async function userGroupsInRealm(q: Q, realmId: number): Promise<UserGroupRow[]> {
  return q.db.select().from(q.t.userGroups).where(eq(q.t.userGroups.realmId, realmId)).orderBy(q.t.userGroups.id);
}

export async function userGroupById(q: Q, id: number): Promise<UserGroupRow | undefined> {
  const rows = await q.db.select().from(q.t.userGroups).where(eq(q.t.userGroups.id, id)).limit(1);
  return rows[0];
}

export async function userGroupByName(q: Q, realmId: number, name: string): Promise<UserGroupRow | undefined> {
  const rows = await q.db
    .select()
    .from(q.t.userGroups)
    .where(and(eq(q.t.userGroups.realmId, realmId), eq(q.t.userGroups.name, name)))
    .limit(1);
  return rows[0];
}

/** Direct memberships of every group in the realm. */
export async function realmGroupMemberships(q: Q, realmId: number): Promise<{ groupId: number; userId: number }[]> {
  const m = q.t.userGroupMembers;
  const g = q.t.userGroups;
  return q.db
    .select({ groupId: m.groupId, userId: m.userId })
    .from(m)
    .innerJoin(g, eq(g.id, m.groupId))
    .where(eq(g.realmId, realmId));
}

/** Direct subgroup edges of every group in the realm. */
export async function realmGroupSubgroups(q: Q, realmId: number): Promise<{ groupId: number; subgroupId: number }[]> {
  const s = q.t.userGroupSubgroups;
  const g = q.t.userGroups;
  return q.db
    .select({ groupId: s.groupId, subgroupId: s.subgroupId })
    .from(s)
    .innerJoin(g, eq(g.id, s.groupId))
    .where(eq(g.realmId, realmId));
}

export async function directMemberIds(q: Q, groupIds: number[]): Promise<{ groupId: number; userId: number }[]> {
  if (!groupIds.length) return [];
  const m = q.t.userGroupMembers;
  return q.db.select({ groupId: m.groupId, userId: m.userId }).from(m).where(inArray(m.groupId, groupIds));
}

export async function directSubgroupIds(q: Q, groupIds: number[]): Promise<{ groupId: number; subgroupId: number }[]> {
  if (!groupIds.length) return [];
  const s = q.t.userGroupSubgroups;
  return q.db.select({ groupId: s.groupId, subgroupId: s.subgroupId }).from(s).where(inArray(s.groupId, groupIds));
}

export async function addGroupMembers(q: Q, groupId: number, userIds: number[]): Promise<void> {
  if (!userIds.length) return;
  await q.db.insert(q.t.userGroupMembers).values(userIds.map((userId) => ({ groupId, userId }))).onConflictDoNothing();
}

export async function removeGroupMembers(q: Q, groupId: number, userIds: number[]): Promise<void> {
  if (!userIds.length) return;
  const m = q.t.userGroupMembers;
  await q.db.delete(m).where(and(eq(m.groupId, groupId), inArray(m.userId, userIds)));
}

export async function addGroupSubgroups(q: Q, groupId: number, subgroupIds: number[]): Promise<void> {
  if (!subgroupIds.length) return;
  await q.db.insert(q.t.userGroupSubgroups).values(subgroupIds.map((subgroupId) => ({ groupId, subgroupId }))).onConflictDoNothing();
}

export async function removeGroupSubgroups(q: Q, groupId: number, subgroupIds: number[]): Promise<void> {
  if (!subgroupIds.length) return;
  const s = q.t.userGroupSubgroups;
  await q.db.delete(s).where(and(eq(s.groupId, groupId), inArray(s.subgroupId, subgroupIds)));
}
