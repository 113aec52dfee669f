import { inTx } from "./tx.ts";
import type { ActionDeps } from "./deps.ts";
import { realmBySubdomain, insertRealm, type RealmRow } from "../db/repo/realms.ts";
import { errors } from "../domain/errors.ts";
import { validateSubdomain } from "../domain/validate.ts";
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
    await createSystemGroups(tx, realm.id, deps.now()); // satellites: Zulip's role:* system groups
    return realm;
  });
}
