// Upload paths and filenames. The path is the secret: "{realm_id}/{xx}/{24 random chars}/{name}"
// carries 152 random bits, so a URL cannot be guessed, only shared.
import { randomBytes } from "node:crypto";

const MAX_NAME_BYTES = 150;

/**
 * A filename that is safe as one path segment and still recognisable: the last path
 * component only, Unicode-normalized, no control or formatting characters, no
 * characters with meaning in URLs or shells, no leading dots, length-limited (keeping
 * the extension).
 */
export function sanitizeFilename(raw: string | undefined | null): string {
  let s = (raw ?? "").normalize("NFKC");
  s = s.split(/[\\/]/).pop() ?? "";
  s = s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, "");
  s = s.replace(/[^\p{L}\p{M}\p{N}._\-()+,=@~ ]/gu, "_");
  s = s.replace(/\s+/g, "-").replace(/_+/g, "_").replace(/-+/g, "-");
  s = s.replace(/^[.\-_]+/, "").replace(/[.\s]+$/, "");
  if (!s) s = "uploaded-file";
  if (Buffer.byteLength(s) > MAX_NAME_BYTES) {
    const dot = s.lastIndexOf(".");
    const ext = dot > 0 && s.length - dot <= 12 ? s.slice(dot) : "";
    let stem = s.slice(0, s.length - ext.length);
    while (Buffer.byteLength(stem + ext) > MAX_NAME_BYTES) stem = [...stem].slice(0, -1).join("");
    s = stem + ext;
  }
  return s;
}

/** base64url without padding, `n` characters */
export function randomToken(n: number): string {
  return randomBytes(Math.ceil((n * 3) / 4)).toString("base64url").slice(0, n);
}

export function newPathId(realmId: number, filename: string): string {
  return `${realmId}/${randomBytes(1).toString("hex")}/${randomToken(24)}/${filename}`;
}

/** A stored path_id is ours only if it has exactly this shape (checked before any lookup). */
export function isPathId(p: string): boolean {
  return /^\d+\/[0-9a-f]{2}\/[A-Za-z0-9_-]{24}\/[^/\\]+$/.test(p) && !p.split("/").some((seg) => seg === "." || seg === "..");
}

/** "/user_uploads/{path_id}" with the filename percent-encoded. */
export function uploadUrl(pathId: string): string {
  const i = pathId.lastIndexOf("/");
  return `/user_uploads/${pathId.slice(0, i)}/${encodeURIComponent(pathId.slice(i + 1))}`;
}
