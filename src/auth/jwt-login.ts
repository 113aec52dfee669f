// JWT login (Zulip's JWT_AUTH_KEYS): POST /jwt/fetch_api_key with a token signed by the
// realm's key from the configuration. HS256 with a shared secret, or RS256 with a PEM
// public key. The token must carry `exp`; unsigned (alg none), expired, or signed with
// another realm's key → AUTHENTICATION_FAILED.
import { importSPKI, jwtVerify, type JWTPayload } from "jose";
import type { ActionDeps } from "../actions/deps.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import { userByEmail, type UserRow } from "../db/repo/users.ts";
import { errors } from "../domain/errors.ts";

interface RealmJwtKey {
  algorithm: "HS256" | "RS256";
  key: string;
}

export function jwtKeyFor(config: { jwtKeys: string }, subdomain: string): RealmJwtKey | null {
  if (!config.jwtKeys) return null;
  let all: Record<string, RealmJwtKey>;
  try {
    all = JSON.parse(config.jwtKeys);
  } catch {
    return null;
  }
  const k = all[subdomain];
  if (!k || (k.algorithm !== "HS256" && k.algorithm !== "RS256") || typeof k.key !== "string") return null;
  return k;
}

export async function verifyLoginJwt(deps: ActionDeps, realm: RealmRow, token: string): Promise<{ email: string; fullName?: string }> {
  const k = jwtKeyFor(deps.config, realm.stringId);
  if (!k) throw errors.badRequest("JWT authentication is not enabled for this organization");
  let payload: JWTPayload;
  try {
    const key = k.algorithm === "HS256" ? new TextEncoder().encode(k.key) : await importSPKI(k.key, "RS256");
    ({ payload } = await jwtVerify(token, key, { algorithms: [k.algorithm], currentDate: deps.now(), requiredClaims: ["exp"] }));
  } catch {
    throw errors.authenticationFailed();
  }
  const email = payload.email;
  if (typeof email !== "string" || !email) throw errors.authenticationFailed();
  const fullName = typeof payload.full_name === "string" ? payload.full_name : typeof payload.name === "string" ? payload.name : undefined;
  return { email, fullName };
}

export async function userForJwt(deps: ActionDeps, realm: RealmRow, token: string): Promise<UserRow> {
  const { email } = await verifyLoginJwt(deps, realm, token);
  const user = await userByEmail(deps.store, realm.id, email);
  if (!user || user.isBot) throw errors.authenticationFailed();
  if (!user.isActive) throw errors.userDeactivated();
  return user;
}
