// People: create, update, role changes, deactivation, API keys, own settings. Every
// change is one transaction with its audit entry and its events (realm_user,
// realm_bot, user_settings) delivered after commit.
import { inTx, type ActionTx } from "./tx.ts";
import type { ActionDeps } from "./deps.ts";
import {
  botsOwnedBy, countActiveOwners, insertUser, updateUser, userByEmail, userById, usersInRealm, type UserRow,
} from "../db/repo/users.ts";
import { realmById } from "../db/repo/realms.ts";
import { deleteSessionsOfUsers } from "../db/repo/sessions.ts";
import { ApiError, errors } from "../domain/errors.ts";
import { Role, isAdminRole, isRoleCode } from "../domain/roles.ts";
import { normalizeEmail, validateFullName, validatePassword, type PasswordPolicy } from "../domain/validate.ts";
import { checkUserSetting, isUserSettingKey, userSettings } from "../domain/user-settings.ts";
import { newApiKey } from "../lib/random.ts";
import { hashPassword, verifyPassword } from "../auth/passwords.ts";
import { audit, AuditEvent } from "./audit.ts";
import { botDict, personForViewers, userObject } from "./user-objects.ts";
import { addUserToSystemGroups, moveUserBetweenSystemGroups } from "./user-groups.ts";
import { subscribeToDefaultStreams } from "./streams.ts";
import { USER_ACCESS_REVOKED } from "../events/system.ts";
import { forgetUserPresence } from "./presence.ts";

export interface CreateUserInput {
  realmId: number;
  email: string;
  fullName: string;
  password?: string | null;
  role?: number;
  timezone?: string;
  isBot?: boolean;
  botType?: number | null;
  botOwnerId?: number | null;
  /** who did it (null: the operator, a sign-up or an invitation) */
  actorId?: number | null;
  /** skip the configured strength rule (tests and imports set passwords they chose) */
  passwordPolicy?: PasswordPolicy;
}

export const passwordPolicy = (deps: ActionDeps): PasswordPolicy => ({
  minLength: deps.config.passwordMinLength,
  minClasses: deps.config.passwordMinClasses,
});

const ownerRequired = () => errors.badRequest("Must be an organization owner");
const adminRequired = () => errors.badRequest("Must be an organization administrator", {});

async function activeViewers(tx: ActionTx, realmId: number): Promise<UserRow[]> {
  return (await usersInRealm(tx, realmId)).filter((u) => u.isActive);
}

/** realm_user events to every active user of the realm; admins and the user see delivery_email. */
async function notifyPerson(deps: ActionDeps, tx: ActionTx, u: UserRow, op: "add"): Promise<void> {
  const viewers = await activeViewers(tx, u.realmId);
  const { base, perUser } = await personForViewers(deps, u, viewers);
  tx.notifyEnvelope({ event: { type: "realm_user", op, person: base }, userIds: viewers.map((v) => v.id), realmId: u.realmId, perUser });
}

async function notifyPersonUpdate(tx: ActionTx, realmId: number, person: Record<string, unknown>): Promise<void> {
  const viewers = await activeViewers(tx, realmId);
  tx.notify({ type: "realm_user", op: "update", person }, viewers.map((v) => v.id), realmId);
}

/** Who receives realm_bot events about a bot: its owner and the realm's admins (they see the key). */
async function botAudience(tx: ActionTx, bot: UserRow): Promise<number[]> {
  const viewers = await activeViewers(tx, bot.realmId);
  return viewers.filter((v) => !v.isBot && (v.id === bot.botOwnerId || isAdminRole(v.role))).map((v) => v.id);
}

/**
 * Creates a user (or bot). The password is hashed before the transaction opens, so the
 * writer lock is never held across argon2's deliberate slowness.
 */
