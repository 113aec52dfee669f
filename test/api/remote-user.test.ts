// Trusted-header SSO (Zulip's REMOTE_USER backend), both sides: the header logs a user in
// only when it comes from a configured proxy address; from anywhere else it is ignored.
// Needs a real socket, because the decision rests on the peer address.
import { test, expect } from "bun:test";
import { forEachDialect } from "../helpers/app.ts";

async function sso(base: string, headers: Record<string, string>) {
  const r = await fetch(`${base}/login/sso`, { headers: { host: "testserver", ...headers }, redirect: "manual" });
  return { status: r.status, cookies: r.headers.getSetCookie().join("; "), location: r.headers.get("location") };
}

forEachDialect(
  "trusted-header SSO from a trusted proxy",
  (t) => {
    test("the proxy's header logs the named user in; without it nobody is logged in", async () => {
      const u = await t.user({ email: "alice@example.com" });
      const server = await t.app.start();
      const base = `http://127.0.0.1:${server.port}`;
      const ok = await sso(base, { "remote-user": "alice" });
      expect(ok.status).toBe(303);
      expect(ok.cookies).toContain("hearth_session=");
      const me = await fetch(`${base}/json/users/me`, { headers: { host: "testserver", cookie: ok.cookies.split(";")[0]! } }).then((r) => r.json());
      expect(me.user_id).toBe(u.id);
      const none = await sso(base, {});
      expect(none.cookies).not.toContain("hearth_session=");
      // A client behind the trusted proxy cannot pose as the proxy by forging X-Forwarded-For.
      const spoof = await sso(base, { "remote-user": "alice", "x-forwarded-for": "203.0.113.9" });
      expect(spoof.cookies).not.toContain("hearth_session=");
      expect((await t.api("GET", "/server_settings")).body.authentication_methods.remoteuser).toBe(true);
    });
  },
  { config: { remoteUserHeader: "Remote-User", remoteUserProxies: "127.0.0.1", remoteUserDomain: "example.com" } },
);

forEachDialect(
  "trusted-header SSO from an untrusted address",
  (t) => {
    test("the header is ignored when the peer is not a configured proxy", async () => {
      await t.user({ email: "bob@example.com" });
      const server = await t.app.start();
      const r = await sso(`http://127.0.0.1:${server.port}`, { "remote-user": "bob@example.com" });
      expect(r.cookies).not.toContain("hearth_session=");
      expect(r.status).not.toBe(200);
    });
  },
  { config: { remoteUserHeader: "Remote-User", remoteUserProxies: "192.0.2.1", remoteUserDomain: "example.com" } },
);
