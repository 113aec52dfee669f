// First-run setup: creates the root organization and its owner in ONE transaction, so a
// failed owner (bad email, weak password) never leaves an organization nobody can log
// in to. The setup page (src/web/server) guards it with a one-time token. The realm and
// the user are made by the people area's createRealm/createUser (system groups, audit
// log, events), nested in this transaction.
import { inTx } from "./tx.ts";
import type { ActionDeps } from "./deps.ts";
import { countRealms, type RealmRow } from "../db/repo/realms.ts";
import type { UserRow } from "../db/repo/users.ts";
import { errors } from "../domain/errors.ts";
import { Role } from "../domain/roles.ts";
import { normalizeEmail, validateFullName, validatePassword } from "../domain/validate.ts";
import { createRealm } from "./realms.ts";
import { createUser, passwordPolicy } from "./users.ts";

/** True while the server has no organization at all (the setup page is offered). */
export async function needsSetup(deps: ActionDeps): Promise<boolean> {
  return (await countRealms(deps.store)) === 0;
}

export interface SetupInput {
  realmName: string;
  fullName: string;
  email: string;
  password: string;
}

export async function completeSetup(deps: ActionDeps, input: SetupInput): Promise<{ realm: RealmRow; owner: UserRow }> {
  // Everything that can be refused is checked before the transaction opens.
  const realmName = input.realmName.trim();
  if (!realmName) throw errors.invalid("realm_name", "Organization name is required.");
  if (realmName.length > 40) throw errors.invalid("realm_name", "Organization name is too long (at most 40 characters).");
  normalizeEmail(input.email);
  validateFullName(input.fullName);
  validatePassword(input.password, passwordPolicy(deps));
  // createUser hashes the password inside this transaction: the writer lock is held for
  // one argon2 hash, once in the life of a server.
  return inTx(deps, async (tx) => {
    // Re-checked inside the transaction: two racing setup forms create one organization.
    if ((await countRealms(tx)) > 0) throw errors.badRequest("This server is already set up.");
    const realm = await createRealm(deps, { name: realmName, subdomain: "", inviteRequired: true });
    const owner = await createUser(deps, { realmId: realm.id, email: input.email, fullName: input.fullName, password: input.password, role: Role.OWNER, actorId: null });
    return { realm, owner };
  });
}
