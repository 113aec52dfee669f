import { createHash } from "node:crypto";

/**
 * Avatar URLs as Zulip computes them: an uploaded avatar is served by us; otherwise
 * Gravatar by the MD5 of the delivery email (null when the client computes Gravatar
 * itself: client_gravatar=true).
 */
export function avatarUrl(
  _config: unknown,
  u: { id: number; deliveryEmail: string; avatarSource: string; avatarVersion: number },
  clientGravatar: boolean,
): string | null {
  if (u.avatarSource === "U") return `/avatar/${u.id}?v=${u.avatarVersion}`;
  if (clientGravatar) return null;
  const hash = createHash("md5").update(u.deliveryEmail.toLowerCase()).digest("hex");
  return `https://secure.gravatar.com/avatar/${hash}?d=identicon&version=${u.avatarVersion}`;
}
