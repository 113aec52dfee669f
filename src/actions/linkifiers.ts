// Linkifiers (GET /realm/linkifiers, POST /realm/filters, PATCH/DELETE /realm/filters/{id},
// PATCH /realm/linkifiers to reorder; legacy GET /realm/filters). Administrators only.
import type { ActionDeps } from "./deps.ts";
import { inTx, type ActionTx } from "./tx.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import type { UserRow } from "../db/repo/users.ts";
import { activeUserIdsInRealm } from "../db/repo/users.ts";
import { deleteLinkifierRow, insertLinkifier, linkifierRows, updateLinkifierRow } from "../db/repo/realm-extras.ts";
import type { Q } from "../db/types.ts";
import { errors } from "../domain/errors.ts";
import { isAdminRole } from "../domain/roles.ts";
import { toJsPattern, validateLinkifier } from "../domain/linkifier-pattern.ts";

export async function realmLinkifiers(q: Q, realmId: number) {
  return (await linkifierRows(q, realmId)).map((r) => ({ pattern: r.pattern, url_template: r.urlTemplate, id: r.id }));
}

/** For Markdown (linkification, topic_links): the realm's linkifiers in order, with a JS-ready pattern. */
export async function linkifiersForRealm(q: Q, realmId: number) {
  return (await linkifierRows(q, realmId)).map((r) => ({ id: r.id, pattern: r.pattern, jsPattern: toJsPattern(r.pattern), urlTemplate: r.urlTemplate }));
}

function requireAdmin(u: UserRow) {
  if (!isAdminRole(u.role)) throw errors.badRequest("Must be an organization administrator");
}

async function notify(tx: ActionTx, realmId: number) {
  const to = await activeUserIdsInRealm(tx, realmId);
  tx.notify({ type: "realm_linkifiers", realm_linkifiers: await realmLinkifiers(tx, realmId) }, to, realmId);
  // The legacy event is always empty since Zulip 7.0 (FL 176); old clients still expect it.
  tx.notify({ type: "realm_filters", realm_filters: [] }, to, realmId);
}

export async function addLinkifier(deps: ActionDeps, realm: RealmRow, actor: UserRow, pattern: string, urlTemplate: string): Promise<number> {
  requireAdmin(actor);
  const v = validateLinkifier(pattern, urlTemplate);
  return inTx(deps, async (tx) => {
    const existing = await linkifierRows(tx, realm.id);
    const order = existing.reduce((m, r) => Math.max(m, r.order), -1) + 1;
    const row = await insertLinkifier(tx, { realmId: realm.id, pattern: v.pattern, urlTemplate: v.urlTemplate, order });
    await notify(tx, realm.id);
    return row.id;
  });
}

async function ownLinkifier(tx: Q, realmId: number, id: number) {
  const row = (await linkifierRows(tx, realmId)).find((r) => r.id === id);
  if (!row) throw errors.badRequest("Linkifier not found.");
  return row;
}

export async function editLinkifier(deps: ActionDeps, realm: RealmRow, actor: UserRow, id: number, pattern: string, urlTemplate: string): Promise<void> {
  requireAdmin(actor);
  const v = validateLinkifier(pattern, urlTemplate);
  await inTx(deps, async (tx) => {
    await ownLinkifier(tx, realm.id, id);
    await updateLinkifierRow(tx, id, { pattern: v.pattern, urlTemplate: v.urlTemplate });
    await notify(tx, realm.id);
  });
}

export async function removeLinkifier(deps: ActionDeps, realm: RealmRow, actor: UserRow, id: number): Promise<void> {
  requireAdmin(actor);
  await inTx(deps, async (tx) => {
    await ownLinkifier(tx, realm.id, id);
    await deleteLinkifierRow(tx, id);
    await notify(tx, realm.id);
  });
}

export async function reorderLinkifiers(deps: ActionDeps, realm: RealmRow, actor: UserRow, ids: number[]): Promise<void> {
  requireAdmin(actor);
  if (new Set(ids).size !== ids.length) throw errors.badRequest("The ordered list must not contain duplicated linkifiers");
  await inTx(deps, async (tx) => {
    const rows = await linkifierRows(tx, realm.id);
    if (rows.length !== ids.length || rows.some((r) => !ids.includes(r.id))) {
      throw errors.badRequest("The ordered list must enumerate all existing linkifiers exactly once");
    }
    for (const [i, id] of ids.entries()) await updateLinkifierRow(tx, id, { order: i });
    await notify(tx, realm.id);
  });
}
