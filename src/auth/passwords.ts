// Password hashing: argon2id through Bun.password. Hashes imported from Zulip (Django's
// pbkdf2_sha256$iterations$salt$hash) are verified too, so imported users keep their
// passwords; callers rehash them with argon2id after a successful login.
import { pbkdf2Sync, timingSafeEqual } from "node:crypto";

export async function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id" });
}

export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  if (!hash) return false;
  if (hash.startsWith("pbkdf2_sha256$")) return verifyDjangoPbkdf2(password, hash);
  try {
    return await Bun.password.verify(password, hash);
  } catch {
    return false;
  }
}

/** True when a hash should be replaced by a fresh argon2id hash after a successful login. */
export function needsRehash(hash: string): boolean {
  return !hash.startsWith("$argon2id$");
}

function verifyDjangoPbkdf2(password: string, encoded: string): boolean {
  const [, iterStr, salt, b64] = encoded.split("$");
  const iterations = Number(iterStr);
  if (!salt || !b64 || !Number.isInteger(iterations) || iterations < 1 || iterations > 10_000_000) return false;
  const expected = Buffer.from(b64, "base64");
  const actual = pbkdf2Sync(password, salt, iterations, expected.length, "sha256");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
