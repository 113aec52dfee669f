import { inTx } from "./tx.ts";
import type { ActionDeps } from "./deps.ts";
import { realmBySubdomain, realmBySubdomainFast, insertRealm, realmById, updateRealm, type RealmRow } from "../db/repo/realms.ts";
import { activeUserIdsInRealm, type UserRow } from "../db/repo/users.ts";
import { errors } from "../domain/errors.ts";
import { validateSubdomain } from "../domain/validate.ts";
import { isAdminRole } from "../domain/roles.ts";
import { REALM_COLUMN_SETTINGS, REALM_SETTING_VALIDATORS, realmSettings } from "../domain/realm-settings.ts";
import { audit, AuditEvent } from "./audit.ts";
import { createSystemGroups } from "./user-groups.ts";

export interface CreateRealmInput {
  name: string;
  subdomain?: string;
  description?: string;
  inviteRequired?: boolean;
}

export async function createRealm(deps: ActionDeps, input: CreateRealmInput): Promise<RealmRow> {
  const name = input.name.trim();
  if (!name) throw errors.invalid("name", "Organization name is required.");
  if (name.length > 40) throw errors.invalid("name", "Organization name is too long (at most 40 characters).");
  const subdomain = validateSubdomain(input.subdomain ?? "");
  return inTx(deps, async (tx) => {
    if (await realmBySubdomain(tx, subdomain)) {
      throw errors.badRequest(subdomain ? `Subdomain "${subdomain}" is already in use.` : "The root organization already exists.");
    }
    const realm = await insertRealm(tx, {
      name,
      stringId: subdomain,
      description: input.description ?? "",
      inviteRequired: input.inviteRequired ?? true,
      dateCreated: deps.now(),
    });
    await audit(tx, deps, { realmId: realm.id, actorId: null, eventType: AuditEvent.REALM_CREATED, extra: { string_id: subdomain } });
    await createSystemGroups(tx, realm.id, deps.now()); // satellites: Zulip's role:* system groups
    return realm;
  });
}

/** The current value of a writable realm setting, by Zulip name. */
export function realmSettingValue(realm: RealmRow, key: string): unknown {
  const col = (REALM_COLUMN_SETTINGS as Record<string, string>)[key];
  if (col) return (realm as unknown as Record<string, unknown>)[col];
  return (realmSettings(realm.settings) as unknown as Record<string, unknown>)[key];
}

/**
 * PATCH /realm: admins only; each changed property is one `realm` update event to every
 * active user and one audit entry with old and new values. `actor` null = the operator (CLI).
 */
export async function updateRealmSettings(deps: ActionDeps, actor: UserRow | null, realmId: number, changes: Record<string, unknown>): Promise<string[]> {
  if (actor && (!isAdminRole(actor.role) || actor.isBot)) throw errors.badRequest("Must be an organization administrator");
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(changes)) {
    const check = REALM_SETTING_VALIDATORS[k];
    if (!check) throw errors.invalid(k, `Invalid property: ${k}`);
    clean[k] = check(v, k);
  }
  return inTx(deps, async (tx) => {
    const realm = await realmById(tx, realmId);
    if (!realm) throw errors.badRequest("No such organization.");
    const settings = { ...(realm.settings ?? {}) };
    const columns: Record<string, unknown> = {};
    const changed: string[] = [];
    for (const [k, v] of Object.entries(clean)) {
      const old = realmSettingValue(realm, k);
      if (JSON.stringify(old) === JSON.stringify(v)) continue;
      changed.push(k);
      const col = (REALM_COLUMN_SETTINGS as Record<string, string>)[k];
      if (col) columns[col] = v;
      else settings[k] = v;
      await audit(tx, deps, { realmId, actorId: actor?.id ?? null, eventType: AuditEvent.REALM_PROPERTY_CHANGED, extra: { property: k, old_value: old, new_value: v } });
    }
    if (!changed.length) return changed;
    await updateRealm(tx, realmId, { ...columns, settings });
    const recipients = await activeUserIdsInRealm(tx, realmId);
    for (const k of changed) {
      // realm_domains has its own events in Zulip; it is not part of the snapshot here.
      if (k === "domains") continue;
      tx.notify({ type: "realm", op: "update", property: k, value: clean[k] as never }, recipients, realmId);
    }
    return changed;
  });
}

/** CLI only: refuses every request of the realm from now on (401 REALM_DEACTIVATED). */
export async function deactivateRealm(deps: ActionDeps, realmId: number): Promise<void> {
  await inTx(deps, async (tx) => {
    const realm = await realmById(tx, realmId);
    if (!realm) throw errors.badRequest("No such organization.");
    if (realm.deactivated) return;
    await updateRealm(tx, realmId, { deactivated: true });
    await audit(tx, deps, { realmId, actorId: null, eventType: AuditEvent.REALM_DEACTIVATED });
    const recipients = await activeUserIdsInRealm(tx, realmId);
    tx.notify({ type: "realm", op: "deactivated", realm_id: realmId }, recipients, realmId);
  });
}

/**
 * The realm served at a subdomain: every HTTP request asks, so it is a prepared statement
 * on the store's read connection (not for use inside a transaction).
 */
export async function realmForSubdomain(deps: Pick<ActionDeps, "store">, subdomain: string): Promise<RealmRow | undefined> {
  return realmBySubdomainFast(deps.store, subdomain);
}
