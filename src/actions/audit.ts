// The audit log (Zulip's RealmAuditLog): every security-relevant change, written in the
// same transaction as the change itself. Never records secrets (keys, passwords).
import type { Q } from "../db/types.ts";
import { auditEntries, insertAudit, type AuditRow } from "../db/repo/audit.ts";
import type { ActionDeps } from "./deps.ts";
import type { UserRow } from "../db/repo/users.ts";
import { errors } from "../domain/errors.ts";
import { isAdminRole } from "../domain/roles.ts";

export const AuditEvent = {
  USER_CREATED: "user_created",
  USER_DEACTIVATED: "user_deactivated",
  USER_REACTIVATED: "user_reactivated",
  USER_ROLE_CHANGED: "user_role_changed",
  USER_FULL_NAME_CHANGED: "user_full_name_changed",
  USER_PASSWORD_CHANGED: "user_password_changed",
  USER_API_KEY_CHANGED: "user_api_key_changed",
  BOT_CREATED: "bot_created",
  BOT_OWNER_CHANGED: "bot_owner_changed",
  REALM_CREATED: "realm_created",
  REALM_PROPERTY_CHANGED: "realm_property_changed",
  REALM_DEACTIVATED: "realm_deactivated",
  INVITE_CREATED: "invite_created",
  INVITE_REVOKED: "invite_revoked",
  LOGIN_FAILURE_BURST: "login_failure_burst",
  USER_CAN_FORGE_SENDER_CHANGED: "user_can_forge_sender_changed",
} as const;

export async function audit(
  q: Q,
  deps: Pick<ActionDeps, "now">,
  e: { realmId: number; actorId: number | null; targetUserId?: number | null; eventType: string; extra?: Record<string, unknown> },
): Promise<void> {
  await insertAudit(q, {
    realmId: e.realmId,
    actorId: e.actorId,
    targetUserId: e.targetUserId ?? null,
    eventType: e.eventType,
    eventTime: deps.now(),
    extra: e.extra ?? {},
  });
}

export function auditJson(r: AuditRow) {
  return {
    id: r.id,
    event_type: r.eventType,
    event_time: Math.floor(r.eventTime.getTime() / 1000),
    acting_user_id: r.actorId,
    modified_user_id: r.targetUserId,
    extra_data: r.extra,
  };
}

/** Admins only. */
export async function listAudit(deps: ActionDeps, actor: UserRow | null, realmId: number, opts: { limit?: number; before?: number; eventType?: string } = {}) {
  if (actor && (!isAdminRole(actor.role) || actor.isBot)) throw errors.badRequest("Must be an organization administrator");
  const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
  return auditEntries(deps.store, realmId, { ...opts, limit });
}

/** A burst of failed logins (the auth rate limit tripped): recorded once per burst. */
export async function recordLoginFailureBurst(deps: ActionDeps, realmId: number, info: { username?: string; ip: string }) {
  await deps.store.withTx(async (tx) => {
    await audit(tx, deps, { realmId, actorId: null, eventType: AuditEvent.LOGIN_FAILURE_BURST, extra: { username: info.username ?? null, ip: info.ip } });
  });
}