export async function createUser(deps: ActionDeps, input: CreateUserInput): Promise<UserRow> {
  const email = normalizeEmail(input.email);
  const fullName = validateFullName(input.fullName);
  const role = input.role ?? Role.MEMBER;
  if (!isRoleCode(role)) throw errors.invalid("role", `Invalid role: ${role}`);
  let passwordHash: string | null = null;
  if (input.password) {
    validatePassword(input.password, input.passwordPolicy ?? passwordPolicy(deps));
    passwordHash = await hashPassword(input.password);
  }
  return inTx(deps, async (tx) => {
    const realm = await realmById(tx, input.realmId);
    if (!realm) throw errors.badRequest("No such organization.");
    if (await userByEmail(tx, realm.id, email)) {
      throw errors.badRequest(`Email '${email}' already in use`);
    }
    const user = await insertUser(tx, {
      realmId: realm.id,
      email,
      deliveryEmail: email,
      fullName,
      role,
      isBot: input.isBot ?? false,
      botType: input.botType ?? null,
      botOwnerId: input.botOwnerId ?? null,
      apiKey: newApiKey(),
      passwordHash,
      timezone: input.timezone ?? "",
      dateJoined: deps.now(),
    });
    await audit(tx, deps, {
      realmId: realm.id, actorId: input.actorId ?? null, targetUserId: user.id,
      eventType: user.isBot ? AuditEvent.BOT_CREATED : AuditEvent.USER_CREATED, extra: { role },
    });
    await notifyPerson(deps, tx, user, "add");
    if (user.isBot) tx.notify({ type: "realm_bot", op: "add", bot: botDict(deps, user) }, await botAudience(tx, user), realm.id);
    await addUserToSystemGroups(tx, user); // satellites: membership of the role's system group
    await subscribeToDefaultStreams(tx, user); // streams: the realm's default streams
    return user;
  });
}

// ---- reads ---------------------------------------------------------------------------

export async function listUsers(deps: ActionDeps, viewer: UserRow, opts: { clientGravatar?: boolean } = {}) {
  const rows = await usersInRealm(deps.store, viewer.realmId);
  return Promise.all(rows.map(async (u) => {
    const { max_message_id: _m, ...o } = await userObject(deps, u, { forUser: viewer, clientGravatar: opts.clientGravatar ?? false });
    return o;
  }));
}

/** By id or by email (Zulip's /users/{user_id_or_email}); 400 "No such user" across realms. */
export async function getUser(deps: ActionDeps, viewer: UserRow, idOrEmail: string, opts: { clientGravatar?: boolean } = {}) {
  const u = await findUser(deps, viewer.realmId, idOrEmail);
  const { max_message_id: _m, ...o } = await userObject(deps, u, { forUser: viewer, clientGravatar: opts.clientGravatar ?? false });
  return o;
}

/** A user by API email, or undefined (operator tools: the CLI looks users up by email). */
export async function userWithEmail(deps: Pick<ActionDeps, "store">, realmId: number, email: string): Promise<UserRow | undefined> {
  return userByEmail(deps.store, realmId, email);
}

/** Every user of a realm, bots and deactivated users included (operator listing; no viewer). */
export async function realmUsersForOperator(deps: Pick<ActionDeps, "store">, realmId: number): Promise<UserRow[]> {
  return usersInRealm(deps.store, realmId);
}

export async function findUser(deps: Pick<ActionDeps, "store">, realmId: number, idOrEmail: string | number): Promise<UserRow> {
  let u: UserRow | undefined;
  if (typeof idOrEmail === "number" || /^\d+$/.test(idOrEmail)) u = await userById(deps.store, Number(idOrEmail));
  else u = await userByEmail(deps.store, realmId, idOrEmail);
  if (!u || u.realmId !== realmId) throw errors.badRequest("No such user");
  return u;
}

// ---- changes by admins ---------------------------------------------------------------

export interface UpdateUserInput {
  fullName?: string;
  role?: number;
}

