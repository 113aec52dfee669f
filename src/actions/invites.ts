// Invitations by email (one use) and reusable invite links, and joining through them or
// through open registration. An email invitation is emailed (the email job commits with
// the invitation); its join link is also visible to its inviter and the admins
// (GET /invites `link_url`) and is printed by the CLI.
import { inTx } from "./tx.ts";
import type { ActionDeps } from "./deps.ts";
import { realmById, type RealmRow } from "../db/repo/realms.ts";
import { userByEmail, type UserRow } from "../db/repo/users.ts";
import {
  insertInvitation, invitationById, invitationByToken, invitationsInRealm, updateInvitation, type InvitationRow,
} from "../db/repo/invitations.ts";
import { ApiError, errors } from "../domain/errors.ts";
import { Role, isAdminRole, isRoleCode } from "../domain/roles.ts";
import { emailDomainAllowed, isFullMember, realmSettings, rolePasses } from "../domain/realm-settings.ts";
import { normalizeEmail } from "../domain/validate.ts";
import { randomAlnum } from "../lib/random.ts";
import { realmUrl } from "../http/urls.ts";
import { audit, AuditEvent } from "./audit.ts";
import { createUser } from "./users.ts";
import { invitationEmail } from "../email/templates.ts";
import { enqueueEmail } from "../jobs/handlers/email.ts";

const DEFAULT_EXPIRY_MINUTES = 10 * 24 * 60;

export function joinLink(deps: ActionDeps, realm: RealmRow, token: string): string {
  return `${realmUrl(deps.config, realm.stringId)}/join/${token}/`;
}

async function checkMayInvite(deps: ActionDeps, actor: UserRow, role: number): Promise<RealmRow> {
  const realm = await realmById(deps.store, actor.realmId);
  if (!realm) throw errors.badRequest("No such organization.");
  if (actor.isBot) throw errors.badRequest("Bots cannot invite users.");
  const s = realmSettings(realm.settings);
  if (!isAdminRole(actor.role) && !rolePasses(s.invite_to_realm_policy, actor.role, isFullMember(s, actor.dateJoined, deps.now()))) {
    throw errors.badRequest("Insufficient permission");
  }
  if (!isRoleCode(role)) throw errors.invalid("invite_as", "Invalid invite_as");
  // Nobody grants more than they have: owners invite owners, admins invite admins.
  if (role === Role.OWNER && actor.role !== Role.OWNER) throw errors.badRequest("Must be an organization owner");
  if (role < Role.MODERATOR && !isAdminRole(actor.role)) throw errors.badRequest("Must be an organization administrator");
  if (role === Role.MODERATOR && !isAdminRole(actor.role)) throw errors.badRequest("Must be an organization administrator");
  return realm;
}

function expiry(deps: ActionDeps, minutes: number | null | undefined): Date | null {
  if (minutes === null) return null;
  const m = minutes ?? DEFAULT_EXPIRY_MINUTES;
  if (!Number.isSafeInteger(m) || m <= 0) throw errors.invalid("invite_expires_in_minutes", "Invalid invite_expires_in_minutes");
  return new Date(deps.now().getTime() + m * 60_000);
}

export interface InviteInput {
  role?: number;
  expiresInMinutes?: number | null;
  streamIds?: number[];
  includeRealmDefaultSubscriptions?: boolean;
}

export async function inviteByEmail(deps: ActionDeps, actor: UserRow, emails: string[], input: InviteInput = {}): Promise<{ email: string; link: string }[]> {
  const role = input.role ?? Role.MEMBER;
  const realm = await checkMayInvite(deps, actor, role);
  const list = [...new Set(emails.map((e) => e.trim()).filter(Boolean).map((e) => normalizeEmail(e, "invitee_emails")))];
  if (!list.length) throw errors.badRequest("You must specify at least one email address.");
  const s = realmSettings(realm.settings);
  return inTx(deps, async (tx) => {
    const out: { email: string; link: string }[] = [];
    for (const email of list) {
      if (!emailDomainAllowed(s, realm.emailsRestrictedToDomains, email)) {
        throw new ApiError("INVITATION_FAILED", `Some emails did not validate, so we didn't send any invitations.`, { errors: [[email, "Email domain not allowed", false]], sent_invitations: false, license_limit_reached: false, daily_limit_reached: false });
      }
      if (await userByEmail(tx, realm.id, email)) {
        throw new ApiError("INVITATION_FAILED", `We weren't able to invite anyone.`, { errors: [[email, "Already has an account.", false]], sent_invitations: false, license_limit_reached: false, daily_limit_reached: false });
      }
      const token = randomAlnum(24);
      const inv = await insertInvitation(tx, {
        realmId: realm.id, invitedById: actor.id, email, isMultiuse: false, role, token,
        streamIds: input.streamIds ?? [], includeRealmDefaultSubscriptions: input.includeRealmDefaultSubscriptions ?? true,
        createdAt: deps.now(), expiresAt: expiry(deps, input.expiresInMinutes),
      });
      await audit(tx, deps, { realmId: realm.id, actorId: actor.id, eventType: AuditEvent.INVITE_CREATED, extra: { invite_id: inv.id, email, role } });
      const link = joinLink(deps, realm, token);
      // Jobs integration: the invitation email commits with the invitation (docs/jobs.md).
      const mail = invitationEmail({ realmName: realm.name, inviterName: actor.fullName, acceptUrl: link });
      await enqueueEmail(tx, { to: email, subject: mail.subject, text: mail.text, html: mail.html });
      out.push({ email, link });
    }
    return out;
  });
}

