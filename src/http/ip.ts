import type { Context } from "hono";
import { getConnInfo } from "hono/bun";

/** The peer address, or the first untrusted address of X-Forwarded-For when the peer is a trusted proxy. */
export function clientIp(c: Context, trustedProxies: string): string {
  let peer = "";
  try {
    peer = getConnInfo(c).remote.address ?? "";
  } catch {
    peer = ""; // app.request() in tests has no socket
  }
  peer = peer.replace(/^::ffff:/, "");
  const trusted = new Set(trustedProxies.split(",").map((s) => s.trim()).filter(Boolean));
  if (!trusted.has(peer)) return peer;
  const xff = c.req.header("x-forwarded-for");
  if (!xff) return peer;
  const hops = xff.split(",").map((s) => s.trim().replace(/^::ffff:/, "")).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted.has(hops[i]!)) return hops[i]!;
  return hops[0] ?? peer;
}

export function isHttps(c: Context, trustedProxies: string, externalScheme: string): boolean {
  if (externalScheme === "https") return true;
  const url = new URL(c.req.url);
  if (url.protocol === "https:") return true;
  const peer = clientIp(c, "");
  const trusted = new Set(trustedProxies.split(",").map((s) => s.trim()));
  return trusted.has(peer) && c.req.header("x-forwarded-proto") === "https";
}
