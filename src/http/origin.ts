import type { Context } from "hono";

/**
 * Same-origin check for requests that carry cookies but no CSRF token: form posts before
 * login (no token exists yet) and WebSocket handshakes (no custom headers). A missing
 * Origin passes (non-browser clients); "null", a malformed value or another host do not.
 */
export function originOk(c: Context): boolean {
  const origin = c.req.header("origin");
  if (!origin || origin === "null") return !origin;
  try {
    return new URL(origin).host === (c.req.header("host") ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}