export async function createInviteLink(deps: ActionDeps, actor: UserRow, input: InviteInput = {}): Promise<string> {
  const role = input.role ?? Role.MEMBER;
  const realm = await checkMayInvite(deps, actor, role);
  return inTx(deps, async (tx) => {
    const token = randomAlnum(24);
    const inv = await insertInvitation(tx, {
      realmId: realm.id, invitedById: actor.id, email: null, isMultiuse: true, role, token,
      streamIds: input.streamIds ?? [], includeRealmDefaultSubscriptions: input.includeRealmDefaultSubscriptions ?? true,
      createdAt: deps.now(), expiresAt: expiry(deps, input.expiresInMinutes),
    });
    await audit(tx, deps, { realmId: realm.id, actorId: actor.id, eventType: AuditEvent.INVITE_CREATED, extra: { invite_id: inv.id, multiuse: true, role } });
    return joinLink(deps, realm, token);
  });
}

function live(inv: InvitationRow, now: Date): boolean {
  return !inv.revoked && !(inv.expiresAt && inv.expiresAt <= now) && !(!inv.isMultiuse && inv.acceptedAt);
}

/** GET /invites: admins see every pending invitation, others their own. */
export async function listInvites(deps: ActionDeps, viewer: UserRow) {
  const realm = (await realmById(deps.store, viewer.realmId))!;
  const now = deps.now();
  return (await invitationsInRealm(deps.store, viewer.realmId))
    .filter((i) => live(i, now) && (isAdminRole(viewer.role) || i.invitedById === viewer.id))
    .map((i) => ({
      id: i.id,
      invited_by_user_id: i.invitedById,
      invited: Math.floor(i.createdAt.getTime() / 1000),
      expiry_date: i.expiresAt ? Math.floor(i.expiresAt.getTime() / 1000) : null,
      invited_as: i.role,
      ...(i.email ? { email: i.email } : {}),
      notify_referrer_on_join: false,
      link_url: joinLink(deps, realm, i.token),
      is_multiuse: i.isMultiuse,
    }));
}

export async function revokeInvite(deps: ActionDeps, actor: UserRow, id: number, multiuse: boolean): Promise<void> {
  await inTx(deps, async (tx) => {
    const inv = await invitationById(tx, actor.realmId, id);
    if (!inv || inv.isMultiuse !== multiuse || !live(inv, deps.now())) throw errors.badRequest("No such invitation");
    if (!isAdminRole(actor.role) && inv.invitedById !== actor.id) throw errors.badRequest("Must be an organization administrator");
    await updateInvitation(tx, inv.id, { revoked: true });
    await audit(tx, deps, { realmId: actor.realmId, actorId: actor.id, eventType: AuditEvent.INVITE_REVOKED, extra: { invite_id: inv.id } });
  });
}

/**
 * Joins through an invitation: creates the account with the invitation's role. A one-use
 * invitation fixes the email; a link takes any email the realm's domain rule allows.
 * (Subscribing to default streams is left to the streams area; the invitation keeps its
 * stream ids.)
 */
export async function acceptInvite(deps: ActionDeps, realm: RealmRow, token: string, input: { email?: string; fullName: string; password: string }): Promise<UserRow> {
  const inv = await invitationByToken(deps.store, token);
  if (!inv || inv.realmId !== realm.id || !live(inv, deps.now())) throw errors.badRequest("The invitation link has expired or is not valid.");
  const email = inv.email ?? normalizeEmail(input.email ?? "");
  if (inv.isMultiuse && !emailDomainAllowed(realmSettings(realm.settings), realm.emailsRestrictedToDomains, email)) {
    throw errors.badRequest("Your email address is not in one of the domains that are allowed in this organization.");
  }
  const user = await createUser(deps, { realmId: realm.id, email, fullName: input.fullName, password: input.password, role: inv.role, actorId: null });
  if (!inv.isMultiuse) await inTx(deps, (tx) => updateInvitation(tx, inv.id, { acceptedAt: deps.now() }));
  return user;
}

/** Open registration: only when the realm does not require invitations, and within its allowed domains. */
export async function signUp(deps: ActionDeps, realm: RealmRow, input: { email: string; fullName: string; password: string }): Promise<UserRow> {
  if (realm.inviteRequired) throw errors.badRequest("This organization requires an invitation to join.");
  const email = normalizeEmail(input.email);
  if (!emailDomainAllowed(realmSettings(realm.settings), realm.emailsRestrictedToDomains, email)) {
    throw errors.badRequest("Your email address is not in one of the domains that are allowed in this organization.");
  }
  return createUser(deps, { realmId: realm.id, email, fullName: input.fullName, password: input.password, role: Role.MEMBER });
}
