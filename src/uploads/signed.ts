// Temporary upload URLs (/user_uploads/temporary/{token}/{filename}): an HMAC-SHA256 over
// the path_id and an expiry, keyed from the server secret. Anyone holding the URL may
// fetch the file until it expires (Zulip: 60 seconds), without credentials, which is
// what lets clients hand a file to an external viewer or the OS.
import { createHmac, timingSafeEqual } from "node:crypto";

function key(secret: string) {
  return createHmac("sha256", secret).update("hearth:user_uploads:temporary:v1").digest();
}

export function signTemporary(secret: string, pathId: string, expiresAt: number): string {
  const payload = Buffer.from(JSON.stringify({ p: pathId, e: expiresAt })).toString("base64url");
  const sig = createHmac("sha256", key(secret)).update(payload).digest("base64url");
  return `${payload}.${sig}`;
}

/** The path_id the token grants, or null when the token is forged or expired. */
export function verifyTemporary(secret: string, token: string, nowSeconds: number): string | null {
  const [payload, sig] = token.split(".");
  if (!payload || !sig) return null;
  const want = createHmac("sha256", key(secret)).update(payload).digest();
  const got = Buffer.from(sig, "base64url");
  if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
  try {
    const { p, e } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { p: string; e: number };
    if (typeof p !== "string" || typeof e !== "number" || e < nowSeconds) return null;
    return p;
  } catch {
    return null;
  }
}
