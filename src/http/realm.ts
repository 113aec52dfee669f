import { realmForSubdomain } from "../actions/realms.ts";
// Which realm a request is for: <subdomain>.<external_host>, or the root realm ("") at
// the external host itself. Hosts that are not under the external host (an IP address,
// localhost during setup) are the root realm, so a single-organization install works
// however it is reached.

function stripPort(h: string) {
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const i = h.lastIndexOf(":");
  return i > 0 && h.indexOf(":") === i ? h.slice(0, i) : h;
}

export function subdomainFor(hostHeader: string | null, externalHost: string): string {
  if (!hostHeader) return "";
  const host = hostHeader.trim().toLowerCase();
  const ext = externalHost.trim().toLowerCase();
  for (const [h, e] of [[host, ext], [stripPort(host), stripPort(ext)]] as const) {
    if (h === e) return "";
    if (h.endsWith("." + e)) return h.slice(0, -(e.length + 1));
  }
  return "";
}

/** The realm a request is for (by its Host header), or undefined when none is served there. */
export function realmOfRequest(
  deps: { store: import("../db/types.ts").Store; config: { externalHost: string } },
  c: { req: { header(name: string): string | undefined; url: string } },
) {
  return realmForSubdomain(deps, subdomainFor(c.req.header("host") ?? new URL(c.req.url).host, deps.config.externalHost));
}