/** PATCH /users/{id}. `actor` null = the operator (CLI), who may do anything but remove the last owner. */
export async function updateUserByAdmin(deps: ActionDeps, actor: UserRow | null, targetId: number, input: UpdateUserInput): Promise<void> {
  if (actor && (!isAdminRole(actor.role) || actor.isBot)) throw adminRequired();
  const fullName = input.fullName !== undefined ? validateFullName(input.fullName) : undefined;
  if (input.role !== undefined && !isRoleCode(input.role)) throw errors.invalid("role", "Invalid role");
  await inTx(deps, async (tx) => {
    const target = await userById(tx, targetId);
    if (!target || (actor && target.realmId !== actor.realmId)) throw errors.badRequest("No such user");
    if (input.role !== undefined && input.role !== target.role) {
      const touchesOwner = target.role === Role.OWNER || input.role === Role.OWNER;
      if (touchesOwner && actor && actor.role !== Role.OWNER) throw ownerRequired();
      if (target.role === Role.OWNER && target.isActive && (await countActiveOwners(tx, target.realmId)) <= 1) {
        throw errors.badRequest("The owner permission cannot be removed from the only organization owner.");
      }
      await updateUser(tx, target.id, { role: input.role });
      // Membership of Zulip's role:* system groups follows the role.
      await moveUserBetweenSystemGroups(tx, target, target.role, input.role);
      await audit(tx, deps, {
        realmId: target.realmId, actorId: actor?.id ?? null, targetUserId: target.id,
        eventType: AuditEvent.USER_ROLE_CHANGED, extra: { old_value: target.role, new_value: input.role },
      });
      await notifyPersonUpdate(tx, target.realmId, { user_id: target.id, role: input.role });
      // Crossing the admin line changes which delivery emails the user may see (Zulip's
      // send_delivery_email_update_events).
      if (isAdminRole(input.role) !== isAdminRole(target.role) && !target.isBot) {
        const promoted = isAdminRole(input.role);
        for (const other of await usersInRealm(tx, target.realmId)) {
          if (other.id === target.id) continue;
          tx.notify({ type: "realm_user", op: "update", person: { user_id: other.id, delivery_email: promoted ? other.deliveryEmail : null } }, [target.id], target.realmId);
        }
      }
    }
    if (fullName !== undefined && fullName !== target.fullName) {
      await changeFullName(deps, tx, actor?.id ?? null, target, fullName);
    }
  });
}

async function changeFullName(deps: ActionDeps, tx: ActionTx, actorId: number | null, target: UserRow, fullName: string) {
  await updateUser(tx, target.id, { fullName });
  await audit(tx, deps, {
    realmId: target.realmId, actorId, targetUserId: target.id,
    eventType: AuditEvent.USER_FULL_NAME_CHANGED, extra: { old_value: target.fullName, new_value: fullName },
  });
  await notifyPersonUpdate(tx, target.realmId, { user_id: target.id, full_name: fullName });
  if (target.isBot) tx.notify({ type: "realm_bot", op: "update", bot: { user_id: target.id, full_name: fullName } }, await botAudience(tx, target), target.realmId);
}

/**
 * Deactivates a user: their bots too, their web sessions end, and their and their bots'
 * API keys fail on the next request (every request re-reads the user row).
 * `actor` null = the operator (CLI); actor === target = DELETE /users/me.
 */
