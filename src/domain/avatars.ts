import { createHash } from "node:crypto";

/**
 * Avatar URLs. An uploaded avatar, and by default the generated initials avatar too, is
 * served by us at /avatar/{id} (a redirect to the stored image, or the drawn default),
 * so a viewer's browser contacts no third party. Only when the server enables Gravatar
 * (HEARTH_ENABLE_GRAVATAR) do users without an upload get Gravatar URLs, by the MD5 of
 * the delivery email, and null when the client computes them itself (client_gravatar).
 */
export function avatarUrl(
  config: { enableGravatar?: boolean } | unknown,
  u: { id: number; deliveryEmail: string; avatarSource: string; avatarVersion: number },
  clientGravatar: boolean,
  medium = false,
): string | null {
  const ours = `/avatar/${u.id}${medium ? "/medium" : ""}?v=${u.avatarVersion}`;
  if (u.avatarSource === "U") return ours;
  const gravatar = !!(config as { enableGravatar?: boolean } | null)?.enableGravatar;
  if (!gravatar) return ours;
  if (clientGravatar) return null;
  return gravatarUrl(u.deliveryEmail, u.avatarVersion, medium);
}

export function gravatarUrl(email: string, version: number, medium = false): string {
  const hash = createHash("md5").update(email.toLowerCase()).digest("hex");
  return `https://secure.gravatar.com/avatar/${hash}?d=identicon&version=${version}${medium ? "&s=500" : ""}`;
}
