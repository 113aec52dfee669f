// First-run setup: creates the root organization and its owner in ONE transaction, so a
// failed owner (bad email, weak password) never leaves an organization nobody can log
// in to. The setup page (src/web/server) guards it with a one-time token.
import { inTx } from "./tx.ts";
import type { ActionDeps } from "./deps.ts";
import { countRealms, insertRealm, type RealmRow } from "../db/repo/realms.ts";
import { insertUser, type UserRow } from "../db/repo/users.ts";
import { errors } from "../domain/errors.ts";
import { Role } from "../domain/roles.ts";
import { normalizeEmail, validateFullName, validatePassword } from "../domain/validate.ts";
import { newApiKey } from "../lib/random.ts";
import { hashPassword } from "../auth/passwords.ts";

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
  const realmName = input.realmName.trim();
  if (!realmName) throw errors.invalid("realm_name", "Organization name is required.");
  if (realmName.length > 40) throw errors.invalid("realm_name", "Organization name is too long (at most 40 characters).");
  const email = normalizeEmail(input.email);
  const fullName = validateFullName(input.fullName);
  validatePassword(input.password);
  const passwordHash = await hashPassword(input.password);
  return inTx(deps, async (tx) => {
    // Re-checked inside the transaction: two racing setup forms create one organization.
    if ((await countRealms(tx)) > 0) throw errors.badRequest("This server is already set up.");
    const now = deps.now();
    const realm = await insertRealm(tx, { name: realmName, stringId: "", description: "", inviteRequired: true, dateCreated: now });
    const owner = await insertUser(tx, {
      realmId: realm.id,
      email,
      deliveryEmail: email,
      fullName,
      role: Role.OWNER,
      isBot: false,
      apiKey: newApiKey(),
      passwordHash,
      timezone: "",
      dateJoined: now,
    });
    return { realm, owner };
  });
}

