import { and, desc, eq, isNull, lt } from "drizzle-orm";
import type { Q, Tables } from "../types.ts";

export type InvitationRow = Tables["invitations"]["$inferSelect"];

export async function insertInvitation(q: Q, values: Tables["invitations"]["$inferInsert"]): Promise<InvitationRow> {
  const rows = await q.db.insert(q.t.invitations).values(values).returning();
  return rows[0]!;
}

export async function invitationByToken(q: Q, token: string): Promise<InvitationRow | undefined> {
  const rows = await q.db.select().from(q.t.invitations).where(eq(q.t.invitations.token, token)).limit(1);
  return rows[0];
}

export async function invitationById(q: Q, realmId: number, id: number): Promise<InvitationRow | undefined> {
  const rows = await q.db.select().from(q.t.invitations)
    .where(and(eq(q.t.invitations.realmId, realmId), eq(q.t.invitations.id, id))).limit(1);
  return rows[0];
}

export async function invitationsInRealm(q: Q, realmId: number): Promise<InvitationRow[]> {
  return q.db.select().from(q.t.invitations).where(eq(q.t.invitations.realmId, realmId)).orderBy(desc(q.t.invitations.id));
}

export async function updateInvitation(q: Q, id: number, values: Partial<Tables["invitations"]["$inferInsert"]>): Promise<void> {
  await q.db.update(q.t.invitations).set(values).where(eq(q.t.invitations.id, id));
}

/** Expired invitations nobody accepted (housekeeping); accepted ones stay as the record of who invited whom. */
export async function deleteExpiredInvitations(q: Q, now: Date): Promise<void> {
  const i = q.t.invitations;
  await q.db.delete(i).where(and(lt(i.expiresAt, now), isNull(i.acceptedAt)));
}
