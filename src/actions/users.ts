import { inTx } from "./tx.ts";
import type { ActionDeps } from "./deps.ts";
import { insertUser, userByEmail, type UserRow } from "../db/repo/users.ts";
import { realmById } from "../db/repo/realms.ts";
import { errors } from "../domain/errors.ts";
import { Role, isRoleCode } from "../domain/roles.ts";
import { normalizeEmail, validateFullName, validatePassword } from "../domain/validate.ts";
import { newApiKey } from "../lib/random.ts";
import { hashPassword } from "../auth/passwords.ts";
import { addUserToSystemGroups } from "./user-groups.ts";

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
    validatePassword(input.password);
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
    await addUserToSystemGroups(tx, user); // satellites: membership of the role's system group
    return user;
  });
}