export async function deactivateUser(deps: ActionDeps, actor: UserRow | null, targetId: number): Promise<void> {
  await inTx(deps, async (tx) => {
    const target = await userById(tx, targetId);
    if (!target || (actor && target.realmId !== actor.realmId)) throw errors.badRequest("No such user");
    const self = actor?.id === target.id;
    if (actor && !self) {
      if (actor.isBot) throw adminRequired();
      const ownsBot = target.isBot && target.botOwnerId === actor.id;
      if (!isAdminRole(actor.role) && !ownsBot) throw adminRequired();
      if (target.role === Role.OWNER && actor.role !== Role.OWNER) throw ownerRequired();
    }
    if (!target.isActive) return;
    if (!target.isBot) {
      if (target.role === Role.OWNER && (await countActiveOwners(tx, target.realmId)) <= 1) {
        throw new ApiError("CANNOT_DEACTIVATE_LAST_USER", "Cannot deactivate the only organization owner", { entity: "organization owner", is_last_owner: true });
      }
      const humans = (await activeViewers(tx, target.realmId)).filter((u) => !u.isBot);
      if (humans.length <= 1) throw new ApiError("CANNOT_DEACTIVATE_LAST_USER", "Cannot deactivate the only user.", { entity: "user", is_last_owner: false });
    }
    const bots = target.isBot ? [] : (await botsOwnedBy(tx, target.id)).filter((b) => b.isActive);
    // Audiences are computed before the change: an admin being deactivated still gets nothing
    // (their queues die with the session), everyone else learns of it.
    const botAudiences = new Map<number, number[]>();
    for (const b of target.isBot ? [target] : bots) botAudiences.set(b.id, (await botAudience(tx, b)).filter((id) => id !== target.id));
    for (const u of [target, ...bots]) await updateUser(tx, u.id, { isActive: false });
    await deleteSessionsOfUsers(tx, [target.id, ...bots.map((b) => b.id)]);
    // After the realm_user updates are published (inTx registered that first), drop the
    // users' event queues and sockets on every node.
    const revoked = [target.id, ...bots.map((b) => b.id)];
    tx.afterCommit(() => {
      deps.bus.invalidate(USER_ACCESS_REVOKED, revoked);
      // A deactivated account is offline at once, not after the presence timeout.
      for (const id of revoked) forgetUserPresence(deps, target.realmId, id);
    });
    for (const u of [target, ...bots]) {
      await audit(tx, deps, { realmId: target.realmId, actorId: actor?.id ?? null, targetUserId: u.id, eventType: AuditEvent.USER_DEACTIVATED });
      await notifyPersonUpdate(tx, target.realmId, { user_id: u.id, is_active: false });
      if (u.isBot) tx.notify({ type: "realm_bot", op: "update", bot: { user_id: u.id, is_active: false } }, botAudiences.get(u.id) ?? [], target.realmId);
    }
  });
}

export async function reactivateUser(deps: ActionDeps, actor: UserRow | null, targetId: number): Promise<void> {
  if (actor && (!isAdminRole(actor.role) || actor.isBot)) throw adminRequired();
  await inTx(deps, async (tx) => {
    const target = await userById(tx, targetId);
    if (!target || (actor && target.realmId !== actor.realmId)) throw errors.badRequest("No such user");
    if (target.isActive) throw errors.badRequest("User is already active");
    if (target.isBot && target.botOwnerId) {
      const owner = await userById(tx, target.botOwnerId);
      if (!owner?.isActive) throw errors.badRequest("The bot's owner is deactivated; reactivate the owner first.");
    }
    await updateUser(tx, target.id, { isActive: true });
    await audit(tx, deps, { realmId: target.realmId, actorId: actor?.id ?? null, targetUserId: target.id, eventType: AuditEvent.USER_REACTIVATED });
    await notifyPersonUpdate(tx, target.realmId, { user_id: target.id, is_active: true });
    if (target.isBot) tx.notify({ type: "realm_bot", op: "update", bot: { user_id: target.id, is_active: true } }, await botAudience(tx, { ...target, isActive: true }), target.realmId);
  });
}

/** New API key for oneself, or for a bot by its owner or an admin. The old key fails at once. */
export async function regenerateApiKey(deps: ActionDeps, actor: UserRow | null, targetId: number): Promise<string> {
  return inTx(deps, async (tx) => {
    const target = await userById(tx, targetId);
    if (!target || (actor && target.realmId !== actor.realmId)) throw errors.badRequest("No such bot");
    if (actor && actor.id !== target.id) {
      const allowed = target.isBot && !actor.isBot && (target.botOwnerId === actor.id || isAdminRole(actor.role));
      if (!allowed) throw errors.badRequest("Insufficient permission");
    }
    const apiKey = newApiKey();
    await updateUser(tx, target.id, { apiKey });
    await audit(tx, deps, { realmId: target.realmId, actorId: actor?.id ?? null, targetUserId: target.id, eventType: AuditEvent.USER_API_KEY_CHANGED });
    if (target.isBot) tx.notify({ type: "realm_bot", op: "update", bot: { user_id: target.id, api_key: apiKey } }, await botAudience(tx, target), target.realmId);
    return apiKey;
  });
}

/** Sets a password (CLI reset-password, PATCH /settings after the old one was checked). */
export async function setPassword(deps: ActionDeps, actorId: number | null, targetId: number, password: string, opts: { auditIt?: boolean; skipPolicy?: boolean } = {}): Promise<void> {
  if (!opts.skipPolicy) validatePassword(password, passwordPolicy(deps));
  const passwordHash = await hashPassword(password);
  await inTx(deps, async (tx) => {
    const target = await userById(tx, targetId);
    if (!target) throw errors.badRequest("No such user");
    await updateUser(tx, targetId, { passwordHash });
    // Other web sessions end with a password change (the current one is re-created by the caller if needed).
    if (opts.auditIt !== false) {
      await deleteSessionsOfUsers(tx, [targetId]);
      await audit(tx, deps, { realmId: target.realmId, actorId, targetUserId: targetId, eventType: AuditEvent.USER_PASSWORD_CHANGED });
    }
  });
}

/** CLI only: Zulip's "API super user" flag, which lets a bot send as another user. */
export async function setCanForgeSender(deps: ActionDeps, targetId: number, value: boolean): Promise<void> {
  await inTx(deps, async (tx) => {
    const target = await userById(tx, targetId);
    if (!target) throw errors.badRequest("No such user");
    await updateUser(tx, targetId, { canForgeSender: value });
    await audit(tx, deps, { realmId: target.realmId, actorId: null, targetUserId: targetId, eventType: AuditEvent.USER_CAN_FORGE_SENDER_CHANGED, extra: { old_value: target.canForgeSender, new_value: value } });
  });
}

// ---- own settings --------------------------------------------------------------------

export interface OwnSettingsInput {
  fullName?: string;
  timezone?: string;
  oldPassword?: string;
  newPassword?: string;
  settings?: Record<string, unknown>;
}

/** PATCH /settings: own name, timezone, password and user_settings. */
export async function updateOwnSettings(deps: ActionDeps, user: UserRow, input: OwnSettingsInput): Promise<void> {
  const fullName = input.fullName !== undefined ? validateFullName(input.fullName) : undefined;
  if (input.timezone !== undefined && input.timezone !== "" && !isTimezone(input.timezone)) throw errors.invalid("timezone", `Invalid timezone '${input.timezone}'`);
  const changes: Record<string, boolean | string | number> = {};
  for (const [k, v] of Object.entries(input.settings ?? {})) {
    if (!isUserSettingKey(k)) throw errors.invalid(k, `Invalid setting: ${k}`);
    changes[k] = checkUserSetting(k, v);
  }
  let passwordHash: string | undefined;
  if (input.newPassword !== undefined) {
    if (user.isBot) throw errors.badRequest("Bots cannot have passwords");
    if (!(await verifyPassword(input.oldPassword ?? "", user.passwordHash))) throw errors.badRequest("Wrong password!");
    validatePassword(input.newPassword, passwordPolicy(deps));
    passwordHash = await hashPassword(input.newPassword);
  }
  await inTx(deps, async (tx) => {
    const cur = await userById(tx, user.id);
    if (!cur) throw errors.badRequest("No such user");
    if (fullName !== undefined && fullName !== cur.fullName) await changeFullName(deps, tx, cur.id, cur, fullName);
    if (input.timezone !== undefined && input.timezone !== cur.timezone) {
      await updateUser(tx, cur.id, { timezone: input.timezone });
      await notifyPersonUpdate(tx, cur.realmId, { user_id: cur.id, timezone: input.timezone });
      tx.notify({ type: "user_settings", op: "update", property: "timezone", value: input.timezone }, [cur.id], cur.realmId);
    }
    const current = userSettings(cur.settings);
    const stored = { ...(cur.settings ?? {}) };
    let dirty = false;
    for (const [k, v] of Object.entries(changes)) {
      if ((current as Record<string, unknown>)[k] === v) continue;
      stored[k] = v;
      dirty = true;
      tx.notify({ type: "user_settings", op: "update", property: k, value: v }, [cur.id], cur.realmId);
    }
    if (dirty) await updateUser(tx, cur.id, { settings: stored });
    if (passwordHash) {
      await updateUser(tx, cur.id, { passwordHash });
      await audit(tx, deps, { realmId: cur.realmId, actorId: cur.id, targetUserId: cur.id, eventType: AuditEvent.USER_PASSWORD_CHANGED });
    }
  });
}

function isTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
